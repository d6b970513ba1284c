/**
 * The Berth daemon: owns the state root, hosts the one kernel and the container
 * engine, and serves the Docker Engine API subset on `$BERTH_ROOT/berth.sock`
 * (mode 0600 in a 0700 directory).
 *
 * @module
 */
import { rootPathWarnings } from "./root_check.ts";
import { EventBus } from "./events.ts";
import { type HttpServer, serveHttp } from "./http_server.ts";
import { request } from "./http_client.ts";
import { Router } from "./router.ts";
import { registerSystemRoutes } from "./api_system.ts";

/** Options of {@link Daemon.start}. */
export interface DaemonOptions {
  /** The state root. */
  root: string;
  /** The socket path (default `$root/berth.sock`). */
  socketPath?: string;
  /** Where log lines go (default stderr). */
  log?: (line: string) => void;
}

/** Something the daemon starts with it and stops before it exits. */
export interface DaemonService {
  /** Register routes. */
  register(router: Router, daemon: Daemon): void;
  /** Stop (containers first). */
  stop(): Promise<void>;
}

/** Thrown when another daemon already answers on the socket. */
export class DaemonRunningError extends Error {
  /**
   * Create it.
   *
   * @param socketPath The socket in use.
   */
  constructor(readonly socketPath: string) {
    super(`A Berth daemon is already running on unix://${socketPath}`);
    this.name = "DaemonRunningError";
  }
}

/** A service factory, so the daemon can be built with or without the runtime parts. */
export type ServiceFactory = (daemon: Daemon) => Promise<DaemonService>;

/**
 * A running daemon.
 *
 * @example
 * ```ts ignore
 * const d = await Daemon.start({ root: "/tmp/berth" });
 * await d.stopped;
 * ```
 */
export class Daemon {
  /** Event stream for `/events`. */
  readonly events: EventBus = new EventBus();
  /** When the daemon started (ms since epoch). */
  readonly startedAt: number = Date.now();
  #server?: HttpServer;
  #services: DaemonService[] = [];
  #stopping?: Promise<void>;
  #stoppedResolve!: () => void;
  /** Resolves once the daemon has stopped. */
  readonly stopped: Promise<void> = new Promise((r) => (this.#stoppedResolve = r));

  private constructor(
    /** The state root. */
    readonly root: string,
    /** The socket path. */
    readonly socketPath: string,
    /** Log a line. */
    readonly log: (line: string) => void,
  ) {}

  /**
   * Start a daemon: prepare the root, take the socket, start services, serve.
   *
   * @param opts Root, socket and logger.
   * @param services Factories of the services (containers, images) to host.
   * @returns The running daemon.
   * @throws {DaemonRunningError} When another daemon answers on the socket.
   */
  static async start(opts: DaemonOptions, services: ServiceFactory[] = []): Promise<Daemon> {
    const root = opts.root;
    const socketPath = opts.socketPath ?? `${root}/berth.sock`;
    await Deno.mkdir(root, { recursive: true, mode: 0o700 });
    await Deno.chmod(root, 0o700);
    try {
      const res = await request(socketPath, "GET", "/_ping");
      await res.bytes();
      throw new DaemonRunningError(socketPath);
    } catch (err) {
      if (err instanceof DaemonRunningError) throw err;
    }
    await Deno.remove(socketPath).catch(() => {});
    const log = opts.log ?? ((line: string) => console.error(line));
    for (const w of rootPathWarnings(root)) log(`warning: ${w}`);
    const daemon = new Daemon(root, socketPath, log);
    const router = new Router();
    registerSystemRoutes(router, daemon);
    for (const factory of services) {
      const svc = await factory(daemon);
      svc.register(router, daemon);
      daemon.#services.push(svc);
    }
    const listener = Deno.listen({ transport: "unix", path: socketPath });
    await Deno.chmod(socketPath, 0o600);
    await Deno.writeTextFile(`${root}/berth.pid`, `${Deno.pid}\n`);
    daemon.#server = serveHttp(
      listener,
      router.handler((err) => log(`error: ${(err as Error)?.stack ?? err}`)),
      (err) => log(`error: ${(err as Error)?.stack ?? err}`),
    );
    log(`berth daemon listening on unix://${socketPath} (pid ${Deno.pid})`);
    return daemon;
  }

  /**
   * Stop: services first (they stop containers), then the server, then remove the
   * socket and pid file.
   *
   * @returns Once stopped.
   */
  stop(): Promise<void> {
    this.#stopping ??= (async () => {
      this.log("berth daemon stopping");
      for (const svc of [...this.#services].reverse()) {
        try {
          await svc.stop();
        } catch (err) {
          this.log(`error while stopping: ${(err as Error)?.stack ?? err}`);
        }
      }
      await this.#server?.close();
      await Deno.remove(this.socketPath).catch(() => {});
      await Deno.remove(`${this.root}/berth.pid`).catch(() => {});
      this.log("berth daemon stopped");
      this.#stoppedResolve();
    })();
    return this.#stopping;
  }
}
