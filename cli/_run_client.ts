/**
 * The client of Berth's one-request run (`runtime/daemon/api_run.ts`): `POST /_berth/run`
 * with a create body, or `POST /_berth/run/command-line` with `berth run`'s arguments
 * unparsed; it prints the warnings, copies the container's stdout and stderr, forwards
 * SIGINT and SIGTERM (`--sig-proxy`) and returns its exit status (with `-d`, it prints the
 * started container's id).
 *
 * This is the whole of `berth run`'s start-up path, so it is small: it speaks the little
 * HTTP it needs over the socket itself, with the daemon's own framing and head parsing. The
 * CLI is a new process per command, V8 compiles each function at its first call in a
 * process (Deno's code cache keeps only top-level code), and each module loaded costs too:
 * the flag parser and create body (which the daemon the CLI starts runs instead, compiled
 * once: `_daemon_main.ts`) and the generic HTTP client were half of `berth run`'s time.
 * Anything else (an error, a daemon to start, a signal to forward) loads what it needs then.
 *
 * @module
 */
import { stateRoot } from "../image/state_root.ts";
import { API_VERSION } from "./_version.ts";
import { commandModule, internalModule } from "./_lazy.ts";
import { FrameDecoder } from "../runtime/daemon/stream_framing.ts";
import {
  concatBytes,
  indexOfCrlfCrlf,
  parseResponseHead,
  renderHead,
} from "../runtime/daemon/http_wire.ts";

/** What a one-request run needs to know. */
export interface RunTarget {
  /** The state root (for starting the daemon and in messages). */
  root: string;
  /** The daemon's socket. */
  socketPath: string;
}

/**
 * Where the daemon is: `BERTH_HOST` (or `-H`'s value), else `$BERTH_ROOT/berth.sock`.
 *
 * @param host `-H`'s value, if given.
 * @returns Root and socket.
 * @example
 * ```ts ignore
 * const { socketPath } = daemonAddress(undefined);
 * ```
 */
export function daemonAddress(host: unknown): RunTarget {
  const root = stateRoot();
  const daemon = typeof host === "string" ? host : Deno.env.get("BERTH_HOST");
  return { root, socketPath: daemon ? daemon.replace(/^unix:\/\//, "") : `${root}/berth.sock` };
}

/**
 * Run `berth run ARGS` with the arguments read by the daemon.
 *
 * @param args The arguments after `run`.
 * @returns The exit code, or undefined when the CLI must read the arguments itself (a
 *   terminal, stdin, `-d`, a usage error, `--help`…, or a daemon without the request).
 * @throws Docker's errors and exit codes for a failed create or start (`cmd_run.ts`).
 * @example
 * ```ts ignore
 * const code = await forwardRun(["--rm", "berth/base", "true"]);
 * ```
 */
export function forwardRun(args: string[]): Promise<number | undefined> {
  return runOnDaemon(
    daemonAddress(undefined),
    "/_berth/run/command-line",
    JSON.stringify({ Args: args }),
    true,
  );
}

/**
 * Send a one-request run and follow it to the end, starting the daemon if it does not
 * answer. A signal that comes before the daemon's answer ends the CLI (the container runs
 * on, as after Docker's detach): a short run's answer is its whole output and status.
 *
 * @param at Root and socket.
 * @param target Path and query after `/v1.47`.
 * @param json The request body, as JSON text.
 * @param sigProxy Forward SIGINT and SIGTERM to the container while it runs.
 * @returns The container's exit code, or undefined when the daemon does not know the
 *   request or left the command line to the CLI.
 * @throws Docker's errors and exit codes for a failed create or start (`cmd_run.ts`).
 * @example
 * ```ts ignore
 * const code = await runOnDaemon(ctx, "/_berth/run", JSON.stringify(body), true);
 * ```
 */
export async function runOnDaemon(
  at: RunTarget,
  target: string,
  json: string,
  sigProxy: boolean,
): Promise<number | undefined> {
  const enc = new TextEncoder();
  const body = enc.encode(json);
  const request = concatBytes([
    enc.encode(renderHead(`POST /v${API_VERSION}${target} HTTP/1.1`, [
      ["Host", "berth"],
      ["User-Agent", "berth-cli"],
      ["Content-Type", "application/json"],
      ["Content-Length", String(body.length)],
      ["Connection", "close"],
    ])),
    body,
  ]);
  let conn: Deno.UnixConn;
  try {
    conn = await Deno.connect({ transport: "unix", path: at.socketPath });
  } catch {
    const { ApiClient } = await apiClient();
    conn = await new ApiClient(at.root, at.socketPath).connect();
  }
  try {
    for (let sent = 0; sent < request.length;) sent += await conn.write(request.subarray(sent));
    return await readRun(conn, at, sigProxy);
  } finally {
    try {
      conn.close();
    } catch { /* closed */ }
  }
}

/** `cmd_run.ts`, for failures (see `_lazy.ts`). */
function runCommands(): Promise<typeof import("./cmd_run.ts")> {
  return commandModule("run") as Promise<typeof import("./cmd_run.ts")>;
}

/** The CLI's daemon client, to start the daemon or signal a container. */
function apiClient(): Promise<typeof import("./_client.ts")> {
  return internalModule("client") as Promise<typeof import("./_client.ts")>;
}

/** The answer: head, then frames until the exit status (or the error's body). */
async function readRun(
  conn: Deno.UnixConn,
  at: RunTarget,
  sigProxy: boolean,
): Promise<number | undefined> {
  const buf = new Uint8Array(16 * 1024);
  let head: Uint8Array = new Uint8Array(0); // until its end is found
  let answer: { status: number; fields: Map<string, string> } | undefined;
  const body: Uint8Array[] = []; // an error's
  const frames = new FrameDecoder();
  let unproxy: (() => void) | undefined;
  try {
    while (true) {
      const n = await conn.read(buf);
      if (n === null) break;
      let piece: Uint8Array = buf.subarray(0, n);
      if (!answer) {
        head = concatBytes([head, piece]);
        const end = indexOfCrlfCrlf(head, 0);
        if (end < 0) continue;
        answer = parseResponseHead(new TextDecoder().decode(head.subarray(0, end)));
        piece = head.subarray(end + 4);
        for (let i = 0; answer.fields.has(`berth-warning-${i}`); i++) {
          console.error(`WARNING: ${answer.fields.get(`berth-warning-${i}`)}`);
        }
      }
      if (answer.status !== 200) {
        body.push(piece.slice()); // up to the daemon's close
        continue;
      }
      const got = frames.push(piece);
      // Still running (no status in what came): forward signals from now on, before any
      // output is written (whoever reads it may signal at once).
      const id = answer.fields.get("berth-container-id");
      if (sigProxy && id && !unproxy && !got.some((f) => f.stream === 3)) {
        unproxy = signalProxy(at, id);
      }
      for (const f of got) {
        if (f.stream === 3) {
          const { StatusCode } = JSON.parse(new TextDecoder().decode(f.data));
          if (typeof StatusCode === "number") return StatusCode;
          continue;
        }
        const out = f.stream === 2 ? Deno.stderr : Deno.stdout;
        for (let w = 0; w < f.data.length;) w += await out.write(f.data.subarray(w));
      }
    }
  } finally {
    unproxy?.();
  }
  const text = new TextDecoder().decode(concatBytes(body));
  if (answer?.status === 201) {
    // `-d`: the container started.
    const { Id, Warnings } = JSON.parse(text) as { Id: string; Warnings: string[] | null };
    for (const w of Warnings ?? []) console.error(`WARNING: ${w}`);
    console.log(Id);
    return 0;
  }
  const run = await runCommands();
  if (answer && answer.status !== 200) return run.runFailure(answer.status, answer.fields, text);
  return run.lostRun(at.root, answer?.fields.get("berth-container-id") ?? "");
}

/** Ask the daemon to signal a container (at the time of a signal: loads the client then). */
async function killContainer(at: RunTarget, id: string, signal: Deno.Signal): Promise<void> {
  try {
    const { ApiClient } = await apiClient();
    const res = await new ApiClient(at.root, at.socketPath, false).call(
      "POST",
      `/containers/${id}/kill`,
      { query: { signal } },
    );
    await res.bytes();
  } catch { /* the container or the daemon is gone */ }
}

/**
 * Forward SIGINT and SIGTERM to a container until the returned function is called
 * (`--sig-proxy`, on by default without a TTY).
 *
 * @param at Root and socket (a command's context will do).
 * @param id The container.
 * @returns Stop forwarding.
 * @example
 * ```ts ignore
 * const unproxy = signalProxy(ctx, id);
 * ```
 */
export function signalProxy(at: RunTarget, id: string): () => void {
  const handlers = (["SIGINT", "SIGTERM"] as const).map((sig) => {
    const handler = () => void killContainer(at, id, sig);
    try {
      Deno.addSignalListener(sig, handler);
    } catch { /* unsupported */ }
    return [sig, handler] as const;
  });
  return () => {
    for (const [sig, handler] of handlers) {
      try {
        Deno.removeSignalListener(sig, handler);
      } catch { /* gone */ }
    }
  };
}
