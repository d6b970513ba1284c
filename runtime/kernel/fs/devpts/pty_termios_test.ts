import assert from "node:assert/strict";
import { Errno, isErrno } from "../../errno.ts";
import { Kernel } from "../../kernel.ts";
import { minimalRoot } from "../../minimal_root.ts";
import { AT, O, type Syscalls } from "../../syscalls/api.ts";
import {
  decodeTermios,
  encodeTermios,
  IFLAG,
  LFLAG,
  OFLAG,
  TC,
  type Termios,
  TERMIOS_SIZE,
  V,
} from "../../syscalls/termios.ts";
import { applets } from "../../../userland/mod.ts";
import { TIOC } from "./pty.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();

/** Run `main` as a process with /dev and /dev/pts mounted and a pair open: [master, slave]. */
async function withPair(
  main: (sys: Syscalls, m: number, s: number) => number | Promise<number>,
) {
  const k = new Kernel({ builtins: applets });
  try {
    const h = await k.spawn({
      argv: ["termios-test"],
      fs: minimalRoot(k),
      mounts: [
        { source: "dev", target: "/dev", fstype: "devtmpfs" },
        { source: "devpts", target: "/dev/pts", fstype: "devpts" },
      ],
      program: async (sys) => {
        const m = await sys.openat(AT.FDCWD, "/dev/ptmx", O.RDWR | O.NOCTTY, 0);
        if (isErrno(m)) return 100;
        sys.ioctl(m, TIOC.SPTLCK, 0);
        const s = await sys.openat(AT.FDCWD, "/dev/pts/0", O.RDWR | O.NOCTTY, 0);
        if (isErrno(s)) return 101;
        return await main(sys, m, s);
      },
    });
    const st = await h.wait();
    assert.equal(st.exitCode, 0, `the test program failed at step ${st.exitCode}`);
  } finally {
    await k.shutdown();
  }
}

function getAttr(sys: Syscalls, fd: number): Termios {
  const buf = new Uint8Array(TERMIOS_SIZE);
  assert.equal(sys.ioctl(fd, TC.GETS, buf), 0);
  return decodeTermios(buf)!;
}

function setAttr(sys: Syscalls, fd: number, t: Termios, req: number = TC.SETS): number | Errno {
  const buf = new Uint8Array(TERMIOS_SIZE);
  encodeTermios(t, buf);
  return sys.ioctl(fd, req, buf) as number | Errno;
}

/** Whatever the master has to read now (after a short settle). */
async function drain(sys: Syscalls, m: number): Promise<string> {
  let got = "";
  const buf = new Uint8Array(4096);
  for (;;) {
    const fds = [{ fd: m, events: 1, revents: 0 }];
    if ((await sys.poll(fds, 50)) !== 1) return got;
    const n = await sys.read(m, buf);
    if (isErrno(n) || n === 0) return got;
    got += dec.decode(buf.subarray(0, n));
  }
}

Deno.test("termios: TCGETS gives Linux's default cooked attributes in struct termios layout; both sides share them", async () => {
  await withPair((sys, m, s) => {
    const t = getAttr(sys, s);
    if ((t.lflag & (LFLAG.ICANON | LFLAG.ECHO | LFLAG.ISIG)) !== 0o13) return 1;
    if ((t.iflag & IFLAG.ICRNL) === 0 || t.oflag !== (OFLAG.OPOST | OFLAG.ONLCR)) return 2;
    if (t.cc[V.INTR] !== 3 || t.cc[V.EOF] !== 4 || t.cc[V.MIN] !== 1) return 3;
    // The raw bytes: c_lflag at offset 12, c_cc[VINTR] at 17.
    const raw = new Uint8Array(TERMIOS_SIZE);
    sys.ioctl(s, TC.GETS, raw);
    if (new DataView(raw.buffer).getUint32(12, true) !== t.lflag || raw[17] !== 3) return 4;
    if (sys.ioctl(s, TC.GETS, new Uint8Array(8)) !== Errno.EFAULT) return 5;
    if (sys.ioctl(s, TC.SETS, { lflag: 0 }) !== Errno.EFAULT) return 6;
    t.lflag &= ~LFLAG.ECHO;
    if (setAttr(sys, m, t) !== 0) return 7; // set on the master, seen on the slave
    if ((getAttr(sys, s).lflag & LFLAG.ECHO) !== 0) return 8;
    return 0;
  });
});

Deno.test("termios: -echo types without echo; raw delivers bytes as typed, ^C as a byte, CR unchanged, no ONLCR", async () => {
  await withPair(async (sys, m, s) => {
    const t = getAttr(sys, s);
    t.lflag &= ~LFLAG.ECHO;
    setAttr(sys, s, t);
    await sys.write(m, enc.encode("secret\n"));
    const line = new Uint8Array(64);
    const n = await sys.read(s, line);
    if (dec.decode(line.subarray(0, n as number)) !== "secret\n") return 1;
    if ((await drain(sys, m)) !== "") return 2;
    // Raw: no ICANON, ISIG, ICRNL, OPOST.
    t.lflag &= ~(LFLAG.ICANON | LFLAG.ISIG);
    t.iflag &= ~IFLAG.ICRNL;
    t.oflag &= ~OFLAG.OPOST;
    setAttr(sys, s, t, TC.SETSW);
    await sys.write(m, enc.encode("a\x03\r"));
    const r = await sys.read(s, line);
    if (r !== 3 || Array.from(line.subarray(0, 3)).join() !== "97,3,13") return 3;
    await sys.write(s, enc.encode("x\ny"));
    if ((await drain(sys, m)) !== "x\ny") return 4;
    // Cbreak with echo: each key is echoed and readable at once; ^C still interrupts (ISIG).
    t.lflag |= LFLAG.ECHO | LFLAG.ISIG;
    setAttr(sys, s, t);
    await sys.write(m, enc.encode("q"));
    if ((await sys.read(s, line)) !== 1 || String.fromCharCode(line[0]!) !== "q") return 5;
    if ((await drain(sys, m)) !== "q") return 6;
    return 0;
  });
});

Deno.test("termios: leaving ICANON hands the partial line on; TCSETSF discards unread input", async () => {
  await withPair(async (sys, m, s) => {
    const t = getAttr(sys, s);
    await sys.write(m, enc.encode("done\npart"));
    const raw = { ...t, lflag: t.lflag & ~LFLAG.ICANON };
    setAttr(sys, s, raw);
    const buf = new Uint8Array(64);
    const n = await sys.read(s, buf);
    if (dec.decode(buf.subarray(0, n as number)) !== "done\npart") return 1;
    await sys.write(m, enc.encode("junk"));
    setAttr(sys, s, t, TC.SETSF);
    if (sys.ioctl(s, 0x541b) !== 0) return 2; // FIONREAD: nothing left
    return 0;
  });
});

Deno.test("termios: VMIN/VTIME — MIN=0 TIME=0 returns at once, TIME waits then returns 0, MIN waits for MIN bytes", async () => {
  await withPair(async (sys, m, s) => {
    const t = getAttr(sys, s);
    t.lflag &= ~(LFLAG.ICANON | LFLAG.ECHO);
    t.cc[V.MIN] = 0;
    t.cc[V.TIME] = 0;
    setAttr(sys, s, t);
    const buf = new Uint8Array(16);
    if ((await sys.read(s, buf)) !== 0) return 1;
    t.cc[V.TIME] = 2; // 0.2 s
    setAttr(sys, s, t);
    const t0 = Date.now();
    if ((await sys.read(s, buf)) !== 0) return 2;
    if (Date.now() - t0 < 150) return 3;
    t.cc[V.MIN] = 3;
    t.cc[V.TIME] = 0;
    setAttr(sys, s, t);
    await sys.write(m, enc.encode("ab"));
    const p = sys.read(s, buf);
    await sys.nanosleep({ sec: 0, nsec: 50e6 });
    await sys.write(m, enc.encode("c"));
    if ((await p) !== 3) return 4;
    // MIN with an inter-byte timer: one byte, then TIME passes: the byte alone.
    t.cc[V.TIME] = 1;
    setAttr(sys, s, t);
    await sys.write(m, enc.encode("z"));
    if ((await sys.read(s, buf)) !== 1) return 5;
    return 0;
  });
});
