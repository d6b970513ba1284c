import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import { Errno } from "../errno.ts";
import type { BuiltinMain } from "../executor.ts";
import { Kernel } from "../kernel.ts";
import { minimalRoot } from "../minimal_root.ts";
import { AT, CLONE, O, type Syscalls, W } from "./api.ts";

const enc = new TextEncoder();
const say = (sys: Syscalls, v: unknown) => sys.write(1, enc.encode(JSON.stringify(v) + "\n"));

async function run(k: Kernel, argv: string[], opts: { root?: boolean; flags?: number } = {}) {
  const h = await k.spawn({
    argv,
    fs: opts.root ? minimalRoot(k) : undefined,
    cloneFlags: opts.flags,
  });
  const out = await new Response(h.stdout).text();
  await h.wait();
  return out.trim().split("\n").map((l) => JSON.parse(l));
}

Deno.test("sessions and groups: setsid, setpgid, getpgid, getsid, kill(0) and kill(-pgid)", async () => {
  const member: BuiltinMain = async (sys) => {
    await sys.nanosleep({ sec: 60, nsec: 0 });
    return 0;
  };
  const leader: BuiltinMain = async (sys) => {
    const me = sys.getpid();
    const r: unknown[] = [sys.setsid(), sys.getsid(0) === me, sys.getpgid(0) === me];
    const a = await sys.spawn({ path: "member", argv: ["member"], pgid: 0 });
    const b = await sys.spawn({ path: "member", argv: ["member"] });
    r.push(sys.setpgid(b, a), sys.getpgid(b) === a, sys.setpgid(b, 9999) === Errno.EPERM);
    r.push(sys.kill(-a, 15));
    for (let i = 0; i < 2; i++) {
      const w = await sys.wait4(-1, 0);
      if (typeof w !== "number") r.push(W.TERMSIG(w.status));
    }
    r.push(sys.setsid() === Errno.EPERM);
    await say(sys, r);
    return 0;
  };
  const k = new Kernel({ builtins: { member, leader } });
  try {
    const [r] = await run(k, ["leader"], { flags: CLONE.NEWPID });
    assertEquals(r, [Errno.EPERM, true, true, 0, true, true, 0, 15, 15, true]);
  } finally {
    await k.shutdown();
  }
});

Deno.test("hostname lives in the UTS namespace; uname reports Linux", async () => {
  const host: BuiltinMain = async (sys, argv) => {
    if (argv[1]) sys.sethostname(argv[1]);
    const u = sys.uname();
    await say(sys, [u.sysname, u.nodename]);
    return 0;
  };
  const k = new Kernel({ builtins: { host }, hostname: "machine" });
  try {
    assertEquals(await run(k, ["host", "c1"], { flags: CLONE.NEWUTS }), [["Linux", "c1"]]);
    assertEquals(await run(k, ["host"]), [["Linux", "machine"]]);
  } finally {
    await k.shutdown();
  }
});

Deno.test("credentials: setuid drops root for good; non-root cannot sethostname or unshare", async () => {
  const creds: BuiltinMain = async (sys) => {
    const r = [sys.setuid(1000), sys.getuid(), sys.geteuid(), sys.setuid(0), sys.sethostname("x")];
    r.push(sys.unshare(CLONE.NEWUTS), sys.setgroups([1]));
    await say(sys, r);
    return 0;
  };
  const k = new Kernel({ builtins: { creds } });
  try {
    assertEquals(await run(k, ["creds"]), [[
      0,
      1000,
      1000,
      Errno.EPERM,
      Errno.EPERM,
      Errno.EPERM,
      Errno.EPERM,
    ]]);
  } finally {
    await k.shutdown();
  }
});

Deno.test("unshare(CLONE_NEWPID) puts the next child at pid 1 of a new namespace", async () => {
  const kid: BuiltinMain = async (sys) => {
    await say(sys, [sys.getpid(), sys.getppid()]);
    return 0;
  };
  const parent: BuiltinMain = async (sys) => {
    const me = sys.getpid();
    sys.unshare(CLONE.NEWPID);
    const c = await sys.spawn({ path: "kid", argv: ["kid"] });
    await sys.wait4(c, 0);
    await say(sys, [sys.getpid() === me, c > 0]);
    return 0;
  };
  const k = new Kernel({ builtins: { kid, parent } });
  try {
    assertEquals(await run(k, ["parent"]), [[1, 0], [true, true]]);
  } finally {
    await k.shutdown();
  }
});

Deno.test("prlimit RLIMIT_NOFILE bounds descriptors (EMFILE); exec closes O_CLOEXEC descriptors", async () => {
  const after: BuiltinMain = async (sys, argv) => {
    await say(sys, { fd3: sys.fcntl(Number(argv[1]), 1), fd4: sys.fcntl(Number(argv[2]), 1) });
    return 0;
  };
  const before: BuiltinMain = async (sys) => {
    const old = sys.prlimit(0, 7, [5, 5]);
    const a = await sys.openat(AT.FDCWD, "/etc/passwd", O.RDONLY, 0);
    const b = await sys.openat(AT.FDCWD, "/etc/passwd", O.RDONLY | O.CLOEXEC, 0);
    const c = await sys.openat(AT.FDCWD, "/etc/passwd", O.RDONLY, 0);
    await say(sys, { old, a, b, c });
    sys.prlimit(0, 7, [64, 64]);
    await sys.execve("/bin/after", ["after", String(a), String(b)], []);
    return 1;
  };
  const k = new Kernel({ builtins: { before, after } });
  try {
    const r = await run(k, ["before"], { root: true });
    assertEquals(r, [{ old: [1024, 1048576], a: 3, b: 4, c: Errno.EMFILE }, {
      fd3: 0,
      fd4: Errno.EBADF,
    }]);
  } finally {
    await k.shutdown();
  }
});

Deno.test("clocks, rusage and getrandom", async () => {
  const clocks: BuiltinMain = async (sys) => {
    const m1 = sys.clock_gettime(1);
    let x = 0;
    const end = performance.now() + 20;
    while (performance.now() < end) x++;
    await sys.sched_yield();
    const m2 = sys.clock_gettime(1);
    const cpu = sys.clock_gettime(2);
    const real = sys.clock_gettime(0);
    const ru = sys.getrusage(0);
    const buf = new Uint8Array(32);
    await say(sys, {
      mono: typeof m1 !== "number" && typeof m2 !== "number" &&
        (m2.sec * 1e9 + m2.nsec) - (m1.sec * 1e9 + m1.nsec) >= 19e6,
      cpu: typeof cpu !== "number" && cpu.sec * 1e9 + cpu.nsec >= 19e6,
      real: typeof real !== "number" && Math.abs(real.sec - Date.now() / 1000) < 5,
      ru: typeof ru !== "number" && ru.utimeUsec >= 19_000,
      rnd: sys.getrandom(buf) === 32 && buf.some((b) => b !== 0),
      bad: sys.clock_gettime(99),
      x: x > 0,
    });
    return 0;
  };
  const k = new Kernel({ builtins: { clocks } });
  try {
    const [r] = await run(k, ["clocks"]);
    assertEquals(r, {
      mono: true,
      cpu: true,
      real: true,
      ru: true,
      rnd: true,
      bad: Errno.EINVAL,
      x: true,
    });
  } finally {
    await k.shutdown();
  }
});

Deno.test("wait4 forms: ECHILD without children, WNOHANG with a running child, group selection", async () => {
  const napper: BuiltinMain = async (sys) => {
    await sys.nanosleep({ sec: 0, nsec: 20e6 });
    return 9;
  };
  const parent: BuiltinMain = async (sys) => {
    const r: unknown[] = [await sys.wait4(-1, 0)];
    const c = await sys.spawn({ path: "napper", argv: ["napper"] });
    const nh = await sys.wait4(-1, W.NOHANG);
    r.push(typeof nh === "number" ? nh : nh.pid);
    r.push(await sys.wait4(c + 1000, 0));
    const g = await sys.wait4(0, 0);
    r.push(typeof g === "number" ? g : [g.pid === c, W.EXITSTATUS(g.status)]);
    await say(sys, r);
    return 0;
  };
  const k = new Kernel({ builtins: { napper, parent } });
  try {
    const [r] = await run(k, ["parent"]);
    assertEquals(r, [Errno.ECHILD, 0, Errno.ECHILD, [true, 9]]);
    ok(true);
  } finally {
    await k.shutdown();
  }
});

Deno.test("system time: blocking-capable calls are timed, non-blocking calls are sampled", async () => {
  const busy: BuiltinMain = async (sys) => {
    for (let i = 0; i < 200_000; i++) sys.getrandom(new Uint8Array(64));
    await sys.sched_yield();
    const ru = sys.getrusage(0);
    await say(sys, typeof ru === "number" ? ru : ru.stimeUsec > 0);
    return 0;
  };
  const k = new Kernel({ builtins: { busy } });
  try {
    assertEquals(await run(k, ["busy"]), [true]);
  } finally {
    await k.shutdown();
  }
});

Deno.test("spawn with CLONE_NEW* needs root (EPERM) and rejects unknown flags (EINVAL)", async () => {
  const k = new Kernel({
    builtins: {
      nsspawn: async (sys) => {
        const bad = await sys.spawn({ path: "nsspawn", argv: ["x"], cloneFlags: 0x100 });
        sys.setuid(1000);
        const perm = await sys.spawn({ path: "nsspawn", argv: ["x"], cloneFlags: CLONE.NEWPID });
        await say(sys, [bad, perm]);
        return 0;
      },
    },
  });
  try {
    assertEquals(await run(k, ["nsspawn"]), [[Errno.EINVAL, Errno.EPERM]]);
  } finally {
    await k.shutdown();
  }
});
