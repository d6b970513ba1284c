/**
 * `POST /_berth/run`, a Berth extension of the Engine API: `docker run` without a terminal
 * or stdin in one request. Docker's client makes four (create, attach, wait, start) and
 * then waits for the exit on the wait request; each is a connection and a round trip, and
 * from a CLI process that lives for one command they were half of `berth run`'s time.
 * Docker clients keep using those endpoints; `berth run` uses this one when it can (no
 * `-d`, `-i`, `-t` or `--cidfile`) and falls back to them when a daemon does not know it.
 *
 * Request: the body and `?name=` of `POST /containers/create`. Errors before the container
 * runs are Docker's JSON answers with their statuses (404 no such image, 400 bad config,
 * 409 name in use, and the start's own: "executable file not found" …); a failed start
 * says so with `Berth-Run-Phase: start`, and an `--rm` container is removed first.
 *
 * Answer once it runs: `200` (`101` if the client asked to upgrade) with
 * `Berth-Container-Id` (for signals), one `Berth-Warning-N` (N = 0, 1, …) per create warning,
 * and a multiplexed stream (`application/vnd.docker.multiplexed-stream`) of its stdout (1)
 * and stderr (2) frames as `AttachStdout`/`AttachStderr` ask, ended by one frame on
 * stream 3 (Docker's "systemerr") holding the wait answer `{"StatusCode":n,"Error":null}`,
 * sent once the container exited — and, with `AutoRemove`, was removed (Docker's wait
 * condition "removed") — then the connection closes. A client that goes away leaves the
 * container running, as with attach.
 *
 * `POST /_berth/run/command-line` takes `berth run`'s arguments unparsed (`{"Args": […]}`)
 * and runs them as above when {@link runCommandLines} can read them (with `-d`: the answer
 * is `201 {"Id": …, "Warnings": […]}` once the container started); otherwise it answers
 * `422` with `Berth-Run-Fallback: 1` before anything is created, and the CLI reads them
 * itself. The `berth` CLI is a new process per command, and V8 compiles each function at
 * its first call in a process: the flag parser and the create body it no longer runs were
 * a third of `berth run`'s start-up, while the daemon's copy is compiled once.
 *
 * @module
 */
import type { ContainerEngine } from "../container/container_engine.ts";
import { parseCreateRequest } from "../container/container_config.ts";
import type { ApiResponder, HijackedConn } from "./http_server.ts";
import { ApiError, errorStatus, jsonBody, type Router } from "./router.ts";
import { encodeFrame, type StreamId } from "./stream_framing.ts";
import { concatBytes } from "./http_wire.ts";
import { SelfPort } from "../kernel/self_port.ts";

/** The content type of the run stream (Docker's multiplexed stream). */
export const RUN_STREAM_TYPE = "application/vnd.docker.multiplexed-stream";

/** The stream number of the final status frame (Docker's systemerr). */
export const RUN_STATUS_STREAM: StreamId = 3;

/**
 * How long the answer's head waits for the container to exit, so that a short run goes
 * out in one write. Measured in-process: `true` is removed ~0.3 ms after its start returns,
 * three host turns later; the head of a longer run is this much later.
 */
export const QUICK_EXIT_MS = 1;

/** The final frame: the wait answer on stream 3. */
function statusFrame(code: number): Uint8Array {
  const text = JSON.stringify({ StatusCode: code, Error: null });
  return encodeFrame(RUN_STATUS_STREAM, new TextEncoder().encode(text));
}

/** Promise reactions to wait for before a host turn (see {@link settledSoon}). */
const SETTLE_TICKS = 32;

/** The daemon's one port for {@link hostTurn}, and the turns waiting on it. */
const turnWaiters: (() => void)[] = [];
const turns = new SelfPort<null>(() => turnWaiters.shift()?.());

/**
 * One host macrotask turn: a message to ourselves. One port serves every run: making a
 * `MessageChannel` per request (node's, as the global one is in Deno 2.9) cost ~0.2 ms.
 */
function hostTurn(): Promise<void> {
  const turn = new Promise<void>((resolve) => turnWaiters.push(resolve));
  turns.post(null);
  return turn;
}

/**
 * The value of `promise` if it settles within `ms`, else undefined: as soon as it settles,
 * else after host turns (the kernel needs them to finish a container) for up to `ms`. The
 * turns do not reach the I/O poll, which is why the wait is this short.
 */
async function settledSoon<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  let value: { v: T } | undefined;
  const settled = promise.then((v) => void (value = { v }), () => {});
  // A short run is often over already, a few promise reactions away (its exit, the wait,
  // the removal: 6 in the engine): those need no host turn (a message costs ~0.1 ms).
  for (let i = 0; i < SETTLE_TICKS && value === undefined; i++) await null;
  const t0 = performance.now();
  while (value === undefined && performance.now() - t0 < ms) {
    await Promise.race([settled, hostTurn()]);
  }
  return value?.v;
}

/**
 * How the daemon reads `berth run`'s command line for `POST /_berth/run/command-line`:
 * the create request `POST /_berth/run` would get, or undefined when the CLI must read
 * the line itself. Set by the program that starts the daemon (the CLI's,
 * `cli/_daemon_main.ts`: the grammar is the CLI's); unset, every line is left to the CLI.
 */
export const runCommandLines: {
  read?: (
    args: string[],
  ) => { body: Record<string, unknown>; name?: string; detach?: boolean } | undefined;
} = {};

/**
 * Register `POST /_berth/run` and `POST /_berth/run/command-line`.
 *
 * @param router The router.
 * @param engine The engine.
 * @example
 * ```ts ignore
 * registerRunRoute(router, engine);
 * ```
 */
export function registerRunRoute(router: Router, engine: ContainerEngine): void {
  router.add("POST", "/_berth/run", async (req, res) => {
    await serveRun(engine, res, await jsonBody(req), req.query.get("name") ?? "");
  });
  router.add("POST", "/_berth/run/command-line", async (req, res) => {
    const { Args } = await jsonBody(req);
    if (!Array.isArray(Args) || !Args.every((a) => typeof a === "string")) {
      throw new ApiError(400, "Args: an array of strings is required");
    }
    const line = runCommandLines.read?.(Args);
    if (!line) {
      await res.json(422, { message: "this command line is read by the CLI" }, {
        "Berth-Run-Fallback": "1",
      });
      return;
    }
    await serveRun(engine, res, line.body, line.name ?? "", line.detach);
  });
}

/**
 * Start a created container; if it fails, remove it when `autoRemove` and answer the
 * start's error with `Berth-Run-Phase: start`.
 *
 * @returns Whether it started.
 */
async function started(
  engine: ContainerEngine,
  res: ApiResponder,
  id: string,
  autoRemove: boolean,
): Promise<boolean> {
  try {
    await engine.start(id);
    return true;
  } catch (err) {
    if (autoRemove) await engine.remove(id, { force: true }).catch(() => {});
    const status = err instanceof ApiError ? err.status : errorStatus(err);
    await res.json(status, { message: (err as Error)?.message ?? String(err) }, {
      "Berth-Run-Phase": "start",
    });
    return false;
  }
}

/**
 * Run one container for `POST /_berth/run` (see the module's text) and answer; with
 * `detach` (`berth run -d`'s command line), answer `201 {"Id", "Warnings"}` once it started.
 */
async function serveRun(
  engine: ContainerEngine,
  res: ApiResponder,
  body: Record<string, unknown>,
  name: string,
  detach = false,
): Promise<void> {
  const parsed = parseCreateRequest(body);
  const { config, hostConfig } = parsed;
  if (config.Tty || config.OpenStdin || config.AttachStdin) {
    throw new ApiError(
      400,
      "/_berth/run runs without a terminal or stdin: use create, attach and start",
    );
  }
  const { Id, Warnings } = await engine.create(parsed, name);
  if (detach) {
    if (await started(engine, res, Id, hostConfig.AutoRemove)) {
      await res.json(201, { Id, Warnings });
    }
    return;
  }
  const c = engine.get(Id);
  // Output that comes before the answer's head is out waits here, in order.
  const early: Uint8Array[] = [];
  const out: { conn?: HijackedConn } = {};
  const listener = (stream: "stdout" | "stderr", data: Uint8Array) => {
    if (stream === "stdout" ? !config.AttachStdout : !config.AttachStderr) return;
    const frame = encodeFrame(stream === "stderr" ? 2 : 1, data);
    if (out.conn) void out.conn.write(frame);
    else early.push(frame);
  };
  c.listeners.add(listener);
  // Armed before the start, so an exit during it is not missed (as Docker's client does).
  const finished = engine.wait(Id, hostConfig.AutoRemove ? "removed" : "next-exit");
  if (!await started(engine, res, Id, hostConfig.AutoRemove)) {
    c.listeners.delete(listener);
    return;
  }
  const headers: Record<string, string> = { "Berth-Container-Id": Id };
  // One field per warning: HTTP joins repeated fields with ", ", which a warning may hold.
  Warnings.forEach((w, i) => (headers[`Berth-Warning-${i}`] = w));
  const code = await settledSoon(finished, QUICK_EXIT_MS);
  if (code !== undefined) {
    // Over already (`true`, `echo`): head, output and status leave in one write, and the
    // client wakes up once.
    c.listeners.delete(listener);
    const conn = await res.hijack(
      RUN_STREAM_TYPE,
      headers,
      concatBytes([...early, statusFrame(code)]),
    );
    await conn.close();
    return;
  }
  const conn = await res.hijack(RUN_STREAM_TYPE, headers, concatBytes(early.splice(0)));
  for (const frame of early.splice(0)) void conn.write(frame); // came during the head's write
  out.conn = conn;
  const exitCode = await finished;
  c.listeners.delete(listener);
  void conn.write(statusFrame(exitCode));
  await conn.close();
}
