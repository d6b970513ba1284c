/**
 * Running the daemon as a process: logging, signals, the services it hosts.
 *
 * @module
 */
import { Daemon, DaemonRunningError, type ServiceFactory } from "./daemon.ts";

/** Options of {@link runDaemon}. */
export interface RunDaemonOptions {
  /** State root. */
  root: string;
  /** Socket path. */
  socketPath: string;
  /** Log nothing. */
  quiet?: boolean;
  /** Append log lines to this file instead of stderr (background daemons). */
  logFile?: string;
}

/** Service factories the daemon hosts; the container and image services add theirs. */
export const serviceFactories: ServiceFactory[] = [];

/**
 * Run a daemon until SIGINT/SIGTERM or `POST /_berth/shutdown`.
 *
 * @param opts Root, socket, logging.
 * @returns The process exit code.
 * @example
 * ```ts ignore
 * Deno.exit(await runDaemon({ root: "/tmp/b", socketPath: "/tmp/b/berth.sock" }));
 * ```
 */
export async function runDaemon(opts: RunDaemonOptions): Promise<number> {
  let logFile: Deno.FsFile | undefined;
  if (opts.logFile) {
    logFile = await Deno.open(opts.logFile, { create: true, append: true, write: true });
  }
  const enc = new TextEncoder();
  const log = (line: string) => {
    if (opts.quiet) return;
    const text = `${new Date().toISOString()} ${line}\n`;
    try {
      if (logFile) logFile.writeSync(enc.encode(text));
      else Deno.stderr.writeSync(enc.encode(text));
    } catch { /* nowhere to log */ }
  };
  const { containerServiceFactory } = await import("./services.ts");
  let daemon: Daemon;
  try {
    daemon = await Daemon.start({ root: opts.root, socketPath: opts.socketPath, log }, [
      ...serviceFactories,
      containerServiceFactory,
    ]);
  } catch (err) {
    if (err instanceof DaemonRunningError) {
      log(err.message);
      console.error(`berth: ${err.message}`);
      return 1;
    }
    log(`cannot start: ${(err as Error)?.stack ?? err}`);
    throw err;
  }
  const stop = () => {
    daemon.stop();
  };
  Deno.addSignalListener("SIGINT", stop);
  Deno.addSignalListener("SIGTERM", stop);
  await daemon.stopped;
  Deno.removeSignalListener("SIGINT", stop);
  Deno.removeSignalListener("SIGTERM", stop);
  logFile?.close();
  return 0;
}

/**
 * The daemon as a program: {@link runDaemon} on `BERTH_ROOT` (see `stateRoot()`), with
 * `BERTH_DAEMON_SOCKET` (default `$BERTH_ROOT/berth.sock`), `BERTH_DAEMON_LOG` (append the
 * log there instead of stderr) and `--quiet` among the arguments. The CLI starts it as a
 * process of its own (`cli/_daemon_main.ts`), so that its own start-up never loads the
 * kernel, image or daemon code; `deno run -A runtime/daemon/main.ts` runs it alone.
 *
 * @returns The process exit code.
 * @example
 * ```ts ignore
 * Deno.exit(await daemonProgram());
 * ```
 */
export async function daemonProgram(): Promise<number> {
  const { stateRoot } = await import("../../image/state_root.ts");
  const root = stateRoot();
  return await runDaemon({
    root,
    socketPath: Deno.env.get("BERTH_DAEMON_SOCKET") ?? `${root}/berth.sock`,
    quiet: Deno.args.includes("--quiet"),
    logFile: Deno.env.get("BERTH_DAEMON_LOG"),
  });
}

if (import.meta.main) Deno.exit(await daemonProgram());
