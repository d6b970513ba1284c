/**
 * `--init`: a tiny init (like tini) that runs as pid 1 of the container, starts the
 * real entrypoint as its child, forwards the signals a container receives (TERM, INT,
 * HUP, QUIT, USR1, USR2, WINCH) to it, reaps every orphan that the namespace re-parents
 * to it, and exits with the child's status (128+n for a death by signal n).
 *
 * @module
 */
import type { BuiltinMain } from "../kernel/executor.ts";
import { W } from "../kernel/syscalls/api.ts";
import { Errno, strerror } from "../kernel/errno.ts";

const FORWARDED = [1, 2, 3, 10, 12, 15, 28];

/**
 * The init program: `argv` is ["berth-init", entrypoint...].
 *
 * @param sys The process's system calls.
 * @param argv The init's argv.
 * @returns The child's exit status.
 * @example
 * ```ts ignore
 * await kernel.spawn({ argv: ["berth-init", "sh", "-c", "sleep 10"], program: initMain });
 * ```
 */
export const initMain: BuiltinMain = async (sys, argv) => {
  const cmd = argv.slice(1);
  if (cmd.length === 0) return 0;
  let child = 0;
  for (const sig of FORWARDED) {
    sys.sigaction(sig, (s) => {
      if (child > 0) sys.kill(child, s);
    });
  }
  const pid = await sys.spawn({ path: cmd[0]!, argv: cmd, env: sys.environ() });
  if (typeof pid === "number" && pid < 0) {
    const msg = `berth-init: exec ${cmd[0]} failed: ${strerror(pid as Errno)}\n`;
    await sys.write(2, new TextEncoder().encode(msg));
    return pid === Errno.ENOENT ? 127 : 126;
  }
  child = pid as number;
  while (true) {
    const r = await sys.wait4(-1, 0);
    if (typeof r === "number") {
      if (r === Errno.EINTR) continue;
      return 0; // ECHILD: nothing left
    }
    if (r.pid === child) {
      return W.IFSIGNALED(r.status) ? 128 + W.TERMSIG(r.status) : W.EXITSTATUS(r.status);
    }
  }
};
