/**
 * Signal system calls: `kill`, `sigaction` (dispositions and `SA` flags for builtin
 * programs), `sigprocmask`, `pause` (never restarted), `alarm`.
 *
 * @module
 */
import { Errno } from "../errno.ts";
import type { Kernel } from "../kernel.ts";
import type { Process } from "../process.ts";
import { dispatchPending, killFrom, sendSignal } from "../signal_send.ts";
import { NSIG, SIG, sigBit, UNBLOCKABLE } from "../signals.ts";
import type { SignalDisposition, Syscalls } from "./api.ts";
import { clearKernelTimeout, setKernelTimeout } from "../timers.ts";

/** The signal-family calls of one process, unwrapped. */
export type SignalCalls = Pick<Syscalls, "kill" | "sigaction" | "sigprocmask" | "pause" | "alarm">;

/**
 * The signal calls bound to `p`.
 *
 * @param k The kernel.
 * @param p The calling process.
 * @returns The implementations.
 * @example
 * ```ts ignore
 * signalCalls(kernel, proc).kill(1, 15);
 * ```
 */
export function signalCalls(k: Kernel, p: Process): SignalCalls {
  return {
    kill: (pid, sig) => killFrom(k, p, pid, sig),
    sigaction(sig, disposition, flags = 0): SignalDisposition | Errno {
      if (!Number.isInteger(sig) || sig < 1 || sig > NSIG) return Errno.EINVAL;
      if (sig === SIG.KILL || sig === SIG.STOP) return Errno.EINVAL;
      if (!Number.isInteger(flags)) return Errno.EINVAL;
      const old = p.handlers.get(sig) ?? "default";
      if (disposition === "default") p.handlers.delete(sig);
      else p.handlers.set(sig, disposition);
      if (flags === 0) p.handlerFlags.delete(sig);
      else p.handlerFlags.set(sig, flags >>> 0);
      if (disposition === "ignore") p.pending &= ~sigBit(sig);
      dispatchPending(k, p);
      return old;
    },
    sigprocmask(how, set) {
      const old = p.blocked;
      if (set !== null) {
        if (how === 0) p.blocked |= set;
        else if (how === 1) p.blocked &= ~set;
        else if (how === 2) p.blocked = set;
        else return Errno.EINVAL;
        p.blocked &= ~UNBLOCKABLE;
        dispatchPending(k, p);
      }
      return old;
    },
    pause() {
      return p.block(new Promise<never>(() => {})).then(() => Errno.EINTR);
    },
    alarm(seconds) {
      const now = performance.now();
      const left = p.alarmTimer !== undefined
        ? Math.max(1, Math.ceil((p.alarmAtMs - now) / 1000))
        : 0;
      clearKernelTimeout(p.alarmTimer);
      p.alarmTimer = undefined;
      if (seconds > 0) {
        p.alarmAtMs = now + seconds * 1000;
        p.alarmTimer = setKernelTimeout(() => {
          p.alarmTimer = undefined;
          sendSignal(k, p, SIG.ALRM);
        }, seconds * 1000);
      }
      return left;
    },
  };
}
