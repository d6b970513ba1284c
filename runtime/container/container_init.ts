/**
 * `--init`: a tiny init (like tini) that runs as pid 1 of the container, starts the
 * real entrypoint as its child, forwards the signals a container receives (TERM, INT,
 * HUP, QUIT, USR1, USR2, WINCH) to it, reaps every orphan that the namespace re-parents
 * to it, and exits with the child's status (128+n for a death by signal n). On a terminal
 * the child leads its own process group, the terminal's foreground one, as with tini.
 *
 * @module
 */
import type { BuiltinMain } from "../kernel/executor.ts";
import { W } from "../kernel/syscalls/api.ts";
import { Errno, strerror } from "../kernel/errno.ts";

/** `TIOCSPGRP`: set the terminal's foreground process group. */
const TIOCSPGRP = 0x5410;

/** The signals the init forwards to its child. */
export const FORWARDED: readonly number[] = [1, 2, 3, 10, 12, 15, 28];

/** An init program and the handler to give its process before it first runs. */
export interface InitProgram {
  /** The program: `argv` is ["berth-init", entrypoint...]. */
  main: BuiltinMain;
  /**
   * A handler for {@link FORWARDED} signals to install on the new process at once: a
   * signal sent before the program has set its own handlers (a `stop` right after
   * `start`) is kept and forwarded once the child exists, instead of being ignored as
   * pid 1 ignores signals it has no handler for.
   */
  early: (sig: number) => void;
}

/**
 * Make an init program.
 *
 * @returns The program and its early handler.
 * @example
 * ```ts ignore
 * const init = makeInit();
 * const h = await kernel.spawn({ argv: ["berth-init", "sleep", "9"], program: init.main });
 * for (const s of FORWARDED) h.process.handlers.set(s, init.early);
 * ```
 */
export function makeInit(): InitProgram {
  const queued: number[] = [];
  let forward: ((sig: number) => void) | undefined;
  const early = (sig: number) => {
    if (forward) forward(sig);
    else queued.push(sig);
  };
  const main: BuiltinMain = async (sys, argv) => {
    const cmd = argv.slice(1);
    if (cmd.length === 0) return 0;
    for (const sig of FORWARDED) sys.sigaction(sig, early);
    // On a terminal (run -t), as tini: the child gets its own process group and the
    // terminal's foreground, so ^C reaches it once (from the terminal), not again through
    // the init's forwarding.
    const tty = sys.isatty(0);
    const pid = await sys.spawn({
      path: cmd[0]!,
      argv: cmd,
      env: sys.environ(),
      ...(tty ? { pgid: 0 } : {}),
    });
    if (tty && typeof pid === "number" && pid > 0) sys.ioctl(0, TIOCSPGRP, pid);
    if (typeof pid === "number" && pid < 0) {
      const msg = `berth-init: exec ${cmd[0]} failed: ${strerror(pid as Errno)}\n`;
      await sys.write(2, new TextEncoder().encode(msg));
      return pid === Errno.ENOENT ? 127 : 126;
    }
    const child = pid as number;
    forward = (s) => {
      sys.kill(child, s);
    };
    for (const s of queued.splice(0)) forward(s);
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
  return { main, early };
}

/**
 * A ready-made init (without the early handler; prefer {@link makeInit}).
 *
 * @param sys The process's system calls.
 * @param argv The init's argv.
 * @returns The child's exit status.
 * @example
 * ```ts ignore
 * await kernel.spawn({ argv: ["berth-init", "sh", "-c", "sleep 10"], program: initMain });
 * ```
 */
export const initMain: BuiltinMain = (sys, argv) => makeInit().main(sys, argv);
