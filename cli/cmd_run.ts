/**
 * `run` and `create`: building the create request from Docker's flags, and running it in
 * one request with Docker's exit codes (the container's, or 125 for daemon errors, 126
 * cannot invoke, 127 not found). `run` with a terminal, stdin, `-d` or `--cidfile` (create,
 * attach, start), `start`, `attach` and `exec` are in `cmd_attach.ts`.
 *
 * @module
 */
import { flagBool, flagInt, flagList, flagString, type ParsedArgs, UsageError } from "./_args.ts";
import { DaemonError, daemonError } from "./_client.ts";
import type { Context } from "./_context.ts";
import { ExitError } from "./_errors.ts";
import { commandModule, internalModule } from "./_lazy.ts";

/**
 * The attach-session client (`_attach.ts`), imported when a command first needs it (see
 * `_lazy.ts`): for the one-request run, while the daemon starts the container.
 */
function sessionClient(): Promise<typeof import("./_attach.ts")> {
  return internalModule("attach") as Promise<typeof import("./_attach.ts")>;
}

/** `cmd_attach.ts`, for `run` with a terminal, stdin, `-d` or `--cidfile`. */
function attachCommands(): Promise<typeof import("./cmd_attach.ts")> {
  return commandModule("attach") as Promise<typeof import("./cmd_attach.ts")>;
}

/**
 * Parse Docker's byte sizes ("512m", "1g", "100k", "1024").
 *
 * @param text The size.
 * @param flag The flag, for the message.
 * @returns Bytes.
 * @example
 * ```ts
 * import { parseBytes } from "./cmd_run.ts";
 * console.assert(parseBytes("1m", "memory") === 1048576);
 * ```
 */
export function parseBytes(text: string, flag: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*([bkmgt]?)(?:i?b)?$/i.exec(text.trim());
  if (!m) {
    throw new UsageError(
      `invalid argument "${text}" for "--${flag}" flag: invalid size: '${text}'`,
    );
  }
  const mul =
    { "": 1, b: 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4 }[m[2]!.toLowerCase()] ?? 1;
  return Math.floor(Number(m[1]) * mul);
}

function keyValues(list: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const item of list) {
    const eq = item.indexOf("=");
    if (eq < 0) out[item] = "";
    else out[item.slice(0, eq)] = item.slice(eq + 1);
  }
  return out;
}

/**
 * The `-e`/`--env-file` list of `run`, `create` and `exec`: `--env-file` lines first, then
 * each `-e`; a bare name takes the caller's value (and is dropped when it has none).
 *
 * @param args Parsed flags.
 * @returns `NAME=value` entries.
 * @example
 * ```ts ignore
 * const env = await envList(parsed);
 * ```
 */
export async function envList(args: ParsedArgs): Promise<string[]> {
  const out: string[] = [];
  for (const file of flagList(args, "env-file")) {
    let text: string;
    try {
      text = await Deno.readTextFile(file);
    } catch (err) {
      throw new UsageError(`open ${file}: ${(err as Error).message}`);
    }
    for (const raw of text.split("\n")) {
      const line = raw.trim();
      if (line === "" || line.startsWith("#")) continue;
      out.push(line.includes("=") ? line : `${line}=${Deno.env.get(line) ?? ""}`);
    }
  }
  for (const e of flagList(args, "env")) {
    if (e.includes("=")) out.push(e);
    else {
      const v = Deno.env.get(e);
      if (v !== undefined) out.push(`${e}=${v}`);
    }
  }
  return out;
}

function parseMount(spec: string): Record<string, unknown> {
  const kv: Record<string, string> = {};
  for (const part of spec.split(",")) {
    const eq = part.indexOf("=");
    kv[eq < 0 ? part : part.slice(0, eq)] = eq < 0 ? "true" : part.slice(eq + 1);
  }
  const type = kv.type ?? "volume";
  const target = kv.target ?? kv.destination ?? kv.dst;
  if (!target) {
    throw new UsageError(`invalid argument "${spec}" for "--mount" flag: target is required`);
  }
  const m: Record<string, unknown> = { Type: type, Target: target };
  const source = kv.source ?? kv.src;
  if (source) m.Source = source;
  if (kv.readonly === "true" || kv.readonly === "1" || kv.ro === "true") m.ReadOnly = true;
  if (type === "tmpfs") {
    m.TmpfsOptions = {
      SizeBytes: kv["tmpfs-size"] ? parseBytes(kv["tmpfs-size"], "mount") : undefined,
      Mode: kv["tmpfs-mode"] ? parseInt(kv["tmpfs-mode"], 8) : undefined,
    };
  }
  return m;
}

/**
 * The create request body from `run`/`create` flags.
 *
 * @param args Parsed flags; positionals are IMAGE [COMMAND] [ARG...].
 * @returns The JSON body.
 * @example
 * ```ts ignore
 * const body = await createBody(parsed);
 * ```
 */
export async function createBody(args: ParsedArgs): Promise<Record<string, unknown>> {
  const [image, ...cmd] = args.positionals;
  const interactive = flagBool(args, "interactive");
  const tty = flagBool(args, "tty");
  const detach = flagBool(args, "detach");
  const attach = flagList(args, "attach").map((s) => s.toLowerCase());
  const restart = flagString(args, "restart") ?? "no";
  const [rName, rCount] = restart.split(":");
  if (rCount !== undefined && rName !== "on-failure") {
    throw new UsageError(
      `invalid restart policy format: maximum retry count can only be used with 'on-failure'`,
    );
  }
  const cpus = flagString(args, "cpus");
  let nano = 0;
  if (cpus !== undefined) {
    const n = Number(cpus);
    if (!Number.isFinite(n) || n < 0) {
      throw new UsageError(`invalid argument "${cpus}" for "--cpus" flag`);
    }
    nano = Math.round(n * 1e9);
  }
  const memory = flagString(args, "memory");
  const memorySwap = flagString(args, "memory-swap");
  const tmpfs: Record<string, string> = {};
  for (const t of flagList(args, "tmpfs")) {
    const colon = t.indexOf(":");
    tmpfs[colon < 0 ? t : t.slice(0, colon)] = colon < 0 ? "" : t.slice(colon + 1);
  }
  const entrypoint = flagString(args, "entrypoint");
  const net = flagString(args, "network");
  const body: Record<string, unknown> = {
    Image: image,
    Cmd: cmd.length > 0 ? cmd : undefined,
    Entrypoint: entrypoint === undefined ? undefined : entrypoint === "" ? [""] : [entrypoint],
    Env: await envList(args),
    Hostname: flagString(args, "hostname") ?? "",
    User: flagString(args, "user") ?? "",
    WorkingDir: flagString(args, "workdir") ?? "",
    Labels: keyValues(flagList(args, "label")),
    Tty: tty,
    OpenStdin: interactive,
    StdinOnce: interactive && !detach,
    AttachStdin: !detach && (attach.length > 0 ? attach.includes("stdin") : interactive),
    AttachStdout: !detach && (attach.length === 0 || attach.includes("stdout")),
    AttachStderr: !detach && (attach.length === 0 || attach.includes("stderr")),
    StopSignal: flagString(args, "stop-signal"),
    StopTimeout: flagInt(args, "stop-timeout"),
    HostConfig: {
      Binds: flagList(args, "volume"),
      Mounts: flagList(args, "mount").map(parseMount),
      Tmpfs: tmpfs,
      ReadonlyRootfs: flagBool(args, "read-only"),
      Memory: memory !== undefined ? parseBytes(memory, "memory") : 0,
      MemorySwap: memorySwap !== undefined
        ? (memorySwap === "-1" ? -1 : parseBytes(memorySwap, "memory-swap"))
        : 0,
      NanoCpus: nano,
      CpuShares: flagInt(args, "cpu-shares") ?? 0,
      CpuQuota: flagInt(args, "cpu-quota") ?? 0,
      CpuPeriod: flagInt(args, "cpu-period") ?? 0,
      PidsLimit: flagInt(args, "pids-limit"),
      IpcMode: flagString(args, "ipc") ?? "",
      PidMode: flagString(args, "pid") ?? "",
      UTSMode: flagString(args, "uts") ?? "",
      RestartPolicy: { Name: rName, MaximumRetryCount: rCount !== undefined ? Number(rCount) : 0 },
      AutoRemove: flagBool(args, "rm"),
      Init: flagBool(args, "init") || undefined,
      LogConfig: { Type: "json-file", Config: keyValues(flagList(args, "log-opt")) },
      NetworkMode: net === undefined || net === "default" ? "none" : net,
    },
  };
  return body;
}

/**
 * Map a start failure to Docker's exit codes: 127 not found, 126 cannot invoke, else 125.
 *
 * @param err What the start threw.
 * @example
 * ```ts ignore
 * try { await start(); } catch (err) { startFailure(err); }
 * ```
 */
export function startFailure(err: unknown): never {
  if (err instanceof DaemonError) {
    const msg = `berth: Error response from daemon: ${err.message}`;
    if (/executable file not found|no such file or directory/.test(err.message)) {
      throw new ExitError(127, msg);
    }
    if (/permission denied|exec format error/.test(err.message)) throw new ExitError(126, msg);
  }
  throw err;
}

/** A create failure: a missing image gets Docker's first line and Berth's way out. */
function createFailure(ctx: Context, err: unknown, image: unknown): never {
  if (err instanceof DaemonError && err.status === 404 && /No such image/.test(err.message)) {
    ctx.err(`Unable to find image '${image}' locally`);
    throw new ExitError(
      125,
      `berth: Error response from daemon: ${err.message}\nBerth pulls from no registry yet: build it ("berth build -t ${image} .") or load it ("berth load -i image.tar"); "berth images" lists what is here.`,
    );
  }
  throw err;
}

/**
 * Create a container from `run`/`create` flags (Docker's `POST /containers/create`), print
 * its warnings, and write `--cidfile`.
 *
 * @param ctx The command's context.
 * @param args Parsed flags.
 * @returns The container's id.
 * @example
 * ```ts ignore
 * const id = await createContainer(ctx, parsed);
 * ```
 */
export async function createContainer(ctx: Context, args: ParsedArgs): Promise<string> {
  const body = await createBody(args);
  let out: { Id: string; Warnings?: string[] };
  try {
    out = await ctx.api.json("POST", "/containers/create", {
      query: { name: flagString(args, "name") },
      json: body,
    });
  } catch (err) {
    createFailure(ctx, err, body.Image);
  }
  for (const w of out.Warnings ?? []) ctx.err(`WARNING: ${w}`);
  const cidfile = flagString(args, "cidfile");
  if (cidfile) await Deno.writeTextFile(cidfile, out.Id, { createNew: true });
  return out.Id;
}

/** `berth create`. */
export async function create(ctx: Context, args: ParsedArgs): Promise<number> {
  ctx.out(await createContainer(ctx, args));
  return 0;
}

/**
 * `berth run` without a terminal, stdin, `-d` or `--cidfile`, in one request
 * (`POST /_berth/run`: create, attach, start, wait and `--rm` in the daemon).
 *
 * @returns The exit code, or undefined when the daemon does not know the request.
 */
async function runInOneRequest(ctx: Context, args: ParsedArgs): Promise<number | undefined> {
  const body = await createBody(args);
  // The signal proxy is set up while the daemon works (after the request is out); a signal
  // that comes before the container's id is forwarded once the answer names it.
  const named: { id?: string } = {};
  const early: Deno.Signal[] = [];
  let unproxy: (() => void) | undefined;
  // The output's reader is loaded while the daemon runs the container, not before the request.
  let client: Promise<typeof import("./_attach.ts")> | undefined;
  let res;
  try {
    res = await ctx.api.call("POST", "/_berth/run", {
      query: { name: flagString(args, "name") },
      json: body,
      onSent: () => {
        unproxy ??= onSignals((sig) =>
          named.id ? killContainer(ctx, named.id, sig) : early.push(sig)
        );
        client ??= sessionClient();
      },
    });
    if (res.status >= 400) {
      const err = await daemonError(res);
      // A daemon from before this request: Docker's four requests instead.
      if (res.status === 404 && err.message === "page not found") {
        unproxy?.();
        return undefined;
      }
      if (res.header("berth-run-phase") === "start") startFailure(err);
      createFailure(ctx, err, body.Image);
    }
  } catch (err) {
    unproxy?.();
    throw err;
  }
  for (let i = 0;; i++) {
    const warning = res.header(`berth-warning-${i}`);
    if (warning === undefined) break;
    ctx.err(`WARNING: ${warning}`);
  }
  const id = named.id = res.header("berth-container-id");
  for (const sig of early.splice(0)) if (id) killContainer(ctx, id, sig);
  let code: number | undefined;
  try {
    code = await (await (client ?? sessionClient())).pipeRunStream(res);
  } finally {
    unproxy?.();
  }
  if (code === undefined) {
    throw new ExitError(
      125,
      `berth: the daemon ended the run of ${
        id?.slice(0, 12) ?? "the container"
      } without its exit status; see "berth ps -a" and the daemon's log (${ctx.root}/daemon.log)`,
    );
  }
  return code;
}

/** `berth run`. */
export async function run(ctx: Context, args: ParsedArgs): Promise<number> {
  const detach = flagBool(args, "detach");
  const tty = flagBool(args, "tty");
  const interactive = flagBool(args, "interactive");
  if (!detach && !tty && !interactive && flagString(args, "cidfile") === undefined) {
    const code = await runInOneRequest(ctx, args);
    if (code !== undefined) return code;
  }
  const { runAttached } = await attachCommands();
  return await runAttached(ctx, args, { detach, tty, interactive });
}

/**
 * Forward SIGINT/SIGTERM to the container (`--sig-proxy`, on by default without a TTY).
 *
 * @param ctx The command's context.
 * @param id The container.
 * @returns Stop forwarding.
 * @example
 * ```ts ignore
 * const unproxy = signalProxy(ctx, id);
 * ```
 */
export function signalProxy(ctx: Context, id: string): () => void {
  return onSignals((sig) => killContainer(ctx, id, sig));
}

function killContainer(ctx: Context, id: string, sig: Deno.Signal): void {
  ctx.api.call("POST", `/containers/${id}/kill`, { query: { signal: sig } }).then((r) => r.bytes())
    .catch(() => {});
}

/** Call `handler` on SIGINT and SIGTERM until the returned function is called. */
function onSignals(handler: (sig: Deno.Signal) => void): () => void {
  const handlers: [Deno.Signal, () => void][] = (["SIGINT", "SIGTERM"] as Deno.Signal[]).map((
    sig,
  ) => [sig, () => handler(sig)]);
  for (const [sig, h] of handlers) {
    try {
      Deno.addSignalListener(sig, h);
    } catch { /* unsupported */ }
  }
  return () => {
    for (const [sig, h] of handlers) {
      try {
        Deno.removeSignalListener(sig, h);
      } catch { /* gone */ }
    }
  };
}
