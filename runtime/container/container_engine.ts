/**
 * The container engine: the daemon's table of containers and their lifecycle —
 * create, start, stop (stop signal, then SIGKILL after the timeout), kill,
 * pause/unpause, restart, remove, rename, wait — with restart policies while the
 * daemon lives, `--rm`, json-file logs, and state persisted atomically so that stopped
 * containers (and their writable layers) survive a daemon restart.
 *
 * @module
 */
import { existsSync } from "node:fs";
import type { Store } from "../../image/mod.ts";
import type { CreateRequest } from "./container_config.ts";
import { buildRecord, ContainerConflictError, NoSuchContainerError } from "./container_create.ts";
import { LogWriter, parseLogOptions } from "./container_logs.ts";
import type { ContainerRuntime, RunningContainer } from "./container_runtime.ts";
import { applyUpdate } from "./container_update.ts";
import { ImageLookup } from "./image_lookup.ts";
import {
  checkJoinTargets,
  type JoinCandidate,
  namespaceJoins,
  pinJoinPaths,
} from "./container_join.ts";
import { readPersisted, signalNumber } from "./container_load.ts";
import {
  canStart,
  type ContainerRecord,
  NAME_PATTERN,
  randomName,
  saveRecord,
  saveSpec,
} from "./container_state.ts";

/** Where the engine reports events ("container", action, id, attributes). */
export type EmitEvent = (
  type: string,
  action: string,
  id: string,
  attributes: Record<string, string>,
) => void;

/** A container as the engine holds it. */
export interface Container {
  /** The persisted record. */
  record: ContainerRecord;
  /** Its directory. */
  readonly dir: string;
  /** The open log while running. */
  log?: LogWriter;
  /** The running processes. */
  running?: RunningContainer;
  /** Live output listeners (attach). */
  readonly listeners: Set<(stream: "stdout" | "stderr", data: Uint8Array) => void>;
  /** Resolvers waiting for the next exit. */
  exitWaiters: Array<(code: number) => void>;
  /** Resolvers waiting for removal. */
  removeWaiters: Array<() => void>;
  /** Resolvers waiting for the next start (true) or failed start/removal (false). */
  startWaiters: Array<(started: boolean) => void>;
  /** A pending policy restart. */
  restartTimer?: ReturnType<typeof setTimeout>;
}

/** Options of the engine. */
export interface EngineOptions {
  /** State root. */
  root: string;
  /** Image store. */
  store: Store;
  /** What runs containers. */
  runtime: ContainerRuntime;
  /** Event sink. */
  emit: EmitEvent;
  /** Log lines of the daemon. */
  log?: (line: string) => void;
}

/**
 * The engine.
 *
 * @example
 * ```ts ignore
 * const engine = new ContainerEngine({ root, store, runtime, emit });
 * await engine.load();
 * const { Id } = await engine.create(req, "web");
 * await engine.start(Id);
 * ```
 */
export class ContainerEngine {
  readonly #byId = new Map<string, Container>();
  readonly #byName = new Map<string, Container>();
  readonly #opts: EngineOptions;
  /** Image resolutions for create and the layer files they name. */
  readonly #images: Pick<Store, "resolve" | "layerFiles">;
  #shuttingDown = false;

  /**
   * Create it.
   *
   * @param opts Root, store, runtime, events.
   */
  constructor(opts: EngineOptions) {
    this.#opts = opts;
    const lookup = new ImageLookup(opts.store);
    this.#images = {
      resolve: (text) => lookup.resolve(text),
      layerFiles: (diffId) => opts.store.layerFiles(diffId),
    };
  }

  /** The runtime. */
  get runtime(): ContainerRuntime {
    return this.#opts.runtime;
  }

  /** All containers, newest first. */
  all(): Container[] {
    return [...this.#byId.values()].sort((a, b) => (a.record.Created < b.record.Created ? 1 : -1));
  }

  /**
   * Load containers persisted by an earlier daemon. Containers that were running
   * when it went away are recorded as exited (255), as Docker does without
   * live-restore; `always`/`unless-stopped` ones are started again.
   *
   * @returns Once loaded.
   */
  async load(): Promise<void> {
    const { records, restart } = await readPersisted(`${this.#opts.root}/containers`);
    for (const record of records) this.#add(record);
    for (const id of restart) {
      this.start(id).catch((err) => this.#log(`restart of ${id.slice(0, 12)} failed: ${err}`));
    }
  }

  #add(record: ContainerRecord): Container {
    const c: Container = {
      record,
      dir: `${this.#opts.root}/containers/${record.Id}`,
      listeners: new Set(),
      exitWaiters: [],
      removeWaiters: [],
      startWaiters: [],
    };
    this.#byId.set(record.Id, c);
    this.#byName.set(record.Name.slice(1), c);
    return c;
  }

  #log(line: string): void {
    this.#opts.log?.(line);
  }

  #emit(c: Container, action: string, extra: Record<string, string> = {}): void {
    this.#opts.emit("container", action, c.record.Id, {
      image: c.record.Config.Image,
      name: c.record.Name.slice(1),
      ...c.record.Config.Labels,
      ...extra,
    });
  }

  /**
   * Find a container by full id, unique id prefix, or name (with or without "/").
   *
   * @param ref What the user typed.
   * @returns The container.
   * @throws {NoSuchContainerError} When nothing (or more than one prefix) matches.
   */
  get(ref: string): Container {
    const name = ref.startsWith("/") ? ref.slice(1) : ref;
    const byId = this.#byId.get(ref);
    if (byId) return byId;
    const byName = this.#byName.get(name);
    if (byName) return byName;
    if (/^[0-9a-f]+$/.test(ref)) {
      let hit: Container | undefined;
      for (const [id, c] of this.#byId) {
        if (id.startsWith(ref)) {
          if (hit) {
            throw Object.assign(new Error(`multiple IDs found with provided prefix: ${ref}`), {
              httpStatus: 400,
            });
          }
          hit = c;
        }
      }
      if (hit) return hit;
    }
    throw new NoSuchContainerError(ref);
  }

  /**
   * Create a container.
   *
   * @param req The parsed request.
   * @param name Requested name ("" = random).
   * @returns Docker's create answer.
   */
  async create(req: CreateRequest, name = ""): Promise<{ Id: string; Warnings: string[] }> {
    const wanted = name.replace(/^\//, "");
    if (wanted && !NAME_PATTERN.test(wanted)) {
      throw Object.assign(
        new Error(`Invalid container name (${wanted}), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed`),
        { httpStatus: 400 },
      );
    }
    if (wanted && this.#byName.has(wanted)) {
      const other = this.#byName.get(wanted)!;
      throw new ContainerConflictError(
        `Conflict. The container name "/${wanted}" is already in use by container "${other.record.Id}". You have to remove (or rename) that container to be able to reuse that name.`,
      );
    }
    checkJoinTargets(req.hostConfig, (ref) => this.#joinCandidate(ref));
    const finalName = wanted || randomName(new Set(this.#byName.keys()));
    const { record } = await buildRecord(this.#opts.root, this.#images, req, finalName);
    if (this.#byName.has(finalName)) {
      throw new ContainerConflictError(
        `Conflict. The container name "/${finalName}" is already in use.`,
      );
    }
    const c = this.#add(record);
    // An --rm container is not written down at all: it never outlives the daemon (load()
    // deletes a directory without a record, as an interrupted create), nothing reads its
    // record while the daemon runs (`system check` counts it as work in progress), and the
    // in-use check of rmi (not a GC pin) protects its image while it runs. Its directory is
    // made when something is first written there (its log's first record, a spill file:
    // openMakingDir), so `berth run --rm … true` makes none. Others: the directory (sync: a few
    // µs, where an asynchronous call waits for an event-loop turn), the spec, then the
    // record (the commit point).
    if (!req.hostConfig.AutoRemove) {
      Deno.mkdirSync(c.dir, { recursive: true, mode: 0o700 });
      saveSpec(c.dir, record.Spec);
      saveRecord(c.dir, record);
      await this.#opts.store.pin(record.Id, [record.ManifestDigest as never]).catch(() => {});
    }
    this.#emit(c, "create");
    const warnings: string[] = [];
    if (req.hostConfig.MemorySwap !== 0) {
      warnings.push("--memory-swap is accepted and ignored: Berth has no swap");
    }
    return { Id: record.Id, Warnings: warnings };
  }

  /**
   * Start a created or exited container.
   *
   * @param ref Container.
   * @returns False if it was already running (Docker's 304).
   */
  async start(ref: string): Promise<boolean> {
    const c = this.get(ref);
    if (c.record.State.Running) return false;
    if (!canStart(c.record.State) && c.record.State.Status !== "restarting") {
      throw new ContainerConflictError(`cannot start container in state ${c.record.State.Status}`);
    }
    if (c.restartTimer !== undefined) {
      clearTimeout(c.restartTimer);
      c.restartTimer = undefined;
    }
    const joins = namespaceJoins(c.record.HostConfig, (r) => this.#joinCandidate(r));
    pinJoinPaths(c.record.Spec, joins);
    c.record.ManuallyStopped = false;
    const opts = parseLogOptions(c.record.HostConfig.LogConfig.Config);
    const log = new LogWriter(c.record.LogPath, opts);
    c.log = log;
    let running: RunningContainer;
    try {
      running = await this.#opts.runtime.start(c.record, {
        stdout: (d) => {
          log.write("stdout", d);
          for (const l of c.listeners) l("stdout", d);
        },
        stderr: (d) => {
          log.write("stderr", d);
          for (const l of c.listeners) l("stderr", d);
        },
      }, joins);
    } catch (err) {
      log.close();
      c.log = undefined;
      const code = (err as { exitCode?: number }).exitCode ?? 128;
      Object.assign(c.record.State, {
        Status: c.record.State.Status === "created" ? "created" : "exited",
        Running: false,
        Restarting: false,
        ExitCode: code,
        Error: (err as Error).message,
      });
      this.#save(c);
      this.#emit(c, "die", { exitCode: String(code) });
      this.#wakeStarters(c, false);
      throw err;
    }
    c.running = running;
    Object.assign(c.record.State, {
      Status: "running",
      Running: true,
      Paused: false,
      Restarting: false,
      OOMKilled: false,
      Dead: false,
      Pid: running.pid,
      ExitCode: 0,
      Error: "",
      StartedAt: new Date().toISOString(),
    });
    // Not durable: a daemon that dies records running containers as exited at restart.
    // An --rm container's record is not rewritten at all: load() deletes it whatever its
    // state, and nothing else reads it while the daemon runs (one file write less per run).
    this.#save(c, false);
    this.#emit(c, "start");
    this.#wakeStarters(c, true);
    running.exited.then((exit) => this.#onExit(c, running, exit.exitCode, exit.oomKilled))
      .catch((err) => {
        this.#log(`container ${c.record.Id.slice(0, 12)}: ${err?.stack ?? err}`);
        this.#onExit(c, running, 255, false);
      });
    return true;
  }

  /** Another container as `--ipc/--pid container:X` sees it. */
  #joinCandidate(ref: string): JoinCandidate {
    const c = this.get(ref);
    return {
      id: c.record.Id,
      ipcMode: c.record.HostConfig.IpcMode,
      pid: c.running?.pid,
      restarting: c.record.State.Restarting,
    };
  }

  /**
   * Write a container's record (and, with its spec, the OCI bundle's `config.json`). An
   * --rm container is not written down at all (see create): nothing reads its record while
   * the daemon runs, load() deletes it whatever its state, and its directory is made only
   * when it writes output.
   */
  #save(c: Container, durable = true): void {
    if (!c.record.HostConfig.AutoRemove) saveRecord(c.dir, c.record, durable);
  }

  #saveSpec(c: Container): void {
    if (!c.record.HostConfig.AutoRemove) saveSpec(c.dir, c.record.Spec);
  }

  #wakeRemoveWaiters(c: Container): void {
    const w = c.removeWaiters;
    c.removeWaiters = [];
    for (const f of w) f();
  }

  #wakeStarters(c: Container, started: boolean): void {
    const w = c.startWaiters;
    c.startWaiters = [];
    for (const f of w) f(started);
  }

  async #onExit(
    c: Container,
    running: RunningContainer,
    exitCode: number,
    oom: boolean,
  ): Promise<void> {
    if (c.running !== running) return;
    c.running = undefined;
    c.log?.close();
    c.log = undefined;
    Object.assign(c.record.State, {
      Status: "exited",
      Running: false,
      Paused: false,
      Pid: 0,
      ExitCode: exitCode,
      OOMKilled: oom,
      FinishedAt: new Date().toISOString(),
    });
    try {
      if (!c.record.HostConfig.AutoRemove) await this.#opts.runtime.saveUpper(c.record);
    } catch (err) {
      this.#log(`cannot save the writable layer of ${c.record.Id.slice(0, 12)}: ${err}`);
    }
    if (oom) this.#emit(c, "oom");
    this.#emit(c, "die", { exitCode: String(exitCode) });
    const waiters = c.exitWaiters;
    c.exitWaiters = [];
    for (const w of waiters) w(exitCode);
    if (this.#shuttingDown || !this.#byId.has(c.record.Id)) {
      if (this.#byId.has(c.record.Id)) this.#save(c);
      return;
    }
    if (c.record.HostConfig.AutoRemove) {
      await this.remove(c.record.Id, { force: true }).catch(() => {});
      return;
    }
    const policy = c.record.HostConfig.RestartPolicy;
    const again = !c.record.ManuallyStopped && (
      policy.Name === "always" || policy.Name === "unless-stopped" ||
      (policy.Name === "on-failure" && exitCode !== 0 &&
        (policy.MaximumRetryCount === 0 || c.record.RestartCount < policy.MaximumRetryCount))
    );
    if (again) {
      c.record.State.Status = "restarting";
      c.record.State.Restarting = true;
      c.record.RestartCount++;
      const delay = Math.min(60_000, 100 * 2 ** Math.min(10, c.record.RestartCount - 1));
      c.restartTimer = setTimeout(() => {
        c.restartTimer = undefined;
        if (c.record.State.Status !== "restarting") return;
        this.start(c.record.Id).catch((err) => {
          this.#log(`restart of ${c.record.Id.slice(0, 12)} failed: ${err}`);
          c.record.State.Status = "exited";
          c.record.State.Restarting = false;
          this.#save(c);
        });
      }, delay);
    }
    this.#save(c);
  }

  /**
   * Wait for the next exit of a running container (or return at once if stopped).
   *
   * @param c The container.
   * @returns The exit code.
   */
  #nextExit(c: Container): Promise<number> {
    return new Promise((resolve) => c.exitWaiters.push(resolve));
  }

  /**
   * Stop: the stop signal, then SIGKILL after the timeout.
   *
   * @param ref Container.
   * @param timeoutSec Seconds before SIGKILL (default the container's StopTimeout or 10; -1 waits forever).
   * @param signal Overrides the stop signal.
   * @returns False if it was not running (Docker's 304).
   */
  async stop(ref: string, timeoutSec?: number, signal?: string): Promise<boolean> {
    const c = this.get(ref);
    if (c.restartTimer !== undefined) {
      clearTimeout(c.restartTimer);
      c.restartTimer = undefined;
      c.record.State.Status = "exited";
      c.record.State.Restarting = false;
    }
    c.record.ManuallyStopped = true;
    const running = c.running;
    if (!running) {
      this.#save(c);
      return false;
    }
    const sig = signalNumber(signal ?? c.record.Config.StopSignal, 15);
    const t = timeoutSec ?? c.record.Config.StopTimeout ?? 10;
    const exited = this.#nextExit(c);
    if (c.record.State.Paused) this.#thaw(c);
    running.kill(sig);
    this.#emit(c, "kill", { signal: String(sig) });
    if (t >= 0) {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const timedOut = await Promise.race([
        exited.then(() => false),
        new Promise<boolean>((r) => (timer = setTimeout(() => r(true), t * 1000))),
      ]);
      clearTimeout(timer);
      if (timedOut) {
        running.kill(9);
        this.#emit(c, "kill", { signal: "9" });
      }
    }
    await exited;
    this.#emit(c, "stop");
    return true;
  }

  /**
   * Send a signal.
   *
   * @param ref Container.
   * @param signal Signal name or number (default SIGKILL).
   */
  kill(ref: string, signal?: string): void {
    const c = this.get(ref);
    const running = c.running;
    if (!running) {
      throw new ContainerConflictError(
        `Cannot kill container: ${ref}: container ${c.record.Id} is not running`,
      );
    }
    const sig = signalNumber(signal, 9);
    if (sig === 9) c.record.ManuallyStopped = true;
    if (c.record.State.Paused && sig === 9) this.#thaw(c);
    running.kill(sig);
    this.#emit(c, "kill", { signal: String(sig) });
  }

  /**
   * Restart: stop (if running) then start.
   *
   * @param ref Container.
   * @param timeoutSec Stop timeout.
   * @param signal Stop signal.
   */
  async restart(ref: string, timeoutSec?: number, signal?: string): Promise<void> {
    const c = this.get(ref);
    if (c.running) await this.stop(ref, timeoutSec, signal);
    if (c.record.State.Status === "restarting") {
      c.record.State.Status = "exited";
      c.record.State.Restarting = false;
    }
    await this.start(c.record.Id);
    this.#emit(c, "restart");
  }

  /**
   * Pause (freeze the cgroup).
   *
   * @param ref Container.
   */
  pause(ref: string): void {
    const c = this.get(ref);
    if (!c.running) throw new ContainerConflictError(`Container ${c.record.Id} is not running`);
    if (c.record.State.Paused) {
      throw new ContainerConflictError(`Container ${c.record.Id} is already paused`);
    }
    c.running.freeze(true);
    c.record.State.Paused = true;
    c.record.State.Status = "paused";
    this.#save(c, false);
    this.#emit(c, "pause");
  }

  /**
   * Unpause (thaw the cgroup).
   *
   * @param ref Container.
   */
  unpause(ref: string): void {
    const c = this.get(ref);
    if (!c.record.State.Paused) {
      throw new ContainerConflictError(`Container ${c.record.Id} is not paused`);
    }
    this.#thaw(c);
    this.#emit(c, "unpause");
  }

  #thaw(c: Container): void {
    c.running?.freeze(false);
    c.record.State.Paused = false;
    if (c.running) c.record.State.Status = "running";
    this.#save(c, false);
  }

  /** Removals under way: `shutdown()` waits for them (an `--rm` container's directory is
   * handled a turn after its waiters answered, and must not be touched after shutdown). */
  readonly #removals = new Set<Promise<void>>();

  /**
   * Remove a container (running ones only with force: SIGKILL first).
   *
   * @param ref Container.
   * @param opts force, volumes.
   * @returns Once it is removed, its directory included.
   */
  remove(ref: string, opts: { force?: boolean; volumes?: boolean } = {}): Promise<void> {
    const done = this.#remove(ref, opts);
    const tracked = done.catch(() => {}).finally(() => this.#removals.delete(tracked));
    this.#removals.add(tracked);
    return done;
  }

  async #remove(ref: string, opts: { force?: boolean; volumes?: boolean }): Promise<void> {
    const c = this.get(ref);
    if (c.running) {
      if (!opts.force) {
        throw new ContainerConflictError(
          `cannot remove container "${c.record.Name}": container is ${
            c.record.State.Paused ? "paused" : "running"
          }: stop the container before removing or force remove`,
        );
      }
      c.record.ManuallyStopped = true;
      const exited = this.#nextExit(c);
      if (c.record.State.Paused) this.#thaw(c);
      c.running.kill(9);
      await exited;
    }
    if (!this.#byId.has(c.record.Id)) return;
    if (c.restartTimer !== undefined) clearTimeout(c.restartTimer);
    c.record.State.Status = "removing";
    this.#byId.delete(c.record.Id);
    this.#byName.delete(c.record.Name.slice(1));
    // An --rm container is removed for the API from here on (no id, no name, no image
    // use), and a crash from here on cannot bring it back (load() deletes --rm records).
    // Its root, memory (spill files included) and cgroup are released next; then
    // `wait --condition removed`, what `run --rm` waits for, answers, while its directory
    // (if it wrote one) is renamed away and deleted. remove() returns once that is done too.
    // (Answering before the release let a client see the disk space of a removed
    // container's spill files still in use.)
    await this.#opts.runtime.remove(c.record).catch((err) => this.#log(`remove: ${err}`));
    if (c.record.HostConfig.AutoRemove) {
      this.#wakeRemoveWaiters(c);
      // The waiters answer first (`run --rm` writes its status); the directory is handled
      // at the next turn.
      await new Promise((r) => setTimeout(r, 0));
    }
    // One rename makes the removal atomic; load() finishes an interrupted delete. An --rm
    // container that wrote nothing has no directory: a check (~1.5 µs) rather than a failed
    // rename (an asynchronous call and a NotFound error: ~0.1 ms of the daemon per run).
    const trash = `${this.#opts.root}/containers/.trash-${c.record.Id}`;
    let renamed = false;
    if (!c.record.HostConfig.AutoRemove || existsSync(c.dir)) {
      try {
        await Deno.rename(c.dir, trash);
        renamed = true;
      } catch (err) {
        if (!(err instanceof Deno.errors.NotFound)) {
          await Deno.remove(c.dir, { recursive: true }).catch(() => {});
        }
      }
    }
    // An --rm container was never pinned (see create): no image-index read to unpin it.
    if (!c.record.HostConfig.AutoRemove) {
      await this.#opts.store.unpin(c.record.Id).catch(() => {});
    }
    // Other containers: removed once renamed away (load() finishes the trash).
    this.#wakeRemoveWaiters(c);
    this.#emit(c, "destroy");
    this.#wakeStarters(c, false);
    if (renamed) {
      await Deno.remove(trash, { recursive: true }).catch(() => {}); // load() retries it
    }
  }

  /**
   * Rename.
   *
   * @param ref Container.
   * @param newName New name.
   */
  rename(ref: string, newName: string): void {
    const c = this.get(ref);
    const name = newName.replace(/^\//, "");
    if (!NAME_PATTERN.test(name)) {
      throw Object.assign(
        new Error(`Invalid container name (${name}), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed`),
        {
          httpStatus: 400,
        },
      );
    }
    if (this.#byName.has(name)) {
      throw new ContainerConflictError(
        `Error when allocating new name: The container name "/${name}" is already in use`,
      );
    }
    const old = c.record.Name.slice(1);
    this.#byName.delete(old);
    c.record.Name = `/${name}`;
    c.record.Spec.annotations["io.berth.container.name"] = name;
    this.#byName.set(name, c);
    this.#save(c);
    this.#saveSpec(c);
    this.#emit(c, "rename", { oldName: `/${old}` });
  }

  /**
   * Wait for a condition: "not-running" (default), "next-exit", "removed".
   *
   * @param ref Container.
   * @param condition The condition.
   * @returns The exit code.
   */
  async wait(ref: string, condition = "not-running"): Promise<number> {
    const c = this.get(ref);
    if (condition === "removed") {
      if (c.running || c.record.State.Status === "restarting" || this.#byId.has(c.record.Id)) {
        await new Promise<void>((r) => c.removeWaiters.push(r));
      }
      return c.record.State.ExitCode;
    }
    if (condition === "next-exit" || c.running || c.record.State.Status === "restarting") {
      return await this.#nextExit(c);
    }
    return c.record.State.ExitCode;
  }

  /**
   * Change resources live (`update`).
   *
   * @param ref Container.
   * @param hc New values (Docker's HostConfig fields).
   * @returns Warnings.
   */
  update(ref: string, hc: Record<string, unknown>): string[] {
    const c = this.get(ref);
    const values = applyUpdate(c.record, hc);
    c.running?.update(values);
    this.#save(c);
    this.#saveSpec(c);
    this.#emit(c, "update");
    return [];
  }

  /**
   * Stop every running container (daemon shutdown) and save their layers.
   *
   * @returns Once all have stopped.
   */
  async shutdown(): Promise<void> {
    this.#shuttingDown = true;
    const running = this.all().filter((c) => c.running);
    await Promise.all(running.map(async (c) => {
      const wasManual = c.record.ManuallyStopped;
      try {
        await this.stop(c.record.Id, Math.min(c.record.Config.StopTimeout ?? 10, 10));
      } catch (err) {
        this.#log(`stop ${c.record.Id.slice(0, 12)}: ${err}`);
      }
      // A daemon shutdown is not the user's stop: policies apply at the next start.
      c.record.ManuallyStopped = wasManual;
      this.#save(c);
    }));
    for (const c of this.all()) if (c.restartTimer !== undefined) clearTimeout(c.restartTimer);
    // Removals under way (an --rm container's, after its stop above) finish first.
    while (this.#removals.size > 0) await Promise.all([...this.#removals]);
    await this.#opts.runtime.shutdown();
  }
}
