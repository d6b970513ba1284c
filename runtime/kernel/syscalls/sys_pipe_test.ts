import assert from "node:assert/strict";
import { Errno } from "../errno.ts";
import { AT, O, type PollFd, S_IFIFO } from "./api.ts";
import { close, F, fcntl, fstat, ioctl, openat, poll, read, write } from "./sys_file.ts";
import { mknodat } from "./sys_file_meta.ts";
import { pipe2 } from "./sys_pipe.ts";
import { makeTask, testRoot } from "../vfs/_test_task.ts";
import { PIPE_BUF } from "../pipe/pipe.ts";
import { fc, runs } from "../../../tests/_property.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();

Deno.test("pipe2: bytes written come out in order; EOF after the last writer closes", async () => {
  const { task } = testRoot();
  const [r, w] = pipe2(task, 0) as [number, number];
  assert.equal(write(task, w, enc.encode("ab")), 2);
  assert.equal(write(task, w, enc.encode("cd")), 2);
  assert.equal(ioctl(task, r, 0x541b), 4, "FIONREAD");
  const buf = new Uint8Array(3);
  assert.equal(read(task, r, buf), 3);
  assert.equal(dec.decode(buf), "abc");
  assert.equal(close(task, w), 0);
  assert.equal(await read(task, r, buf), 1);
  assert.equal(await read(task, r, buf), 0, "EOF");
  assert.equal((fstat(task, r) as { mode: number }).mode & 0o170000, S_IFIFO);
  assert.equal(task.memory.byKind.pipe, 4096, "one emptied page stays charged (tmp_page)");
  assert.equal(close(task, r), 0);
  assert.equal(task.memory.byKind.pipe, 0, "nothing charged once both ends are closed");
});

Deno.test("pipe2: a read with no data sleeps until a write; a signal interrupts it", async () => {
  const { task } = testRoot();
  const [r, w] = pipe2(task, 0) as [number, number];
  const pending = read(task, r, new Uint8Array(8));
  assert.ok(pending instanceof Promise);
  write(task, w, enc.encode("x"));
  assert.equal(await pending, 1);
  const p2 = read(task, r, new Uint8Array(8));
  task.interrupt();
  assert.equal(await p2, Errno.EINTR);
  // The interrupted sleeper is gone: the next write stays for the next read.
  write(task, w, enc.encode("yz"));
  const buf = new Uint8Array(8);
  assert.equal(await read(task, r, buf), 2);
  assert.equal(dec.decode(buf.subarray(0, 2)), "yz");
});

Deno.test("pipe2: two sleeping readers, one write: the first takes it, the second sleeps on", async () => {
  const { task } = testRoot();
  const [r, w] = pipe2(task, 0) as [number, number];
  const a = new Uint8Array(8);
  const b = new Uint8Array(8);
  const first = read(task, r, a);
  const second = read(task, r, b);
  write(task, w, enc.encode("one"));
  assert.equal(await first, 3);
  let settled = false;
  (second as Promise<number>).then(() => (settled = true));
  await new Promise((res) => setTimeout(res, 5));
  assert.equal(settled, false, "the second reader found nothing and sleeps again");
  write(task, w, enc.encode("two"));
  assert.equal(await second, 3);
  assert.equal(dec.decode(b.subarray(0, 3)), "two");
});

Deno.test("pipe2 O_NONBLOCK: EAGAIN when empty or full; full at 64 KiB", () => {
  const { task } = testRoot();
  const [r, w] = pipe2(task, O.NONBLOCK) as [number, number];
  assert.equal(read(task, r, new Uint8Array(1)), Errno.EAGAIN);
  assert.equal(write(task, w, new Uint8Array(70000)), 65536, "partial write up to capacity");
  assert.equal(write(task, w, new Uint8Array(1)), Errno.EAGAIN);
  assert.equal(fcntl(task, w, F.GETPIPE_SZ), 65536);
  assert.equal(task.memory.byKind.pipe, 65536, "buffered bytes are charged");
});

Deno.test("writes up to PIPE_BUF are atomic: a blocked small write never splits", async () => {
  const { task } = testRoot();
  const [r, w] = pipe2(task, 0) as [number, number];
  fcntl(task, w, F.SETPIPE_SZ, 8192);
  assert.equal(write(task, w, new Uint8Array(8192 - 100).fill(1)), 8092);
  const small = write(task, w, new Uint8Array(PIPE_BUF).fill(2));
  assert.ok(small instanceof Promise, "not enough room: sleeps instead of splitting");
  const out = new Uint8Array(8192);
  assert.equal(read(task, r, out), 8092);
  assert.equal(await small, PIPE_BUF);
  assert.equal(read(task, r, out), PIPE_BUF);
  assert.ok(out.subarray(0, PIPE_BUF).every((b) => b === 2));
});

Deno.test("write with no reader: EPIPE and SIGPIPE", () => {
  const { task } = testRoot();
  const [r, w] = pipe2(task, 0) as [number, number];
  close(task, r);
  assert.equal(write(task, w, enc.encode("x")), Errno.EPIPE);
  assert.deepEqual(task.signals, [13]);
});

Deno.test("pipe ends are shared with a forked child; EOF only when every writer is gone", async () => {
  const { task, fs } = testRoot();
  const [r, w] = pipe2(task, 0) as [number, number];
  const child = makeTask(fs.fork());
  close(task, w);
  const p = read(task, r, new Uint8Array(4));
  assert.ok(p instanceof Promise, "the child still holds a writer");
  write(child, w, enc.encode("hi"));
  assert.equal(await p, 2);
  child.fs.fds.closeAll();
  assert.equal(await read(task, r, new Uint8Array(4)), 0);
});

Deno.test("poll: POLLIN when data arrives, POLLHUP when the writer closes, timeout 0", async () => {
  const { task } = testRoot();
  const [r, w] = pipe2(task, 0) as [number, number];
  const fds: PollFd[] = [{ fd: r, events: 1, revents: 0 }, { fd: 99, events: 1, revents: 0 }];
  assert.equal(poll(task, [fds[0] as PollFd], 0), 0);
  const p = poll(task, [fds[0] as PollFd], -1);
  assert.ok(p instanceof Promise);
  write(task, w, enc.encode("z"));
  assert.equal(await p, 1);
  assert.equal(fds[0]?.revents, 1);
  close(task, w);
  read(task, r, new Uint8Array(1));
  assert.equal(poll(task, fds, 10), 2);
  assert.equal(fds[0]?.revents, 16);
  assert.equal(fds[1]?.revents, 32, "POLLNVAL for a closed fd");
  assert.equal(await poll(task, [{ fd: w, events: 1, revents: 0 }], 20), 1, "NVAL w");
});

Deno.test("FIFO: open for read waits for a writer; O_NONBLOCK write open without reader is ENXIO", async () => {
  const { task, fs } = testRoot();
  assert.equal(mknodat(task, AT.FDCWD, "/fifo", S_IFIFO | 0o644, 0), 0);
  assert.equal(openat(task, AT.FDCWD, "/fifo", O.WRONLY | O.NONBLOCK, 0), Errno.ENXIO);
  const reader = openat(task, AT.FDCWD, "/fifo", O.RDONLY, 0);
  assert.ok(reader instanceof Promise);
  const other = makeTask(fs.fork());
  const wfd = await openat(other, AT.FDCWD, "/fifo", O.WRONLY, 0);
  const rfd = await reader;
  assert.ok(typeof rfd === "number" && rfd >= 0 && typeof wfd === "number" && wfd >= 0);
  assert.equal(write(other, wfd, enc.encode("via fifo")), 8);
  const buf = new Uint8Array(16);
  assert.equal(read(task, rfd, buf), 8);
  assert.equal(dec.decode(buf.subarray(0, 8)), "via fifo");
  close(other, wfd);
  assert.equal(read(task, rfd, buf), 0);
  const rw = openat(task, AT.FDCWD, "/fifo", O.RDWR, 0);
  assert.equal(typeof rw, "number", "O_RDWR never waits");
});

Deno.test("property: bytes come out of a pipe in order whatever the write/read/resize sizes", () => {
  fc.assert(
    fc.property(
      fc.array(
        fc.oneof(
          fc.record({ w: fc.integer({ min: 1, max: 9000 }) }),
          fc.record({ r: fc.integer({ min: 1, max: 9000 }) }),
          fc.record({ sz: fc.constantFrom(4096, 8192, 65536, 131072) }),
        ),
        { maxLength: 60 },
      ),
      (ops) => {
        const { task } = testRoot();
        const [r, w] = pipe2(task, O.NONBLOCK) as [number, number];
        let next = 0;
        let expect = 0;
        for (const op of ops) {
          if ("w" in op) {
            const data = new Uint8Array(op.w).map((_, i) => (next + i) & 0xff);
            const n = write(task, w, data) as number;
            if (n > 0) next += n;
          } else if ("r" in op) {
            const buf = new Uint8Array(op.r);
            const n = read(task, r, buf) as number;
            for (let i = 0; i < Math.max(0, n); i++) {
              assert.equal(buf[i], (expect + i) & 0xff);
            }
            if (n > 0) expect += n;
          } else {
            fcntl(task, w, F.SETPIPE_SZ, op.sz);
          }
          // By page, one emptied page kept once something was written (Linux's tmp_page).
          const pages = Math.max(Math.ceil((next - expect) / 4096), next > 0 ? 1 : 0);
          assert.equal(task.memory.byKind.pipe ?? 0, pages * 4096, "charged = buffered pages");
        }
        close(task, r);
        close(task, w);
        assert.equal(task.memory.byKind.pipe ?? 0, 0, "nothing charged once closed");
      },
    ),
    { numRuns: runs(200) },
  );
});
