/**
 * Connecting spawned commands to memory files: before a spawn, each memory-backed fd
 * of the shell is replaced by a pipe; after it, the shell feeds the input pipes and
 * drains the output pipes, interleaved with `poll` so that a child that writes much
 * before reading all its input cannot deadlock with the shell.
 *
 * @module
 */
import { Errno } from "../../kernel/errno.ts";
import { O } from "../../kernel/syscalls/api.ts";
import type { Syscalls } from "../../kernel/syscalls/api.ts";
import { type FdTable, MemFile } from "./fd_table.ts";

const POLLIN = 1;
const POLLOUT = 4;
const POLLERR = 8;
const POLLHUP = 16;
const CHUNK = 4096;
const encoder = new TextEncoder();

/** Work left after a spawn: feed `data` into `fd`, or drain `fd` into `mem`. */
export type Pump =
  | { kind: "in"; fd: number; data: Uint8Array; off: number }
  | { kind: "out"; fd: number; mem: MemFile; decoder: TextDecoder };

/**
 * Replaces the memory files of `table` with pipe ends the child can use.
 *
 * @param sys System calls.
 * @param table A copy of the shell's table (modified).
 * @returns The pumps to run once the child is spawned (their fds are owned by `table`'s
 *   reference counts and are released by {@link runPumps}).
 */
export function materialize(sys: Syscalls, table: FdTable): Pump[] {
  const pumps: Pump[] = [];
  const done = new Map<MemFile, number>();
  for (const [l, ref] of [...table.entries()]) {
    if (!(ref instanceof MemFile)) continue;
    const childEnd = done.get(ref);
    if (childEnd !== undefined) {
      table.set(l, childEnd);
      continue;
    }
    const pipe = sys.pipe2(O.CLOEXEC);
    if (typeof pipe === "number") {
      table.close(l);
      continue;
    }
    const [r, w] = table.adopt(sys, pipe) as [number, number];
    if (ref.mode === "in") {
      table.set(l, r);
      table.release(r);
      pumps.push({ kind: "in", fd: w, data: encoder.encode(ref.rest()), off: 0 });
      ref.pos = ref.text.length;
      done.set(ref, r);
    } else {
      table.set(l, w);
      table.release(w);
      pumps.push({ kind: "out", fd: r, mem: ref, decoder: new TextDecoder() });
      done.set(ref, w);
    }
  }
  return pumps;
}

/**
 * Feeds and drains pipes until every input is written and every output is at end of
 * file.
 *
 * @param sys System calls.
 * @param table The table owning the pump fds (they are released here).
 * @param pumps The pumps.
 */
export async function runPumps(sys: Syscalls, table: FdTable, pumps: Pump[]): Promise<void> {
  let active = pumps.filter((p) => {
    if (p.kind === "in" && p.data.length === 0) {
      table.release(p.fd);
      return false;
    }
    return true;
  });
  const buf = new Uint8Array(65536);
  const finish = (p: Pump) => {
    if (p.kind === "out") p.mem.append(p.decoder.decode());
    table.release(p.fd);
    active = active.filter((x) => x !== p);
  };
  while (active.length > 0) {
    const pfds = active.map((p) => ({
      fd: p.fd,
      events: p.kind === "in" ? POLLOUT : POLLIN,
      revents: 0,
    }));
    let n = sys.poll(pfds, -1);
    if (n instanceof Promise) n = await n;
    if (n === Errno.EINTR) continue;
    const polled = n >= 0;
    for (let i = 0; i < pfds.length; i++) {
      const p = active.find((x) => x.fd === pfds[i]!.fd);
      if (!p) continue;
      const ev = pfds[i]!.revents;
      if (polled && ev === 0) continue;
      if (p.kind === "in") {
        if (ev & POLLERR) {
          finish(p);
          continue;
        }
        // Without poll, write everything (blocking); with it, one pipe-atomic chunk.
        const end = polled ? Math.min(p.data.length, p.off + CHUNK) : p.data.length;
        let w = sys.write(p.fd, p.data.subarray(p.off, end));
        if (w instanceof Promise) w = await w;
        if (w === Errno.EINTR || w === Errno.EAGAIN) continue;
        if (w < 0) {
          finish(p);
          continue;
        }
        p.off += w;
        if (p.off >= p.data.length) finish(p);
      } else {
        if (polled && !(ev & (POLLIN | POLLHUP | POLLERR))) continue;
        let r = sys.read(p.fd, buf);
        if (r instanceof Promise) r = await r;
        if (r === Errno.EINTR || r === Errno.EAGAIN) continue;
        if (r <= 0) {
          finish(p);
          continue;
        }
        p.mem.append(p.decoder.decode(buf.subarray(0, r), { stream: true }));
        if (!polled) {
          // No poll: drain this output to its end before the next one.
          for (;;) {
            let m = sys.read(p.fd, buf);
            if (m instanceof Promise) m = await m;
            if (m === Errno.EINTR) continue;
            if (m <= 0) break;
            p.mem.append(p.decoder.decode(buf.subarray(0, m), { stream: true }));
          }
          finish(p);
        }
      }
    }
  }
}
