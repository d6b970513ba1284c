/**
 * Container endpoints of the Engine API: create, list, inspect, start, stop, restart,
 * kill, wait, pause, unpause, rename, update, remove, prune, logs and attach.
 *
 * @module
 */
import type { Store } from "../../image/mod.ts";
import type { Container, ContainerEngine } from "../container/container_engine.ts";
import { parseCreateRequest } from "../container/container_config.ts";
import {
  type LogRecord,
  matchesQuery,
  parseNanoTime,
  readLogs,
} from "../container/container_logs.ts";
import { parseLogOptions } from "../container/container_logs.ts";
import { statusWords } from "../container/container_status.ts";
import type { ContainerRecord } from "../container/container_state.ts";
import { parseFilters, parseTimeArg } from "./api_system.ts";
import { imageSize } from "./api_images.ts";
import type { HijackedConn } from "./http_server.ts";
import { ApiError, jsonBody, queryBool, type Router } from "./router.ts";
import { encodeFrame } from "./stream_framing.ts";

const encoder = new TextEncoder();

/**
 * Docker's `/containers/json` row.
 *
 * @param c The container.
 * @param now The present.
 * @returns The summary.
 * @example
 * ```ts ignore
 * containerSummary(c).Status; // "Up 3 seconds"
 * ```
 */
export function containerSummary(c: Container, now: number = Date.now()): Record<string, unknown> {
  const r = c.record;
  return {
    Id: r.Id,
    Names: [r.Name],
    Image: r.Config.Image,
    ImageID: r.Image,
    Command: [r.Path, ...r.Args].map((a) => (/\s/.test(a) ? JSON.stringify(a) : a)).join(" "),
    Created: Math.floor(Date.parse(r.Created) / 1000),
    Ports: [],
    Labels: r.Config.Labels,
    State: r.State.Status,
    Status: statusWords(r.State, now),
    HostConfig: { NetworkMode: r.HostConfig.NetworkMode },
    NetworkSettings: { Networks: {} },
    Mounts: r.Spec.mounts.filter((m) =>
      m.type === "bind" || (m.type === "tmpfs" && m.source === "tmpfs")
    ).map((m) => ({
      Type: m.type === "bind" ? "bind" : "tmpfs",
      Source: m.type === "bind" ? m.source : "",
      Destination: m.destination,
      Mode: m.options?.includes("ro") ? "ro" : "",
      RW: !m.options?.includes("ro"),
      Propagation: "rprivate",
    })),
  };
}

/**
 * Docker's `/containers/{id}/json` body.
 *
 * @param r The record.
 * @returns The inspect object.
 * @example
 * ```ts ignore
 * inspectContainer(record).State.Status;
 * ```
 */
export function inspectContainer(r: ContainerRecord): Record<string, unknown> {
  return {
    Id: r.Id,
    Created: r.Created,
    Path: r.Path,
    Args: r.Args,
    State: { ...r.State, Health: undefined },
    Image: r.Image,
    ResolvConfPath: "",
    HostnamePath: r.HostnamePath,
    HostsPath: "",
    LogPath: r.LogPath,
    Name: r.Name,
    RestartCount: r.RestartCount,
    Driver: "berth-overlay",
    Platform: "linux",
    MountLabel: "",
    ProcessLabel: "",
    AppArmorProfile: "",
    ExecIDs: null,
    HostConfig: r.HostConfig,
    GraphDriver: { Name: "berth-overlay", Data: null },
    Mounts: r.Spec.mounts.filter((m) => m.type === "bind").map((m) => ({
      Type: "bind",
      Source: m.source,
      Destination: m.destination,
      Mode: m.options?.includes("ro") ? "ro" : "",
      RW: !m.options?.includes("ro"),
      Propagation: "rprivate",
    })),
    Config: r.Config,
    NetworkSettings: { Networks: {}, Ports: {}, SandboxKey: "", Bridge: "", IPAddress: "" },
    Spec: r.Spec,
  };
}

function matchesFilters(c: Container, f: Record<string, string[]>): boolean {
  const r = c.record;
  for (const [key, values] of Object.entries(f)) {
    if (values.length === 0) continue;
    const ok = values.some((v) => {
      switch (key) {
        case "status":
          return r.State.Status === v;
        case "name":
          return new RegExp(v.replace(/^\//, "")).test(r.Name.slice(1));
        case "id":
          return r.Id.startsWith(v);
        case "label": {
          const eq = v.indexOf("=");
          return eq < 0
            ? v in r.Config.Labels
            : r.Config.Labels[v.slice(0, eq)] === v.slice(eq + 1);
        }
        case "exited":
          return r.State.Status === "exited" && String(r.State.ExitCode) === v;
        case "ancestor":
          return r.Config.Image === v || r.Image === v || r.Image.startsWith(`sha256:${v}`);
        default:
          throw new ApiError(400, `invalid filter '${key}'`);
      }
    });
    if (!ok) return false;
  }
  return true;
}

function optionalInt(q: URLSearchParams, name: string): number | undefined {
  const v = q.get(name);
  if (v === null || v === "") return undefined;
  const n = Number(v);
  if (!Number.isInteger(n)) throw new ApiError(400, `invalid value for ${name}: "${v}"`);
  return n;
}

/**
 * Docker's `SizeRw` (the writable layer's bytes) and `SizeRootFs` (the image's layers plus
 * the writable layer) of containers, for `?size=1` and `/system/df`.
 *
 * @param engine The engine (its runtime measures the layers).
 * @param list The containers.
 * @param store The image store (image sizes).
 * @returns The sizes, in the order of `list`.
 * @example
 * ```ts ignore
 * const [{ SizeRw, SizeRootFs }] = await containerSizes(engine, [c], store);
 * ```
 */
export async function containerSizes(
  engine: ContainerEngine,
  list: Container[],
  store: Pick<Store, "images">,
): Promise<{ SizeRw: number; SizeRootFs: number }[]> {
  if (list.length === 0) return [];
  const imageBytes = new Map<string, number>(
    (await store.images()).map((i) => [i.id, imageSize(i)]),
  );
  return await Promise.all(list.map(async (c) => {
    const rw = await engine.runtime.fs.sizeRw(c.record);
    return { SizeRw: rw, SizeRootFs: (imageBytes.get(c.record.Image) ?? 0) + rw };
  }));
}

/**
 * Register the container routes.
 *
 * @param router The router.
 * @param engine The engine.
 * @param store The image store (for `?size=1`).
 * @example
 * ```ts ignore
 * registerContainerRoutes(router, engine, store);
 * ```
 */
export function registerContainerRoutes(
  router: Router,
  engine: ContainerEngine,
  store: Pick<Store, "images">,
): void {
  router.add("POST", "/containers/create", async (req, res) => {
    const body = await jsonBody(req);
    const parsed = parseCreateRequest(body);
    const out = await engine.create(parsed, req.query.get("name") ?? "");
    await res.json(201, out);
  });

  router.add("GET", "/containers/json", async (req, res) => {
    const all = queryBool(req.query, "all");
    const limit = optionalInt(req.query, "limit") ?? -1;
    const filters = parseFilters(req.query.get("filters"));
    for (const key of Object.keys(filters)) {
      if (!["status", "name", "id", "label", "exited", "ancestor"].includes(key)) {
        throw new ApiError(400, `invalid filter '${key}'`);
      }
    }
    const now = Date.now();
    let list = engine.all();
    if (!all && limit <= 0 && !filters.status) list = list.filter((c) => c.record.State.Running);
    list = list.filter((c) => matchesFilters(c, filters));
    if (limit > 0) list = list.slice(0, limit);
    const rows = list.map((c) => containerSummary(c, now));
    if (queryBool(req.query, "size")) {
      const sizes = await containerSizes(engine, list, store);
      rows.forEach((r, i) => Object.assign(r, sizes[i]));
    }
    await res.json(200, rows);
  });

  router.add("GET", "/containers/{id}/json", async (req, res, p) => {
    const c = engine.get(p.id!);
    const body = inspectContainer(c.record);
    if (queryBool(req.query, "size")) {
      Object.assign(body, (await containerSizes(engine, [c], store))[0]);
    }
    await res.json(200, body);
  });

  router.add("POST", "/containers/{id}/start", async (_req, res, p) => {
    const started = await engine.start(p.id!);
    await res.send(started ? 204 : 304, "");
  });

  router.add("POST", "/containers/{id}/stop", async (req, res, p) => {
    const stopped = await engine.stop(
      p.id!,
      optionalInt(req.query, "t"),
      req.query.get("signal") ?? undefined,
    );
    await res.send(stopped ? 204 : 304, "");
  });

  router.add("POST", "/containers/{id}/restart", async (req, res, p) => {
    await engine.restart(p.id!, optionalInt(req.query, "t"), req.query.get("signal") ?? undefined);
    await res.send(204, "");
  });

  router.add("POST", "/containers/{id}/kill", async (req, res, p) => {
    engine.kill(p.id!, req.query.get("signal") ?? undefined);
    await res.send(204, "");
  });

  router.add("POST", "/containers/{id}/pause", async (_req, res, p) => {
    engine.pause(p.id!);
    await res.send(204, "");
  });

  router.add("POST", "/containers/{id}/unpause", async (_req, res, p) => {
    engine.unpause(p.id!);
    await res.send(204, "");
  });

  router.add("POST", "/containers/{id}/rename", async (req, res, p) => {
    const name = req.query.get("name");
    if (!name) throw new ApiError(400, "Neither old nor new names may be empty");
    engine.rename(p.id!, name);
    await res.send(204, "");
  });

  router.add("POST", "/containers/{id}/update", async (req, res, p) => {
    const warnings = engine.update(p.id!, await jsonBody(req));
    await res.json(200, { Warnings: warnings });
  });

  router.add("POST", "/containers/{id}/resize", async (req, res, p) => {
    const c = engine.get(p.id!);
    const h = optionalInt(req.query, "h") ?? 0;
    const w = optionalInt(req.query, "w") ?? 0;
    if (!c.running) throw new ApiError(409, `Container ${c.record.Id} is not running`);
    c.running.resize(h, w);
    await res.send(200, "");
  });

  router.add("POST", "/containers/{id}/wait", async (req, res, p) => {
    const condition = req.query.get("condition") ?? "not-running";
    if (!["not-running", "next-exit", "removed"].includes(condition)) {
      throw new ApiError(400, `invalid condition: "${condition}"`);
    }
    engine.get(p.id!);
    // Headers go out at once (Docker's clients start the container after that).
    const w = await res.stream(200, "application/json");
    const code = await engine.wait(p.id!, condition);
    await w.write(JSON.stringify({ StatusCode: code, Error: null }) + "\n");
    await w.close();
  });

  router.add("DELETE", "/containers/{id}", async (req, res, p) => {
    await engine.remove(p.id!, {
      force: queryBool(req.query, "force"),
      volumes: queryBool(req.query, "v"),
    });
    await res.send(204, "");
  });

  router.add("POST", "/containers/prune", async (_req, res) => {
    const deleted: string[] = [];
    for (const c of engine.all()) {
      if (c.running || c.record.State.Status === "restarting") continue;
      await engine.remove(c.record.Id).then(() => deleted.push(c.record.Id)).catch(() => {});
    }
    await res.json(200, { ContainersDeleted: deleted.length ? deleted : null, SpaceReclaimed: 0 });
  });

  router.add("GET", "/containers/{id}/logs", async (req, res, p) => {
    const c = engine.get(p.id!);
    const q = req.query;
    const stdout = queryBool(q, "stdout");
    const stderr = queryBool(q, "stderr");
    if (!stdout && !stderr) {
      throw new ApiError(400, "Bad parameters: you must choose at least one stream");
    }
    const tailText = q.get("tail") ?? "all";
    const tail = tailText === "all" || tailText === "" ? undefined : Number(tailText);
    if (tail !== undefined && !Number.isInteger(tail)) {
      throw new ApiError(400, `invalid tail "${tailText}"`);
    }
    const sinceText = q.get("since") ?? "";
    const untilText = q.get("until") ?? "";
    const query = {
      stdout,
      stderr,
      tail: tail !== undefined && tail < 0 ? undefined : tail,
      sinceMs: sinceText && sinceText !== "0" ? parseTimeArg(sinceText) : undefined,
      untilMs: untilText ? parseTimeArg(untilText) : undefined,
    };
    const timestamps = queryBool(q, "timestamps");
    const follow = queryBool(q, "follow");
    const tty = c.record.Config.Tty;
    const w = await res.stream(
      200,
      tty ? "application/vnd.docker.raw-stream" : "application/vnd.docker.multiplexed-stream",
    );
    const frame = (r: LogRecord) => {
      const text = (timestamps ? `${r.time} ` : "") + r.log;
      const bytes = encoder.encode(text);
      return tty ? bytes : encodeFrame(r.stream === "stderr" ? 2 : 1, bytes);
    };
    const maxFile = parseLogOptions(c.record.HostConfig.LogConfig.Config).maxFile;
    // Subscribe before reading so nothing falls between the file and the live feed.
    const live: LogRecord[] = [];
    let liveSink: ((r: LogRecord) => void) | undefined;
    const off = follow && c.log
      ? c.log.subscribe((r) => (liveSink ? liveSink(r) : live.push(r)))
      : undefined;
    const past = await readLogs(c.record.LogPath, maxFile, query);
    const lastTime = past.length > 0 ? parseNanoTime(past.at(-1)!.time) : -Infinity;
    for (const r of past) if (!(await w.write(frame(r)))) break;
    if (off) {
      const liveQuery = { ...query, tail: undefined };
      for (const r of live) {
        if (parseNanoTime(r.time) > lastTime && matchesQuery(r, liveQuery)) await w.write(frame(r));
      }
      let done!: () => void;
      const finished = new Promise<void>((r) => (done = r));
      liveSink = (r) => {
        if (query.untilMs !== undefined && parseNanoTime(r.time) >= query.untilMs) return done();
        if (matchesQuery(r, liveQuery)) {
          w.write(frame(r)).then((ok) => {
            if (!ok) done();
          });
        }
      };
      const exit = engine.wait(c.record.Id, "next-exit").then(() => {}, () => {});
      await Promise.race([finished, exit, w.closed]);
      off();
    }
    await w.close();
  });

  router.add("POST", "/containers/{id}/attach", async (req, res, p) => {
    const c = engine.get(p.id!);
    const q = req.query;
    const wantStdin = queryBool(q, "stdin");
    const wantStdout = queryBool(q, "stdout");
    const wantStderr = queryBool(q, "stderr");
    const tty = c.record.Config.Tty;
    const conn = await res.hijack(
      tty ? "application/vnd.docker.raw-stream" : "application/vnd.docker.multiplexed-stream",
    );
    await attachSession(engine, c, conn, {
      stdin: wantStdin,
      stdout: wantStdout,
      stderr: wantStderr,
      logs: queryBool(q, "logs"),
      stream: queryBool(q, "stream", true),
      tty,
    });
  });
}

/** What an attach session carries. */
interface AttachWants {
  stdin: boolean;
  stdout: boolean;
  stderr: boolean;
  logs: boolean;
  stream: boolean;
  tty: boolean;
}

async function attachSession(
  engine: ContainerEngine,
  c: Container,
  conn: HijackedConn,
  want: AttachWants,
): Promise<void> {
  const send = (stream: "stdout" | "stderr", data: Uint8Array) => {
    if (stream === "stdout" && !want.stdout) return;
    if (stream === "stderr" && !want.stderr) return;
    void conn.write(want.tty ? data : encodeFrame(stream === "stderr" ? 2 : 1, data));
  };
  if (want.logs) {
    const past = await readLogs(
      c.record.LogPath,
      parseLogOptions(c.record.HostConfig.LogConfig.Config).maxFile,
    );
    for (const r of past) send(r.stream, encoder.encode(r.log));
  }
  if (!want.stream) {
    await conn.close();
    return;
  }
  c.listeners.add(send);
  let detached = false;
  let heldCtrlP = false;
  const pump = (async () => {
    if (!want.stdin) return;
    while (true) {
      const data = await conn.read();
      if (data === null) break;
      if (want.tty) {
        // Docker's detach keys, Ctrl-P Ctrl-Q: a Ctrl-P is held back until the next byte.
        const bytes = heldCtrlP ? [16, ...data] : [...data];
        heldCtrlP = false;
        const at = bytes.findIndex((b, i) => b === 16 && bytes[i + 1] === 17);
        if (at >= 0) {
          if (at > 0) c.running?.writeStdin(new Uint8Array(bytes.slice(0, at)));
          detached = true;
          break;
        }
        if (bytes.at(-1) === 16) {
          heldCtrlP = true;
          bytes.pop();
        }
        if (bytes.length > 0) c.running?.writeStdin(new Uint8Array(bytes));
        continue;
      }
      c.running?.writeStdin(data);
    }
    // A detach leaves the container's input open; the end of the client's input closes it.
    if (!detached && c.record.Config.StdinOnce) c.running?.closeStdin();
  })();
  // The session ends when the container stops (or, for a stdin-only attach, when input ends).
  const exited = c.running
    ? engine.wait(c.record.Id, "next-exit").then(() => {}, () => {})
    : waitForStart(c);
  await Promise.race([
    exited,
    pump.then(() => (detached || !(want.stdout || want.stderr) ? undefined : exited)),
  ]);
  c.listeners.delete(send);
  // All output is already queued on the connection: without a terminal the runtime hands
  // it over synchronously as it is written, and with one its exit waits for the terminal
  // to drain (kernel_runtime.ts). close() sends what is queued first. (This used to wait
  // a timer tick, which is 1-2 ms on a loaded machine at the end of every `berth run`.)
  await conn.close();
}

/** An attach made before start (docker run): wait for the run that follows to end. */
async function waitForStart(c: Container): Promise<void> {
  const started = await new Promise<boolean>((r) => c.startWaiters.push(r));
  if (!started || !c.running) return;
  await new Promise<void>((r) => c.exitWaiters.push(() => r()));
}
