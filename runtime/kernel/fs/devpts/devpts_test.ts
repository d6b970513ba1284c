import assert from "node:assert/strict";
import { Errno, isErrno } from "../../errno.ts";
import { Kernel } from "../../kernel.ts";
import { minimalRoot } from "../../minimal_root.ts";
import { AT, O, type Syscalls, W } from "../../syscalls/api.ts";
import { applets } from "../../../userland/mod.ts";
import { PTY_BUFFER, TIOC } from "./pty.ts";
import { TIOCGWINSZ, TIOCSWINSZ } from "../devfs/tty.ts";
import { parseDevptsOptions } from "./devpts.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();

const DEV_MOUNTS = [
  { source: "dev", target: "/dev", fstype: "devtmpfs" },
  { source: "devpts", target: "/dev/pts", fstype: "devpts" },
  { source: "proc", target: "/proc", fstype: "proc" },
];

/** Run `main` as a process with /dev, /dev/pts and /proc mounted; returns its exit code. */
async function withPts(main: (sys: Syscalls, k: Kernel) => Promise<number>): Promise<void> {
  const k = new Kernel({ builtins: applets });
  try {
    const h = await k.spawn({
      argv: ["pty-test"],
      fs: minimalRoot(k),
      env: ["PATH=/bin", "HOME=/root", "PS1=$ "],
      mounts: DEV_MOUNTS,
      program: (sys) => main(sys, k),
    });
    const st = await h.wait();
    assert.equal(st.exitCode, 0, `the test program failed at step ${st.exitCode}`);
  } finally {
    await k.shutdown();
  }
}

async function open(sys: Syscalls, path: string, flags: number): Promise<number | Errno> {
  return await sys.openat(AT.FDCWD, path, flags, 0);
}

/** Read the master until `want` shows up (or `ms` pass); returns everything read. */
async function readUntil(sys: Syscalls, fd: number, want: string, ms = 5000): Promise<string> {
  let got = "";
  const end = Date.now() + ms;
  const buf = new Uint8Array(4096);
  while (!got.includes(want) && Date.now() < end) {
    const fds = [{ fd, events: 1, revents: 0 }];
    const ready = await sys.poll(fds, 100);
    if (isErrno(ready) || ready === 0) continue;
    const n = await sys.read(fd, buf);
    if (isErrno(n) || n === 0) break;
    got += dec.decode(buf.subarray(0, n));
  }
  return got;
}

/** Wait until a process whose `comm` is `name` shows in `/proc`. */
async function waitForProcess(sys: Syscalls, name: string): Promise<boolean> {
  for (let i = 0; i < 500; i++) {
    const dir = await open(sys, "/proc", O.RDONLY | O.DIRECTORY);
    if (isErrno(dir)) return false;
    const ents = sys.getdents64(dir, 1000);
    sys.close(dir);
    for (const e of isErrno(ents) ? [] : ents) {
      if (!/^\d+$/.test(e.name)) continue;
      const fd = await open(sys, `/proc/${e.name}/comm`, O.RDONLY);
      if (isErrno(fd)) continue;
      const buf = new Uint8Array(64);
      const n = await sys.read(fd, buf);
      sys.close(fd);
      if (!isErrno(n) && dec.decode(buf.subarray(0, n)) === name + "\n") return true;
    }
    await sys.nanosleep({ sec: 0, nsec: 10e6 });
  }
  return false;
}

async function openPair(sys: Syscalls): Promise<[number, number] | Errno> {
  const m = await open(sys, "/dev/ptmx", O.RDWR | O.NOCTTY | O.CLOEXEC);
  if (isErrno(m)) return m;
  const n = sys.ioctl(m, TIOC.GPTN);
  if (typeof n !== "number" || n < 0) return Errno.EINVAL;
  if (sys.ioctl(m, TIOC.SPTLCK, 0) !== 0) return Errno.EINVAL;
  return [m, n];
}

Deno.test("devpts: /dev/ptmx numbers pairs from 0; the slave opens once unlocked; bytes cross both ways", async () => {
  await withPts(async (sys) => {
    const m = await open(sys, "/dev/ptmx", O.RDWR);
    if (isErrno(m)) return 1;
    if (sys.ioctl(m, TIOC.GPTN) !== 0) return 2;
    if (!sys.isatty(m)) return 3;
    if ((await open(sys, "/dev/pts/0", O.RDWR)) !== Errno.EIO) return 4; // locked
    sys.ioctl(m, TIOC.SPTLCK, 0);
    const s = await open(sys, "/dev/pts/0", O.RDWR | O.NOCTTY);
    if (isErrno(s)) return 5;
    const st = sys.fstat(s);
    if (isErrno(st) || (st.mode & 0o170777) !== 0o020620 || st.rdev !== (136 << 8)) return 6;
    const names = sys.getdents64(await open(sys, "/dev/pts", O.RDONLY | O.DIRECTORY) as number);
    if (
      isErrno(names) ||
      names.map((d) => d.name).filter((x) => !x.startsWith(".")).sort().join() !== "0,ptmx"
    ) return 7;
    // Slave output reaches the master with ONLCR; typed bytes are echoed and cooked.
    await sys.write(s, enc.encode("out\n"));
    if ((await readUntil(sys, m, "out\r\n")) !== "out\r\n") return 8;
    await sys.write(m, enc.encode("ab\x7fc\n"));
    const line = new Uint8Array(16);
    const n = await sys.read(s, line);
    if (isErrno(n) || dec.decode(line.subarray(0, n)) !== "ac\n") return 9;
    if (!(await readUntil(sys, m, "\r\n")).startsWith("ab\b \bc\r\n")) return 10;
    // ^D on an empty line: the slave reads end of input once.
    await sys.write(m, enc.encode("\x04"));
    if ((await sys.read(s, line)) !== 0) return 11;
    // Window size is shared by both sides.
    sys.ioctl(m, TIOCSWINSZ, { rows: 50, cols: 132 });
    const ws = sys.ioctl(s, TIOCGWINSZ) as { rows: number; cols: number };
    if (ws.rows !== 50 || ws.cols !== 132) return 12;
    // A second pair takes the next number; a freed number is used again.
    const pair = await openPair(sys);
    if (isErrno(pair) || pair[1] !== 1) return 13;
    sys.close(pair[0]);
    if ((await open(sys, "/dev/pts/1", O.RDWR)) !== Errno.ENOENT) return 14;
    // Hang-up: closing the master makes slave reads return 0 and writes EIO.
    sys.close(m);
    if ((await sys.read(s, line)) !== 0) return 15;
    if ((await sys.write(s, enc.encode("x"))) !== Errno.EIO) return 16;
    sys.close(s);
    if ((await open(sys, "/dev/pts/0", O.RDWR)) !== Errno.ENOENT) return 17;
    return 0;
  });
});

Deno.test("devpts: flow control — a writer nobody reads fills the buffer, then waits (EAGAIN when nonblocking)", async () => {
  await withPts(async (sys) => {
    const pair = await openPair(sys);
    if (isErrno(pair)) return 1;
    const [m, n] = pair;
    const s = await open(sys, `/dev/pts/${n}`, O.RDWR | O.NOCTTY | O.NONBLOCK);
    if (isErrno(s)) return 2;
    const big = new Uint8Array(PTY_BUFFER + 1000).fill(0x61);
    if ((await sys.write(s, big)) !== PTY_BUFFER) return 3; // what fits
    if ((await sys.write(s, big)) !== Errno.EAGAIN) return 4;
    // Not writable until the master reads; then the rest goes through.
    const out = [{ fd: s, events: 4, revents: 0 }];
    if ((await sys.poll(out, 0)) !== 0) return 5;
    const buf = new Uint8Array(PTY_BUFFER);
    let got = 0;
    while (got < PTY_BUFFER) {
      const r = await sys.read(m, buf);
      if (isErrno(r)) return 6;
      got += r;
    }
    if ((await sys.poll(out, 0)) !== 1 || (await sys.write(s, enc.encode("tail"))) !== 4) return 7;
    if (dec.decode(buf.subarray(0, (await sys.read(m, buf)) as number)) !== "tail") return 8;
    // Typed input the slave does not read stops at the same limit; the line is capped.
    sys.fcntl(m, 4, O.NONBLOCK);
    const line = new Uint8Array(10000).fill(0x62);
    let typed = 0;
    for (let i = 0; i < 100; i++) {
      const r = await sys.write(m, i % 2 ? enc.encode("\n") : line);
      if (r === Errno.EAGAIN) break;
      if (isErrno(r)) return 9;
      typed += r;
    }
    const pendingIn = sys.ioctl(s, 0x541b);
    if (typeof pendingIn !== "number" || pendingIn > PTY_BUFFER || pendingIn < 4096) return 10;
    const first = new Uint8Array(PTY_BUFFER);
    const r = await sys.read(s, first);
    if (r !== 4096 || first[4095] !== 10) return 11; // 4095 bytes and the newline
    return typed > 0 ? 0 : 12;
  });
});

Deno.test("devpts: every mount is its own instance numbering from 0; mount options apply", async () => {
  await withPts(async (sys) => {
    sys.mkdirat(AT.FDCWD, "/tmp/pts2", 0o755);
    if (sys.mount("devpts", "/tmp/pts2", "devpts", 0, "gid=5,mode=600") !== 0) return 1;
    const a = await openPair(sys);
    const b = await open(sys, "/tmp/pts2/ptmx", O.RDWR);
    if (isErrno(a) || isErrno(b)) return 2;
    if (a[1] !== 0 || sys.ioctl(b, TIOC.GPTN) !== 0) return 3;
    const st = sys.fstatat(AT.FDCWD, "/tmp/pts2/0", 0);
    if (isErrno(st) || st.gid !== 5 || (st.mode & 0o777) !== 0o600) return 4;
    if (sys.mount("devpts", "/tmp", "devpts", 0, "bogus=1") !== Errno.EINVAL) return 5;
    return 0;
  });
  assert.deepEqual(parseDevptsOptions("newinstance,ptmxmode=0666,max=4"), {
    ptmxMode: 0o666,
    max: 4,
  });
});

/** Start `sh` as a session leader on slave `n` (it becomes its controlling terminal). */
async function shellOn(sys: Syscalls, n: number): Promise<number | Errno> {
  return await sys.spawn({
    path: "/bin/sh",
    argv: ["sh"],
    setsid: true,
    fileActions: [
      { op: "open", fd: 0, path: `/dev/pts/${n}`, flags: O.RDWR, mode: 0 },
      { op: "dup2", fd: 0, newfd: 1 },
      { op: "dup2", fd: 0, newfd: 2 },
    ],
  });
}

Deno.test("devpts: sh on the slave — typed commands echo and run, tty names the slave, ^C stops the foreground sleep", async () => {
  await withPts(async (sys) => {
    const pair = await openPair(sys);
    if (isErrno(pair)) return 1;
    const [m, n] = pair;
    const sh = await shellOn(sys, n);
    if (isErrno(sh)) return 2;
    // Type each line once the prompt is there, as a person would.
    if (!(await readUntil(sys, m, "$ ")).endsWith("$ ")) return 3;
    const typed = async (line: string, want: string): Promise<boolean> => {
      await sys.write(m, enc.encode(line));
      return (await readUntil(sys, m, want + "$ ")).endsWith(want + "$ ");
    };
    if (!(await typed("echo hi\n", "echo hi\r\nhi\r\n"))) return 4;
    if (!(await typed("tty\n", "tty\r\n/dev/pts/0\r\n"))) return 5;
    // /dev/tty is the controlling terminal: the pty the shell got at its first open.
    if (!(await typed("echo x >/dev/tty\n", "echo x >/dev/tty\r\nx\r\n"))) return 6;
    const t0 = Date.now();
    await sys.write(m, enc.encode("sleep 20; echo slept\n"));
    if (!(await waitForProcess(sys, "sleep"))) return 7;
    // ^C reaches the foreground process group (sh, which handles it, and its sleep).
    await sys.write(m, enc.encode("\x03"));
    const out = await readUntil(sys, m, "^C\r\n");
    if (!(await typed("echo after $?\n", "after 130\r\n"))) return 8;
    if (out.includes("\nslept") || Date.now() - t0 > 15000) return 9;
    await sys.write(m, enc.encode("exit 3\n"));
    const w = await sys.wait4(sh, 0);
    if (isErrno(w) || W.EXITSTATUS(w.status) !== 3) return 10;
    // Every slave descriptor is closed: once drained, the master reads EIO.
    let r: number | Errno;
    do r = await sys.read(m, new Uint8Array(64)); while (r > 0);
    if (r !== Errno.EIO) return 11;
    return 0;
  });
});

Deno.test("devpts: closing the master hangs up — SIGHUP to the shell that holds the terminal", async () => {
  await withPts(async (sys) => {
    const pair = await openPair(sys);
    if (isErrno(pair)) return 1;
    const [m, n] = pair;
    const sh = await shellOn(sys, n);
    if (isErrno(sh)) return 2;
    if (!(await readUntil(sys, m, "$ ")).endsWith("$ ")) return 3;
    sys.close(m);
    const w = await sys.wait4(sh, 0);
    if (isErrno(w)) return 4;
    return W.IFSIGNALED(w.status) && W.TERMSIG(w.status) === 1 ? 0 : 5;
  });
});

Deno.test("devpts: job control ioctls — controlling terminal, foreground group, SIGWINCH on resize", async () => {
  const k = new Kernel({ builtins: applets });
  try {
    const root = minimalRoot(k);
    const shared: { n?: number; winch?: number; done?: boolean } = {};
    const holder = await k.spawn({
      argv: ["holder"],
      fs: root.fork(),
      mounts: DEV_MOUNTS.slice(0, 2),
      program: async (sys) => {
        const pair = await openPair(sys);
        if (isErrno(pair)) return 1;
        shared.n = pair[1];
        while (shared.winch === undefined) await sys.nanosleep({ sec: 0, nsec: 5e6 });
        // The leader set up its handler: resize.
        sys.ioctl(pair[0], TIOCSWINSZ, { rows: 10, cols: 20 });
        while (!shared.done) await sys.nanosleep({ sec: 0, nsec: 5e6 });
        return 0;
      },
    });
    const leader = await k.spawn({
      argv: ["leader"],
      fs: root.fork(),
      program: async (sys) => {
        while (shared.n === undefined) await sys.nanosleep({ sec: 0, nsec: 5e6 });
        const s = await open(sys, `/dev/pts/${shared.n}`, O.RDWR);
        if (isErrno(s)) return 1;
        // A session leader without a terminal acquired this one on open.
        if (sys.ioctl(s, TIOC.GSID) !== sys.getpid()) return 2;
        if (sys.ioctl(s, TIOC.GPGRP) !== sys.getpgid(0)) return 3;
        if (sys.ioctl(s, TIOC.SPGRP, 99999) !== Errno.EPERM) return 4;
        let got = 0;
        sys.sigaction(28, () => void got++);
        shared.winch = 0;
        for (let i = 0; i < 400 && got === 0; i++) await sys.nanosleep({ sec: 0, nsec: 5e6 });
        shared.winch = got;
        return got === 1 ? 0 : 5;
      },
    });
    assert.equal((await leader.wait()).exitCode, 0);
    // The first leader exited: the terminal is free for the next session leader.
    const next = await k.spawn({
      argv: ["next"],
      fs: root.fork(),
      program: async (sys) => {
        const s = await open(sys, `/dev/pts/${shared.n}`, O.RDWR);
        if (isErrno(s)) return 1;
        if (sys.ioctl(s, TIOC.GSID) !== sys.getpid()) return 2;
        const tty = await open(sys, "/dev/tty", O.RDWR);
        if (isErrno(tty) || !sys.isatty(tty)) return 3;
        return 0;
      },
    });
    assert.equal((await next.wait()).exitCode, 0);
    shared.done = true;
    assert.equal((await holder.wait()).exitCode, 0);
  } finally {
    await k.shutdown();
  }
});
