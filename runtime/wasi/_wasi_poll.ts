/**
 * `poll_oneoff`: clock and fd subscriptions mapped onto the kernel's `nanosleep` and
 * `poll`. Events are written in subscription order.
 *
 * @module
 */
import type { PollFd } from "../kernel/syscalls/api.ts";
import { settle, type WasiCore, type WasiResult } from "./_wasi_core.ts";
import { fromNs, toNs } from "./_wasi_abi.ts";
import { toWasiErrno, WasiErrno } from "./wasi_errno.ts";

const POLLIN = 1;
const POLLOUT = 4;
const POLLERR = 8;
const POLLHUP = 16;
const POLLNVAL = 32;
const FIONREAD = 0x541b;
const SUBSCRIPTION_SIZE = 48;
const EVENT_SIZE = 32;

interface ClockSub {
  userdata: bigint;
  /** Nanoseconds from now until it fires; -1 for an invalid clock. */
  waitNs: bigint;
}
interface FdSub {
  userdata: bigint;
  type: 1 | 2;
  fd: number;
  pollIndex: number;
}

/**
 * `poll_oneoff(in, out, nsubscriptions, nevents)`.
 *
 * @param core shared WASI state
 * @returns the import function
 */
export function pollOneoff(
  core: WasiCore,
): (i: number, o: number, n: number, ne: number) => WasiResult {
  const { sys, mem } = core;
  return (inPtr, outPtr, nsubs, neventsPtr) => {
    if (nsubs === 0) return WasiErrno.INVAL;
    mem.check(inPtr, nsubs * SUBSCRIPTION_SIZE);
    mem.check(outPtr, nsubs * EVENT_SIZE);
    mem.check(neventsPtr, 4);
    const clocks: ClockSub[] = [];
    const fdSubs: FdSub[] = [];
    const pollFds: PollFd[] = [];
    const badEvents: { userdata: bigint; type: number; error: number }[] = [];
    for (let i = 0; i < nsubs; i++) {
      const p = inPtr + i * SUBSCRIPTION_SIZE;
      const userdata = mem.dv.getBigUint64(p, true);
      const tag = mem.dv.getUint8(p + 8);
      if (tag === 0) {
        const id = mem.dv.getUint32(p + 16, true);
        const timeout = mem.dv.getBigUint64(p + 24, true);
        const flags = mem.dv.getUint16(p + 40, true);
        let waitNs = timeout;
        if (flags & 1) {
          const now = sys.clock_gettime(id);
          if (typeof now === "number") {
            badEvents.push({ userdata, type: 0, error: toWasiErrno(now) });
            continue;
          }
          waitNs = timeout - toNs(now);
          if (waitNs < 0n) waitNs = 0n;
        } else if (typeof sys.clock_getres(id) === "number") {
          badEvents.push({ userdata, type: 0, error: WasiErrno.INVAL });
          continue;
        }
        clocks.push({ userdata, waitNs });
      } else if (tag === 1 || tag === 2) {
        const fd = mem.dv.getUint32(p + 16, true);
        fdSubs.push({ userdata, type: tag, fd, pollIndex: pollFds.length });
        pollFds.push({ fd, events: tag === 1 ? POLLIN : POLLOUT, revents: 0 });
      } else {
        return WasiErrno.INVAL;
      }
    }
    let minWait = -1n;
    for (const c of clocks) if (minWait < 0n || c.waitNs < minWait) minWait = c.waitNs;
    if (badEvents.length > 0) minWait = 0n;

    const report = (fdsReady: boolean): number => {
      mem.refresh();
      let n = 0;
      const put = (
        userdata: bigint,
        error: number,
        type: number,
        nbytes: bigint,
        flags: number,
      ) => {
        const e = outPtr + n++ * EVENT_SIZE;
        mem.u8.fill(0, e, e + EVENT_SIZE);
        mem.dv.setBigUint64(e, userdata, true);
        mem.dv.setUint16(e + 8, error, true);
        mem.dv.setUint8(e + 10, type);
        mem.dv.setBigUint64(e + 16, nbytes, true);
        mem.dv.setUint16(e + 24, flags, true);
      };
      for (const b of badEvents) put(b.userdata, b.error, b.type, 0n, 0);
      if (fdsReady) {
        for (const s of fdSubs) {
          const rev = pollFds[s.pollIndex]!.revents;
          if (rev === 0) continue;
          if (rev & POLLNVAL) put(s.userdata, WasiErrno.BADF, s.type, 0n, 0);
          else if (rev & POLLERR && !(rev & POLLHUP)) put(s.userdata, WasiErrno.IO, s.type, 0n, 0);
          else {
            let nbytes = 0n;
            if (s.type === 1) {
              const avail = sys.ioctl(s.fd, FIONREAD);
              if (typeof avail === "number" && avail > 0) nbytes = BigInt(avail);
            }
            put(s.userdata, 0, s.type, nbytes, rev & POLLHUP ? 1 : 0);
          }
        }
      }
      if (n === 0) {
        for (const c of clocks) if (c.waitNs <= minWait) put(c.userdata, 0, 0, 0n, 0);
      }
      mem.setU32(neventsPtr, n);
      return 0;
    };

    if (pollFds.length === 0) {
      if (minWait <= 0n) return report(false);
      return settle(core, sys.nanosleep(fromNs(minWait)), () => report(false));
    }
    const timeoutMs = minWait < 0n ? -1 : Number((minWait + 999_999n) / 1_000_000n);
    return settle(core, sys.poll(pollFds, timeoutMs), (ready) => report(ready > 0));
  };
}
