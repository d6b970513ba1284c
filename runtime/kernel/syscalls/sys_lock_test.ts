import assert from "node:assert/strict";
import { Errno } from "../errno.ts";
import { AT, F_LOCK, type FlockRecord, LOCK, O } from "./api.ts";
import { close, dup, openat } from "./sys_file.ts";
import { fcntl_lock, flock } from "./sys_lock.ts";
import { makeTask, testRoot } from "../vfs/_test_task.ts";
import { listLocks } from "../vfs/file_lock.ts";
import { Kernel } from "../kernel.ts";
import { minimalRoot } from "../minimal_root.ts";
import { isErrno } from "../errno.ts";

const lk = (type: number, start: number, len: number, whence = 0): FlockRecord => ({
  type,
  whence,
  start,
  len,
  pid: 0,
});

function twoProcesses() {
  const { task: a, fs } = testRoot();
  const b = makeTask(fs.fork());
  const fa = openat(a, AT.FDCWD, "/f", O.RDWR | O.CREAT, 0o644) as number;
  const fb = openat(b, AT.FDCWD, "/f", O.RDWR, 0) as number;
  return { a, b, fa, fb };
}

const settledSoon = async (p: unknown): Promise<boolean> => {
  let done = false;
  Promise.resolve(p).then(() => (done = true));
  await new Promise((r) => setTimeout(r, 10));
  return done;
};

Deno.test("flock: LOCK_EX excludes other descriptions, LOCK_SH shares, LOCK_NB says EAGAIN", async () => {
  const { a, b, fa, fb } = twoProcesses();
  assert.equal(flock(a, fa, LOCK.SH), 0);
  assert.equal(flock(b, fb, LOCK.SH | LOCK.NB), 0, "two shared locks");
  assert.equal(flock(b, fb, LOCK.EX | LOCK.NB), Errno.EAGAIN, "conversion blocked by a's SH");
  const waiting = flock(b, fb, LOCK.EX);
  assert.ok(waiting instanceof Promise);
  assert.equal(await settledSoon(waiting), false, "sleeps while a holds LOCK_SH");
  assert.equal(flock(a, fa, LOCK.UN), 0);
  assert.equal(await waiting, 0);
  assert.equal(flock(a, fa, LOCK.SH | LOCK.NB), Errno.EAGAIN);
  assert.equal(flock(a, fa, 3), Errno.EINVAL);
  assert.equal(flock(a, 99, LOCK.SH), Errno.EBADF);
});

Deno.test("flock: the lock belongs to the open file description and goes with its last close", () => {
  const { a, b, fa, fb } = twoProcesses();
  assert.equal(flock(a, fa, LOCK.EX), 0);
  const copy = dup(a, fa) as number;
  assert.equal(flock(a, copy, LOCK.EX | LOCK.NB), 0, "a dup shares the lock");
  const again = openat(a, AT.FDCWD, "/f", O.RDONLY, 0) as number;
  assert.equal(flock(a, again, LOCK.SH | LOCK.NB), Errno.EAGAIN, "a second open does not");
  close(a, fa);
  assert.equal(flock(b, fb, LOCK.SH | LOCK.NB), Errno.EAGAIN, "the dup still holds it");
  close(a, copy);
  assert.equal(flock(b, fb, LOCK.SH | LOCK.NB), 0, "released at the last close");
});

Deno.test("flock: a signal ends the wait with EINTR and leaves no waiter behind", async () => {
  const { a, b, fa, fb } = twoProcesses();
  assert.equal(flock(a, fa, LOCK.EX), 0);
  const waiting = flock(b, fb, LOCK.EX);
  b.interrupt();
  assert.equal(await waiting, Errno.EINTR);
  assert.equal(flock(a, fa, LOCK.UN), 0);
  assert.equal(flock(b, fb, LOCK.EX | LOCK.NB), 0);
});

Deno.test("fcntl locks: byte ranges conflict across processes; F_GETLK names the holder", () => {
  const { a, b, fa, fb } = twoProcesses();
  assert.equal(fcntl_lock(a, fa, F_LOCK.SETLK, lk(F_LOCK.WRLCK, 0, 10)), 0);
  assert.equal(fcntl_lock(b, fb, F_LOCK.SETLK, lk(F_LOCK.WRLCK, 10, 10)), 0, "disjoint");
  assert.equal(fcntl_lock(b, fb, F_LOCK.SETLK, lk(F_LOCK.RDLCK, 5, 1)), Errno.EAGAIN);
  assert.deepEqual(fcntl_lock(b, fb, F_LOCK.GETLK, lk(F_LOCK.RDLCK, 9, 2)), {
    type: F_LOCK.WRLCK,
    whence: 0,
    start: 0,
    len: 10,
    pid: a.nsPid,
  });
  assert.equal(
    (fcntl_lock(a, fa, F_LOCK.GETLK, lk(F_LOCK.WRLCK, 0, 5)) as FlockRecord).type,
    F_LOCK.UNLCK,
    "own locks never conflict",
  );
  // Unlocking the middle splits a's lock in two.
  assert.equal(fcntl_lock(a, fa, F_LOCK.SETLK, lk(F_LOCK.UNLCK, 3, 4)), 0);
  assert.equal(fcntl_lock(b, fb, F_LOCK.SETLK, lk(F_LOCK.WRLCK, 3, 4)), 0);
  assert.equal(fcntl_lock(b, fb, F_LOCK.SETLK, lk(F_LOCK.RDLCK, 2, 1)), Errno.EAGAIN);
  assert.equal(fcntl_lock(b, fb, F_LOCK.SETLK, lk(F_LOCK.RDLCK, 7, 1)), Errno.EAGAIN);
  // A read lock needs a readable descriptor; a bad type or range is EINVAL.
  const wo = openat(a, AT.FDCWD, "/f", O.WRONLY, 0) as number;
  assert.equal(fcntl_lock(a, wo, F_LOCK.SETLK, lk(F_LOCK.RDLCK, 100, 1)), Errno.EBADF);
  assert.equal(fcntl_lock(a, fa, F_LOCK.SETLK, lk(7, 0, 1)), Errno.EINVAL);
  assert.equal(fcntl_lock(a, fa, F_LOCK.SETLK, lk(F_LOCK.WRLCK, -1, 1)), Errno.EINVAL);
});

Deno.test("fcntl locks: any close of the file by the owner releases all its locks", () => {
  const { a, b, fa, fb } = twoProcesses();
  const other = openat(a, AT.FDCWD, "/f", O.RDONLY, 0) as number;
  assert.equal(fcntl_lock(a, fa, F_LOCK.SETLK, lk(F_LOCK.WRLCK, 0, 0)), 0);
  assert.equal(fcntl_lock(b, fb, F_LOCK.SETLK, lk(F_LOCK.RDLCK, 50, 1)), Errno.EAGAIN);
  assert.ok(listLocks().some((r) => r.lock.pid === a.nsPid && r.lock.end === Infinity));
  close(a, other); // a different descriptor, same file: POSIX drops the lock (a known trap)
  assert.equal(fcntl_lock(b, fb, F_LOCK.SETLK, lk(F_LOCK.RDLCK, 50, 1)), 0);
  assert.ok(!listLocks().some((r) => r.lock.pid === a.nsPid));
});

Deno.test("fcntl locks: F_SETLKW sleeps until the range is free; a two-process cycle is EDEADLK", async () => {
  const { a, b, fa, fb } = twoProcesses();
  assert.equal(fcntl_lock(a, fa, F_LOCK.SETLK, lk(F_LOCK.WRLCK, 0, 1)), 0);
  assert.equal(fcntl_lock(b, fb, F_LOCK.SETLK, lk(F_LOCK.WRLCK, 1, 1)), 0);
  const aWaits = fcntl_lock(a, fa, F_LOCK.SETLKW, lk(F_LOCK.WRLCK, 1, 1));
  assert.ok(aWaits instanceof Promise);
  assert.equal(
    fcntl_lock(b, fb, F_LOCK.SETLKW, lk(F_LOCK.WRLCK, 0, 1)),
    Errno.EDEADLK,
    "b would wait for a, which waits for b",
  );
  assert.equal(await settledSoon(aWaits), false);
  assert.equal(fcntl_lock(b, fb, F_LOCK.SETLK, lk(F_LOCK.UNLCK, 1, 1)), 0);
  assert.equal(await aWaits, 0);
  // Interrupted waits return EINTR.
  const bWaits = fcntl_lock(b, fb, F_LOCK.SETLKW, lk(F_LOCK.RDLCK, 0, 2));
  b.interrupt();
  assert.equal(await bWaits, Errno.EINTR);
});

Deno.test("flock between two real processes: the second sleeps until the first exits", async () => {
  const k = new Kernel({ builtins: {} });
  try {
    const root = minimalRoot(k);
    const enc = new TextEncoder();
    const order: string[] = [];
    const holder = await k.spawn({
      argv: ["holder"],
      fs: root.fork(),
      program: async (sys) => {
        const fd = await sys.openat(AT.FDCWD, "/tmp/lock", O.RDWR | O.CREAT, 0o644);
        if (isErrno(fd)) return 1;
        if ((await sys.flock(fd, LOCK.EX)) !== 0) return 2;
        order.push("holder locked");
        await sys.nanosleep({ sec: 0, nsec: 150e6 });
        await sys.write(fd, enc.encode("holder was here"));
        order.push("holder exits");
        return 0; // exit releases the lock
      },
    });
    while (order.length === 0) await new Promise((r) => setTimeout(r, 5));
    const waiter = await k.spawn({
      argv: ["waiter"],
      fs: root.fork(),
      program: async (sys) => {
        const fd = await sys.openat(AT.FDCWD, "/tmp/lock", O.RDWR, 0);
        if (isErrno(fd)) return 1;
        if ((await sys.flock(fd, LOCK.EX | LOCK.NB)) !== Errno.EAGAIN) return 2;
        if ((await sys.flock(fd, LOCK.EX)) !== 0) return 3;
        order.push("waiter locked");
        const buf = new Uint8Array(64);
        const n = await sys.pread(fd, buf, 0);
        return new TextDecoder().decode(buf.subarray(0, n as number)) === "holder was here" ? 0 : 4;
      },
    });
    assert.equal((await holder.wait()).exitCode, 0);
    assert.equal((await waiter.wait()).exitCode, 0);
    assert.deepEqual(order, ["holder locked", "holder exits", "waiter locked"]);
  } finally {
    await k.shutdown();
  }
});
