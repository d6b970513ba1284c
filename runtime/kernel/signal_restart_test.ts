import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import { Errno } from "./errno.ts";
import type { BuiltinMain } from "./executor.ts";
import { Kernel } from "./kernel.ts";
import { minimalRoot } from "./minimal_root.ts";
import type { ProcessHandle } from "./process_handle.ts";
import type { Process } from "./process.ts";
import { SIG } from "./signals.ts";
import { AT, O, SA, type Syscalls, type Timespec, W } from "./syscalls/api.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();
const say = (sys: Syscalls, text: string) => sys.write(1, enc.encode(text));

/** Wait until `p` sleeps interruptibly (it entered a blocking call). */
async function untilAsleep(p: Process): Promise<void> {
  for (let i = 0; i < 2000; i++) {
    if (p.interrupts.size > 0) return;
    await new Promise((r) => setTimeout(r, 5));
  }
  throw new Error(`process ${p.id} never slept`);
}

/** Wait until `cond()` holds. */
async function until(cond: () => boolean, what = "condition"): Promise<void> {
  for (let i = 0; i < 2000; i++) {
    if (cond()) return;
    await new Promise((r) => setTimeout(r, 5));
  }
  throw new Error(`${what} never held`);
}

async function output(h: ProcessHandle): Promise<string> {
  const out = new Response(h.stdout).text();
  await h.wait();
  return await out;
}
/** Sleeps in pause() until a USR2, then writes "hi" to the fd named by argv[1]. */
const writer: BuiltinMain = async (sys, argv) => {
  sys.sigaction(SIG.USR2, () => {});
  await sys.pause();
  await sys.write(Number(argv[1]), enc.encode("hi"));
  return 0;
};

/** Reads a pipe whose writer waits for a USR2, with a USR1 handler installed with `flags`. */
function pipeReader(flags: number, handled: number[]): BuiltinMain {
  return async (sys) => {
    sys.sigaction(SIG.USR1, (s) => handled.push(s), flags);
    const [r, w] = sys.pipe2(0) as [number, number];
    const pid = await sys.spawn({ path: "writer", argv: ["writer", String(w)] });
    if (typeof pid !== "number" || pid < 0) return 1;
    sys.close(w);
    const buf = new Uint8Array(16);
    const n = await sys.read(r, buf);
    const got = n === Errno.EINTR ? "EINTR" : `${n} ${dec.decode(buf.subarray(0, n as number))}`;
    await say(sys, `read ${got} handled ${handled.length}\n`);
    sys.kill(pid, SIG.KILL);
    await sys.wait4(pid, 0);
    return 0;
  };
}

/** Start the reader, wait until it and its writer sleep, and send the reader a USR1. */
async function interruptReader(flags: number, handled: number[]) {
  const k = new Kernel({ builtins: { writer, reader: pipeReader(flags, handled) } });
  const h = await k.spawn({ argv: ["reader"], fs: minimalRoot(k) });
  const out = new Response(h.stdout).text();
  await until(() => h.process.children.size === 1, "spawned");
  const kid = [...h.process.children][0]!;
  await untilAsleep(h.process);
  await untilAsleep(kid);
  h.kill(SIG.USR1);
  return { k, h, kid, out };
}

Deno.test("SA_RESTART: a read on a pipe interrupted by a handler starts again and gets the data", async () => {
  const handled: number[] = [];
  const { k, h, kid, out } = await interruptReader(SA.RESTART, handled);
  try {
    // The handler runs, then the read sleeps again (restarted) before any data exists.
    await until(() => handled.length === 1 && h.process.interrupts.size > 0, "restarted");
    k.sendSignal(kid, SIG.USR2);
    await h.wait();
    assertEquals(await out, "read 2 hi handled 1\n");
  } finally {
    await k.shutdown();
  }
});

Deno.test("without SA_RESTART the same read fails with EINTR after the handler ran", async () => {
  const { k, h, out } = await interruptReader(0, []);
  try {
    await h.wait();
    assertEquals(await out, "read EINTR handled 1\n");
  } finally {
    await k.shutdown();
  }
});

Deno.test("SA_RESTART: wait4 restarts and reaps the child; without it wait4 gives EINTR", async () => {
  const child: BuiltinMain = async (sys) => {
    await sys.pause();
    return 0;
  };
  for (const flags of [SA.RESTART, 0]) {
    const parent: BuiltinMain = async (sys) => {
      let handled = 0;
      sys.sigaction(SIG.USR1, () => handled++, flags);
      const pid = await sys.spawn({ path: "child", argv: ["child"] });
      if (typeof pid !== "number" || pid < 0) return 1;
      const r = await sys.wait4(pid, 0);
      if (typeof r === "number") {
        await say(sys, `wait4 ${r === Errno.EINTR ? "EINTR" : r} handled ${handled}\n`);
        sys.kill(pid, SIG.KILL);
        await sys.wait4(pid, 0);
      } else {
        const same = r.pid === pid;
        await say(sys, `wait4 child=${same} sig ${W.TERMSIG(r.status)} handled ${handled}\n`);
      }
      return 0;
    };
    const k = new Kernel({ builtins: { child, parent } });
    try {
      const h = await k.spawn({ argv: ["parent"] });
      const out = new Response(h.stdout).text();
      await until(() => h.process.children.size === 1);
      const kid = [...h.process.children][0]!;
      await untilAsleep(h.process);
      await untilAsleep(kid);
      h.kill(SIG.USR1);
      if (flags) {
        await until(() => h.process.interrupts.size > 0 && !h.process.hasDeliverable);
        k.sendSignal(kid, SIG.TERM);
      }
      await h.wait();
      assertEquals(
        await out,
        flags ? "wait4 child=true sig 15 handled 1\n" : "wait4 EINTR handled 1\n",
      );
    } finally {
      await k.shutdown();
    }
  }
});

Deno.test("SA_RESTART does not restart nanosleep, pause or poll: EINTR, and nanosleep reports the time left", async () => {
  const handled: string[] = [];
  const prog: BuiltinMain = async (sys) => {
    sys.sigaction(SIG.USR1, () => handled.push("usr1"), SA.RESTART);
    const rem: Timespec = { sec: -1, nsec: -1 };
    const t0 = performance.now();
    const slept = await sys.nanosleep({ sec: 60, nsec: 0 }, rem);
    const ms = performance.now() - t0;
    const left = rem.sec * 1000 + rem.nsec / 1e6;
    const sane = left > 0 && Math.abs(60_000 - ms - left) < 1000;
    await say(sys, `nanosleep ${slept === Errno.EINTR ? "EINTR" : slept} rem ${sane}\n`);
    const paused = await sys.pause();
    await say(sys, `pause ${paused === Errno.EINTR ? "EINTR" : paused}\n`);
    const [r] = sys.pipe2(0) as [number, number];
    const polled = await sys.poll([{ fd: r, events: 1, revents: 0 }], -1);
    await say(sys, `poll ${polled === Errno.EINTR ? "EINTR" : polled}\n`);
    return 0;
  };
  const k = new Kernel({ builtins: {} });
  try {
    const h = await k.spawn({ argv: ["p"], program: prog, fs: minimalRoot(k) });
    const out = new Response(h.stdout).text();
    for (let i = 1; i <= 3; i++) {
      await until(
        () => handled.length === i - 1 && h.process.interrupts.size > 0,
        `sleep ${i} (${handled.length} handled)`,
      );
      h.kill(SIG.USR1);
    }
    await h.wait();
    assertEquals(await out, "nanosleep EINTR rem true\npause EINTR\npoll EINTR\n");
    assertEquals(handled.length, 3);
  } finally {
    await k.shutdown();
  }
});

Deno.test("SA_RESETHAND runs the handler once, then the default action kills; SA_NODEFER lets the signal nest", async () => {
  const seen: string[] = [];
  const once: BuiltinMain = async (sys) => {
    sys.sigaction(SIG.USR1, () => seen.push("once"), SA.RESETHAND);
    sys.kill(sys.getpid(), SIG.USR1);
    await say(sys, `after first ${seen.length}\n`);
    sys.kill(sys.getpid(), SIG.USR1);
    await say(sys, "not reached\n");
    return 0;
  };
  const nest: BuiltinMain = async (sys) => {
    let depth = 0;
    let max = 0;
    sys.sigaction(SIG.USR2, () => {
      depth++;
      max = Math.max(max, depth);
      if (depth < 3) sys.kill(sys.getpid(), SIG.USR2);
      depth--;
    }, SA.NODEFER);
    sys.kill(sys.getpid(), SIG.USR2);
    await say(sys, `nested ${max}\n`);
    return 0;
  };
  const k = new Kernel({ builtins: { once, nest } });
  try {
    const h = await k.spawn({ argv: ["once"] });
    const out = new Response(h.stdout).text();
    const st = await h.wait();
    assertEquals([await out, st.signal], ["after first 1\n", SIG.USR1]);
    const n = await k.spawn({ argv: ["nest"] });
    assertEquals(await output(n), "nested 3\n");
    ok(seen.length === 1);
  } finally {
    await k.shutdown();
  }
});

Deno.test("a read of host stdin sleeps interruptibly: EINTR without SA_RESTART (no data lost), a restart with it", async () => {
  for (const flags of [0, SA.RESTART]) {
    const handled: number[] = [];
    const prog: BuiltinMain = async (sys) => {
      sys.sigaction(SIG.USR1, (s) => handled.push(s), flags);
      const buf = new Uint8Array(16);
      const first = await sys.read(0, buf);
      const a = first === Errno.EINTR ? "EINTR" : dec.decode(buf.subarray(0, first as number));
      const second = flags ? 0 : await sys.read(0, buf);
      const b = flags ? "" : ` then ${dec.decode(buf.subarray(0, second as number))}`;
      await say(sys, `${a}${b} handled ${handled.length}\n`);
      return 0;
    };
    const k = new Kernel({ builtins: {} });
    try {
      const h = await k.spawn({ argv: ["r"], program: prog, stdin: "pipe" });
      await untilAsleep(h.process);
      h.kill(SIG.USR1);
      await until(() => handled.length === 1 && h.process.interrupts.size > 0, "asleep again");
      const w = h.stdin!.getWriter();
      await w.write(enc.encode("data"));
      await w.close();
      assertEquals(await output(h), flags ? "data handled 1\n" : "EINTR then data handled 1\n");
    } finally {
      await k.shutdown();
    }
  }
});

Deno.test("SA_RESTART: a flock(LOCK_EX) wait interrupted by a handler waits again and gets the lock", async () => {
  for (const flags of [SA.RESTART, 0]) {
    const handled: number[] = [];
    const waiter: BuiltinMain = async (sys) => {
      sys.sigaction(SIG.USR1, (s) => handled.push(s), flags);
      const fd = await sys.openat(AT.FDCWD, "/tmp/l", O.RDWR | O.CREAT, 0o644) as number;
      const r = await sys.flock(fd, 2);
      await say(sys, `flock ${r === Errno.EINTR ? "EINTR" : r} handled ${handled.length}\n`);
      return 0;
    };
    const holder: BuiltinMain = async (sys) => {
      sys.sigaction(SIG.USR2, () => {});
      const fd = await sys.openat(AT.FDCWD, "/tmp/l", O.RDWR | O.CREAT, 0o644) as number;
      if ((await sys.flock(fd, 2)) !== 0) return 1;
      await say(sys, "locked\n");
      await sys.pause(); // until USR2
      return 0; // exit drops the lock
    };
    const k = new Kernel({ builtins: { waiter, holder } });
    try {
      const root = minimalRoot(k);
      // Same namespace, own descriptors (a fork of the state later would share a's lock).
      const rootB = root.fork();
      const a = await k.spawn({ argv: ["holder"], fs: root });
      const reader = a.stdout!.getReader();
      await reader.read();
      reader.releaseLock();
      const b = await k.spawn({ argv: ["waiter"], fs: rootB });
      await untilAsleep(b.process);
      b.kill(SIG.USR1);
      if (flags) await until(() => handled.length === 1 && b.process.interrupts.size > 0);
      a.kill(SIG.USR2);
      assertEquals(
        await output(b),
        flags ? "flock 0 handled 1\n" : "flock EINTR handled 1\n",
      );
      await a.wait();
    } finally {
      await k.shutdown();
    }
  }
});
