/**
 * `poll(2)` over the fd table: readiness of pipes, FIFOs and ttys (files without a
 * `poll` are always ready), sleeping through `Task.block` until a change or the timeout.
 * Re-exported by `sys_file.ts`.
 *
 * @module
 */
import { Errno } from "../errno.ts";
import type { MaybeAsync, PollFd } from "./api.ts";
import type { FileTask } from "../vfs/resolve.ts";
import { POLL } from "../vfs/types.ts";
import { type KernelDelay, kernelDelay } from "../timers.ts";

function pollOnce(task: FileTask, fds: PollFd[]): number {
  let ready = 0;
  for (const p of fds) {
    const f = task.fs.fds.get(p.fd);
    if (!f) {
      p.revents = p.fd < 0 ? 0 : POLL.NVAL;
    } else {
      const ev = f.handle.poll ? f.handle.poll() : POLL.IN | POLL.OUT;
      p.revents = ev & (p.events | POLL.ERR | POLL.HUP | POLL.NVAL);
    }
    if (p.revents) ready++;
  }
  return ready;
}

/**
 * `poll(2)`: readiness of pipes, FIFOs, ttys (regular files are always ready).
 *
 * @param task Caller.
 * @param fds Requests; `revents` is filled in.
 * @param timeoutMs Milliseconds; < 0 waits forever, 0 does not wait.
 * @returns How many have events, 0 on timeout, or `EINTR`.
 */
export function poll(task: FileTask, fds: PollFd[], timeoutMs: number): MaybeAsync<number | Errno> {
  const n = pollOnce(task, fds);
  if (n > 0 || timeoutMs === 0) return n;
  const deadline = timeoutMs > 0 ? performance.now() + timeoutMs : Infinity;
  const loop = async (): Promise<number | Errno> => {
    for (;;) {
      const waits: Promise<unknown>[] = [];
      let expiry: KernelDelay<void> | undefined;
      for (const p of fds) {
        const w = task.fs.fds.get(p.fd)?.handle.waitReady?.();
        if (w) waits.push(w);
      }
      if (deadline !== Infinity) {
        expiry = kernelDelay(Math.max(0, deadline - performance.now()), undefined);
        waits.push(expiry.promise);
      }
      if (waits.length === 0) waits.push(new Promise(() => {}));
      const r = await task.block(Promise.race(waits), () => expiry?.cancel());
      expiry?.cancel();
      if (r === Errno.EINTR) return Errno.EINTR;
      const k = pollOnce(task, fds);
      if (k > 0 || performance.now() >= deadline) return k;
    }
  };
  return loop();
}
