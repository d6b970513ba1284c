/**
 * Starting the daemon program (`runtime/daemon/main.ts`) as a process of its own. The CLI
 * never imports the daemon: its module graph (kernel, images, builder) would be loaded at
 * every CLI start.
 *
 * @module
 */

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
  const main = new URL("../runtime/daemon/main.ts", import.meta.url);
  const config = new URL("../deno.json", import.meta.url);
  let configArgs: string[] = [];
  if (config.protocol === "file:") {
    try {
      Deno.statSync(config);
      configArgs = ["--config", config.pathname];
    } catch { /* a published copy: no config beside it */ }
  }
  const env: Record<string, string> = { BERTH_ROOT: root, BERTH_DAEMON_SOCKET: socketPath };
  if (opts.logFile) env.BERTH_DAEMON_LOG = opts.logFile;
  const io = opts.foreground ? "inherit" : "null";
  return new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      "--no-prompt",
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
