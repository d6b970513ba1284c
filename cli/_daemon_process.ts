/**
 * Starting the daemon program (`_daemon_main.ts`: `runtime/daemon/main.ts` with the CLI's
 * reader of `berth run`'s command line) as a process of its own. The CLI never imports the
 * daemon: its module graph (kernel, images, builder) would be loaded at every CLI start.
 *
 * @module
 */
import { DaemonUnreachableError } from "../runtime/daemon/http_client.ts";

/**
 * V8 flags of the daemon. A young generation capped at 8 MiB a semi-space (V8's default
 * grows to 16 MiB, three of them, after a burst of allocation, and keeps them): measured
 * over 300 idle containers, the daemon's RSS per container fell from ~115 KB to ~67 KB
 * (the heap they retain is ~44 KB), with no change beyond noise in the kernel and shell
 * benchmarks.
 */
export const DAEMON_V8_FLAGS = "--max-semi-space-size=8";

/**
 * `--config <repo>/deno.json` for a `deno run` of one of Berth's own programs (the daemon,
 * the store check) from a checkout; nothing for a published copy, which has no config
 * beside it.
 *
 * @returns The arguments.
 */
export function denoConfigArgs(): string[] {
  const config = new URL("../deno.json", import.meta.url);
  if (config.protocol !== "file:") return [];
  try {
    Deno.statSync(config);
    return ["--config", config.pathname];
  } catch {
    return [];
  }
}

/**
 * A `Deno.Command` that runs the daemon for `root` on `socketPath`.
 *
 * @param root State root.
 * @param socketPath Socket path.
 * @param opts Log file (background) or inherited stdio (foreground), quiet.
 * @returns The command, ready to spawn.
 */
export function daemonCommand(
  root: string,
  socketPath: string,
  opts: { logFile?: string; foreground?: boolean; quiet?: boolean },
): Deno.Command {
  const main = new URL("./_daemon_main.ts", import.meta.url);
  const configArgs = denoConfigArgs();
  const env: Record<string, string> = { BERTH_ROOT: root, BERTH_DAEMON_SOCKET: socketPath };
  if (opts.logFile) env.BERTH_DAEMON_LOG = opts.logFile;
  const io = opts.foreground ? "inherit" : "null";
  return new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      "--no-prompt",
      `--v8-flags=${DAEMON_V8_FLAGS}`,
      ...configArgs,
      main.href,
      ...(opts.quiet ? ["--quiet"] : []),
    ],
    stdin: "null",
    stdout: io,
    stderr: io,
    detached: !opts.foreground,
    env,
  });
}

/**
 * Start the daemon in the background unless it answers. A lock file serialises concurrent
 * CLIs: the first starts the daemon, the others wait for it to answer.
 *
 * @param root State root (for the lock and the daemon's log).
 * @param socketPath The daemon's socket.
 * @param ping Whether the daemon answers now.
 * @returns Once the daemon answers.
 * @throws {DaemonUnreachableError} When it exits or does not answer within 30 s.
 * @example
 * ```ts ignore
 * await startDaemon(root, `${root}/berth.sock`, () => client.ping());
 * ```
 */
export async function startDaemon(
  root: string,
  socketPath: string,
  ping: () => Promise<boolean>,
): Promise<void> {
  await Deno.mkdir(root, { recursive: true, mode: 0o700 });
  const lock = await Deno.open(`${root}/daemon.lock`, { create: true, write: true });
  try {
    await lock.lock(true);
    if (await ping()) return;
    // The daemon writes its log to this file when it runs in the background.
    const child = daemonCommand(root, socketPath, { logFile: `${root}/daemon.log` }).spawn();
    let exited: Deno.CommandStatus | undefined;
    child.status.then((s) => (exited = s));
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline) {
      if (await ping()) {
        child.unref();
        return;
      }
      if (exited) break;
      await new Promise((r) => setTimeout(r, 25));
    }
    throw new DaemonUnreachableError(
      socketPath,
      new Error(
        exited
          ? `the daemon exited with ${exited.code}; see ${root}/daemon.log`
          : `the daemon did not answer within 30s; see ${root}/daemon.log`,
      ),
    );
  } finally {
    await lock.unlock().catch(() => {});
    lock.close();
  }
}
