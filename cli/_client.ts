/**
 * The CLI's connection to the daemon: versioned API paths, Docker's JSON errors, and
 * starting the daemon in the background when its socket does not answer (under a file
 * lock, so two CLIs starting at once start one daemon).
 *
 * @module
 */
import {
  type ApiResponse,
  connectSocket,
  DaemonUnreachableError,
  request,
  type RequestOptions,
  requestTarget,
} from "../runtime/daemon/http_client.ts";
import { internalModule } from "./_lazy.ts";
import { API_VERSION } from "./_version.ts";

/** An error answer from the daemon (`{"message": …}` with a 4xx/5xx status). */
export class DaemonError extends Error {
  /**
   * Create it.
   *
   * @param status HTTP status.
   * @param message The daemon's message.
   */
  constructor(readonly status: number, message: string) {
    super(message);
    this.name = "DaemonError";
  }
}

/**
 * The {@link DaemonError} of a 4xx/5xx answer: Docker's `{"message": …}`, or the body's
 * text when it is not JSON. Reads the body.
 *
 * @param res The answer.
 * @returns The error, to throw.
 * @example
 * ```ts ignore
 * if (res.status >= 400) throw await daemonError(res);
 * ```
 */
export async function daemonError(res: ApiResponse): Promise<DaemonError> {
  return daemonErrorOf(res.status, await res.text());
}

/**
 * The {@link DaemonError} of a 4xx/5xx answer's status and body.
 *
 * @param status The status.
 * @param text The body.
 * @returns The error, to throw.
 * @example
 * ```ts
 * import { daemonErrorOf } from "./_client.ts";
 * console.assert(daemonErrorOf(404, '{"message":"No such image: x"}').message === "No such image: x");
 * ```
 */
export function daemonErrorOf(status: number, text: string): DaemonError {
  let message = text.trim();
  try {
    const parsed = JSON.parse(text) as { message?: unknown };
    if (typeof parsed.message === "string") message = parsed.message;
  } catch { /* not JSON */ }
  return new DaemonError(status, message || `HTTP ${status}`);
}

/** How the CLI reaches the daemon. */
export class ApiClient {
  #started = false;

  /**
   * Create it.
   *
   * @param root The state root (for the lock and the daemon's log).
   * @param socketPath The daemon's socket.
   * @param autoStart Start the daemon when it does not answer.
   */
  constructor(
    readonly root: string,
    readonly socketPath: string,
    readonly autoStart = true,
  ) {}

  /**
   * Send a request to `/v1.47{path}`, starting the daemon first if needed.
   *
   * @param method HTTP method.
   * @param path Unversioned path ("/containers/json").
   * @param opts Query, body, headers.
   * @returns The response, status unchecked.
   */
  async call(method: string, path: string, opts: RequestOptions = {}): Promise<ApiResponse> {
    const target = requestTarget(`/v${API_VERSION}${path}`, opts.query);
    return await this.#reaching(() => request(this.socketPath, method, target, opts));
  }

  /** `attempt()`, again once the daemon is started if it was unreachable (and may be). */
  async #reaching<T>(attempt: () => Promise<T>): Promise<T> {
    try {
      return await attempt();
    } catch (err) {
      if (!(err instanceof DaemonUnreachableError) || !this.autoStart || this.#started) throw err;
      await this.ensureDaemon();
      return await attempt();
    }
  }

  /**
   * Send a request and check the status: a 4xx/5xx becomes a {@link DaemonError}.
   *
   * @param method HTTP method.
   * @param path Unversioned path.
   * @param opts Query, body, headers.
   * @returns The response (2xx/101).
   */
  async ok(method: string, path: string, opts: RequestOptions = {}): Promise<ApiResponse> {
    const res = await this.call(method, path, opts);
    if (res.status >= 400) throw await daemonError(res);
    return res;
  }

  /**
   * Send a request and parse the JSON answer.
   *
   * @param method HTTP method.
   * @param path Unversioned path.
   * @param opts Query, body, headers.
   * @returns The parsed body.
   */
  async json<T = unknown>(method: string, path: string, opts: RequestOptions = {}): Promise<T> {
    const res = await this.ok(method, path, opts);
    return (await res.json()) as T;
  }

  /**
   * Open a connection to the daemon's socket, starting the daemon first if it does not
   * answer (for a client that speaks on the connection itself: `_run_client.ts`).
   *
   * @returns The connection.
   * @throws {DaemonUnreachableError} When the daemon cannot be reached or started.
   */
  connect(): Promise<Deno.UnixConn> {
    return this.#reaching(() => connectSocket(this.socketPath));
  }

  /** Whether the daemon answers `/_ping` now. */
  async ping(): Promise<boolean> {
    try {
      const res = await request(this.socketPath, "GET", "/_ping");
      await res.bytes();
      return res.status === 200;
    } catch {
      return false;
    }
  }

  /**
   * Start the daemon in the background unless it answers (see `startDaemon()` of
   * `_daemon_process.ts`, imported only then: see `_lazy.ts`).
   *
   * @returns Once the daemon answers.
   */
  async ensureDaemon(): Promise<void> {
    this.#started = true;
    const { startDaemon } = await (internalModule("daemon_process") as Promise<
      typeof import("./_daemon_process.ts")
    >);
    await startDaemon(this.root, this.socketPath, () => this.ping());
  }
}
