/**
 * `berth run`'s and `berth create`'s command line as the create request
 * (`POST /containers/create`): Docker's flags to Docker's body. Free of I/O, so that the
 * daemon the CLI starts can read `berth run`'s command line itself (`_daemon_main.ts`,
 * {@link readRunCommandLine}).
 *
 * @module
 */
import {
  flagBool,
  flagInt,
  flagList,
  flagString,
  parseArgs,
  type ParsedArgs,
  UsageError,
} from "./_args.ts";
import { CREATE_FLAGS } from "./_flags.ts";

/**
 * Parse Docker's byte sizes ("512m", "1g", "100k", "1024").
 *
 * @param text The size.
 * @param flag The flag, for the message.
 * @returns Bytes.
 * @example
 * ```ts
 * import { parseBytes } from "./_run_request.ts";
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
 * @param env The container's `NAME=value` entries (`envList()` of `cmd_run.ts` reads the
 *   caller's environment and `--env-file`s for them).
 * @returns The JSON body.
 * @example
 * ```ts
 * import { parseArgs } from "./_args.ts";
 * import { CREATE_FLAGS } from "./_flags.ts";
 * import { createBody } from "./_run_request.ts";
 * const body = createBody(parseArgs(["--rm", "berth/base", "true"], CREATE_FLAGS, false), []);
 * console.assert(body.Image === "berth/base");
 * ```
 */
export function createBody(args: ParsedArgs, env: string[]): Record<string, unknown> {
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
    Env: env,
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

/** A command line the daemon runs for the CLI: the create body, `--name` and `-d`. */
export interface RunCommandLine {
  /** The body of `POST /containers/create`. */
  body: Record<string, unknown>;
  /** The container's name (`--name`), or undefined. */
  name?: string;
  /** `-d`: start it and answer its id. */
  detach: boolean;
}

/**
 * Read `berth run`'s arguments in the daemon, for the one-request run of a CLI that sent
 * them unparsed (`POST /_berth/run/command-line`; see `_run_client.ts`): what the CLI
 * would send to `POST /_berth/run`, or undefined when the CLI must read them itself —
 * a usage error or `--help` (the CLI prints them), a terminal, stdin or `--cidfile`
 * (Docker's create-attach-start flow), `--sig-proxy` (the CLI's own business), or an
 * environment entry that takes its value from the caller (`-e NAME`, `--env-file`).
 *
 * @param args The arguments after `run`.
 * @returns The request, or undefined.
 * @example
 * ```ts
 * import { readRunCommandLine } from "./_run_request.ts";
 * console.assert(readRunCommandLine(["--rm", "--name", "x", "berth/base", "true"])?.name === "x");
 * console.assert(readRunCommandLine(["-it", "berth/base", "sh"]) === undefined);
 * ```
 */
export function readRunCommandLine(args: string[]): RunCommandLine | undefined {
  let parsed: ParsedArgs;
  try {
    parsed = parseArgs(args, CREATE_FLAGS, false);
  } catch (err) {
    if (err instanceof UsageError) return undefined;
    throw err;
  }
  const f = parsed.flags;
  if (
    parsed.positionals.length === 0 || f.help !== undefined || f.tty === true ||
    f.interactive === true || f.cidfile !== undefined || f["sig-proxy"] !== undefined ||
    f["env-file"] !== undefined
  ) return undefined;
  const env = flagList(parsed, "env");
  if (!env.every((e) => e.includes("="))) return undefined;
  try {
    const body = createBody(parsed, env);
    return { body, name: flagString(parsed, "name"), detach: flagBool(parsed, "detach") };
  } catch (err) {
    if (err instanceof UsageError) return undefined;
    throw err;
  }
}
