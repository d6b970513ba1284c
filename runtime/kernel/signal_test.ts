import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import { Errno } from "./errno.ts";
import type { BuiltinMain } from "./executor.ts";
import { Kernel } from "./kernel.ts";
import { minimalRoot } from "./minimal_root.ts";
import { SIG, sigBit } from "./signals.ts";
import { type Syscalls, W } from "./syscalls/api.ts";

const enc = new TextEncoder();
const say = (sys: Syscalls, text: string) => sys.write(1, enc.encode(text));
const sleepMs = (sys: Syscalls, ms: number) =>
  sys.nanosleep({ sec: Math.floor(ms / 1000), nsec: (ms % 1000) * 1e6 });

async function run(k: Kernel, argv: string[], useRoot = false) {
  const h = await k.spawn({ argv, fs: useRoot ? minimalRoot(k) : undefined });
  const out = new Response(h.stdout).text();
  const st = await h.wait();
  return { out: await out, ...st };
}

Deno.test("default actions: SIGTERM terminates (143), SIGCHLD is ignored, SIGKILL cannot be caught", async () => {
  const victim: BuiltinMain = async (sys) => {
    sys.kill(0, SIG.CHLD);
    await say(sys, `sigaction KILL ${sys.sigaction(SIG.KILL, () => {}) === Errno.EINVAL}\n`);
    sys.kill(sys.getpid(), SIG.TERM);
    await say(sys, "not reached\n");
    return 0;
  };
  const k = new Kernel({ builtins: { victim } });
  try {
    const r = await run(k, ["victim"]);
    assertEquals(r.out, "sigaction KILL true\n");
    assertEquals([r.exitCode, r.signal, W.IFSIGNALED(r.status)], [143, 15, true]);
  } finally {
    await k.shutdown();
  }
});

Deno.test("a handler runs, and interrupts a sleep with EINTR", async () => {
  const waiter: BuiltinMain = async (sys) => {
    const got: number[] = [];
    sys.sigaction(SIG.USR1, (s) => got.push(s));
    await say(sys, "ready\n");
    const r = await sleepMs(sys, 60_000);
    await say(sys, `sleep ${r === Errno.EINTR ? "EINTR" : r} handled ${got}\n`);
    return 0;
  };
  const k = new Kernel({ builtins: { waiter } });
  try {
    const h = await k.spawn({ argv: ["waiter"] });
    const reader = h.stdout!.getReader();
    await reader.read();
    // "ready" is out, but the waiter may not be asleep yet: a signal before the sleep would
    // be handled then and the sleep would run its full minute.
    while (h.process.interrupts.size === 0) await new Promise((r) => setTimeout(r, 1));
    h.kill(SIG.USR1);
    const rest = await reader.read();
    assertEquals(new TextDecoder().decode(rest.value), "sleep EINTR handled 10\n");
    assertEquals((await h.wait()).exitCode, 0);
    reader.releaseLock();
  } finally {
    await k.shutdown();
  }
});

Deno.test("SIGCHLD reaches the parent's handler when a child exits (blocked, then delivered on unblock)", async () => {
  const child: BuiltinMain = () => Promise.resolve(3);
  const parent: BuiltinMain = async (sys) => {
    let chld = 0;
    sys.sigaction(SIG.CHLD, () => chld++);
    sys.sigprocmask(0, sigBit(SIG.CHLD));
    const pid = await sys.spawn({ path: "child", argv: ["child"] });
    await sleepMs(sys, 20);
    const before = chld;
    sys.sigprocmask(1, sigBit(SIG.CHLD));
    const r = await sys.wait4(pid, 0);
    if (typeof r === "number") return 1;
    await say(sys, `before ${before} after ${chld} code ${W.EXITSTATUS(r.status)}\n`);
    return 0;
  };
  const k = new Kernel({ builtins: { child, parent } });
  try {
    assertEquals((await run(k, ["parent"])).out, "before 0 after 1 code 3\n");
  } finally {
    await k.shutdown();
  }
});

Deno.test("a blocked signal stays pending until unblocked, then acts", async () => {
  const masked: BuiltinMain = async (sys) => {
    sys.sigprocmask(0, sigBit(SIG.TERM));
    sys.kill(0, SIG.TERM);
    await say(sys, "still alive\n");
    sys.sigprocmask(1, sigBit(SIG.TERM));
    await say(sys, "not reached\n");
    return 0;
  };
  const k = new Kernel({ builtins: { masked } });
  try {
    const r = await run(k, ["masked"]);
    assertEquals([r.out, r.exitCode], ["still alive\n", 143]);
  } finally {
    await k.shutdown();
  }
});

Deno.test("a write to a pipe without readers gives EPIPE and SIGPIPE (141), or EPIPE alone when ignored", async () => {
  const writer: BuiltinMain = async (sys, argv) => {
    if (argv[1] === "ignore") sys.sigaction(SIG.PIPE, "ignore");
    const p = sys.pipe2(0);
    if (typeof p === "number") return 1;
    sys.close(p[0]);
    const r = await sys.write(p[1], enc.encode("x"));
    await say(sys, `write ${r === Errno.EPIPE ? "EPIPE" : r}\n`);
    return 0;
  };
  const k = new Kernel({ builtins: { writer } });
  try {
    const killed = await run(k, ["writer"], true);
    assertEquals([killed.out, killed.exitCode, killed.signal], ["", 141, 13]);
    const ignored = await run(k, ["writer", "ignore"], true);
    assertEquals([ignored.out, ignored.exitCode], ["write EPIPE\n", 0]);
  } finally {
    await k.shutdown();
  }
});

Deno.test("SIGSTOP stops a child (WUNTRACED reports it), SIGCONT resumes it", async () => {
  const worker: BuiltinMain = async (sys) => {
    await sleepMs(sys, 20);
    return 6;
  };
  const parent: BuiltinMain = async (sys) => {
    const pid = await sys.spawn({ path: "worker", argv: ["worker"] });
    sys.kill(pid, SIG.STOP);
    const s = await sys.wait4(pid, W.UNTRACED);
    if (typeof s === "number") return 1;
    await sleepMs(sys, 40);
    const still = await sys.wait4(pid, W.NOHANG);
    if (typeof still === "number") return 2;
    sys.kill(pid, SIG.CONT);
    const e = await sys.wait4(pid, 0);
    if (typeof e === "number") return 3;
    await say(
      sys,
      `stopped ${W.IFSTOPPED(s.status)} sig ${(s.status >> 8) & 0xff} ` +
        `still ${still.pid} exit ${W.EXITSTATUS(e.status)}\n`,
    );
    return 0;
  };
  const k = new Kernel({ builtins: { worker, parent } });
  try {
    assertEquals((await run(k, ["parent"])).out, "stopped true sig 19 still 0 exit 6\n");
  } finally {
    await k.shutdown();
  }
});

Deno.test("kill permission: an unprivileged process cannot signal another user's process", async () => {
  const target: BuiltinMain = async (sys) => {
    await sleepMs(sys, 60_000);
    return 0;
  };
  const k = new Kernel({
    builtins: {
      target,
      attacker: async (sys) => {
        const victim = Number(sys.environ()[0]);
        await say(sys, `${sys.kill(victim, SIG.KILL)} ${sys.kill(-1, 0)}\n`);
        return 0;
      },
    },
  });
  try {
    const t = await k.spawn({ argv: ["target"], stdout: "null" });
    const a = await k.spawn({
      argv: ["attacker"],
      env: [String(t.pid)],
      cred: { uid: 1000, gid: 1000 },
    });
    assertEquals(await new Response(a.stdout).text(), `${Errno.EPERM} ${Errno.EPERM}\n`);
    ok(t.process.alive);
  } finally {
    await k.shutdown();
  }
});

Deno.test("alarm delivers SIGALRM, which terminates by default (142)", async () => {
  const k = new Kernel({
    builtins: {
      alarmed: async (sys) => {
        sys.alarm(1);
        await sys.pause();
        return 0;
      },
    },
  });
  try {
    const t0 = performance.now();
    const r = await run(k, ["alarmed"]);
    assertEquals(r.exitCode, 142);
    ok(performance.now() - t0 >= 900);
  } finally {
    await k.shutdown();
  }
});

Deno.test("with SIGCHLD ignored children leave no zombie and a blocked wait4 ends with ECHILD", async () => {
  const child: BuiltinMain = async (sys) => {
    await sleepMs(sys, 20);
    return 0;
  };
  const parent: BuiltinMain = async (sys) => {
    sys.sigaction(SIG.CHLD, "ignore");
    await sys.spawn({ path: "child", argv: ["child"] });
    const r = await sys.wait4(-1, 0);
    await say(sys, `${r === Errno.ECHILD ? "ECHILD" : JSON.stringify(r)}\n`);
    return 0;
  };
  const k = new Kernel({ builtins: { child, parent } });
  try {
    assertEquals((await run(k, ["parent"])).out, "ECHILD\n");
  } finally {
    await k.shutdown();
  }
});
