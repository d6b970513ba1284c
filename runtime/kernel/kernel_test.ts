import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { Kernel } from "./kernel.ts";
import type { BuiltinMain } from "./executor.ts";
import { CLONE } from "./syscalls/api.ts";

const enc = new TextEncoder();
const say = (sys: Parameters<BuiltinMain>[0], text: string) => sys.write(1, enc.encode(text));

Deno.test("spawn() runs a builtin, streams its stdout and reports its exit code", async () => {
  const k = new Kernel({
    builtins: {
      hello: async (sys, argv) => {
        await say(sys, `hello ${argv.slice(1).join(" ")}\n`);
        return 7;
      },
    },
  });
  try {
    const h = await k.spawn({ argv: ["hello", "world"] });
    const out = new Response(h.stdout).text();
    assertEquals(await h.wait(), { status: 7 << 8, exitCode: 7, signal: null });
    assertEquals(await out, "hello world\n");
  } finally {
    await k.shutdown();
  }
});

Deno.test("spawn() in a new PID namespace: init is pid 1, its children 2, 3", async () => {
  const seen: string[] = [];
  const k = new Kernel({
    builtins: {
      child: (sys) => {
        seen.push(`child ${sys.getpid()} ppid ${sys.getppid()}`);
        return Promise.resolve(0);
      },
      init: async (sys) => {
        seen.push(`init ${sys.getpid()} ppid ${sys.getppid()}`);
        for (let i = 0; i < 2; i++) await sys.spawn({ path: "child", argv: ["child"] });
        for (let i = 0; i < 2; i++) await sys.wait4(-1, 0);
        return 0;
      },
    },
  });
  try {
    const h = await k.spawn({ argv: ["init"], cloneFlags: CLONE.NEWPID });
    assertEquals((await h.wait()).exitCode, 0);
    assertEquals(seen, ["init 1 ppid 0", "child 2 ppid 1", "child 3 ppid 1"]);
  } finally {
    await k.shutdown();
  }
});

Deno.test("stop() sends SIGTERM, then SIGKILL after the grace period", async () => {
  const stubborn: BuiltinMain = async (sys) => {
    sys.sigaction(15, "ignore");
    await say(sys, "ready\n");
    await sys.nanosleep({ sec: 60, nsec: 0 });
    return 0;
  };
  const polite: BuiltinMain = async (sys) => {
    await sys.nanosleep({ sec: 60, nsec: 0 });
    return 0;
  };
  const k = new Kernel({ builtins: { stubborn, polite } });
  try {
    const a = await k.spawn({ argv: ["polite"] });
    assertEquals((await a.stop(5000)).signal, 15);
    const b = await k.spawn({ argv: ["stubborn"] });
    const rd = b.stdout!.getReader();
    await rd.read();
    rd.releaseLock();
    const t0 = performance.now();
    assertEquals((await b.stop(100)).signal, 9);
    const dt = performance.now() - t0;
    assertEquals(dt >= 90 && dt < 5000, true);
  } finally {
    await k.shutdown();
  }
});

Deno.test("a process whose stdout reader went away gets EPIPE and SIGPIPE", async () => {
  const chatty: BuiltinMain = async (sys) => {
    for (;;) {
      const r = await sys.write(1, new Uint8Array(1024));
      if (r < 0) return 3;
    }
  };
  const k = new Kernel({ builtins: { chatty } });
  try {
    const h = await k.spawn({ argv: ["chatty"] });
    const reader = h.stdout!.getReader();
    await reader.read();
    await reader.cancel();
    assertEquals((await h.wait()).signal, 13);
  } finally {
    await k.shutdown();
  }
});

Deno.test("the kernel does not keep the host alive once its processes are done (no shutdown)", async () => {
  const dir = await Deno.makeTempDir({ prefix: "berth-kernel-" });
  try {
    const script = `${dir}/main.ts`;
    await Deno.writeTextFile(
      script,
      `import { Kernel } from ${JSON.stringify(new URL("./kernel.ts", import.meta.url).href)};
const k = new Kernel({ builtins: { spin: async (sys) => {
  for (let i = 0; i < 500; i++) {
    const e = performance.now() + 0.05;
    while (performance.now() < e) { /* burn */ }
    await sys.write(1, new Uint8Array(1));
  }
  return 0;
} } });
const h = await k.spawn({ argv: ["spin"], stdout: "null" });
console.log((await h.wait()).exitCode);
`,
    );
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", "--no-lock", script],
      stdout: "piped",
      stderr: "piped",
      signal: AbortSignal.timeout(30_000),
    }).output();
    assertEquals(new TextDecoder().decode(out.stdout), "0\n");
    assertEquals(out.code, 0);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("spawn() given the same fs twice copies it: one process's exit does not close the other's stdio", async () => {
  const { minimalRoot } = await import("./minimal_root.ts");
  const k = new Kernel({
    builtins: {
      quick: () => Promise.resolve(0),
      slow: async (sys) => {
        await sys.nanosleep({ sec: 0, nsec: 30e6 });
        await say(sys, "still here\n");
        return 0;
      },
    },
  });
  try {
    const fs = minimalRoot(k);
    const a = await k.spawn({ argv: ["slow"], fs });
    const b = await k.spawn({ argv: ["quick"], fs });
    await b.wait();
    assertEquals(await new Response(a.stdout).text(), "still here\n");
  } finally {
    await k.shutdown();
  }
});

Deno.test("a program may wait on several system calls at once", async () => {
  const k = new Kernel({
    builtins: {
      both: async (sys) => {
        const [a, b] = await Promise.all([
          sys.nanosleep({ sec: 0, nsec: 10e6 }),
          sys.nanosleep({ sec: 0, nsec: 20e6 }),
        ]);
        await say(sys, `${a} ${b}\n`);
        return 0;
      },
    },
  });
  try {
    const h = await k.spawn({ argv: ["both"] });
    assertEquals(await new Response(h.stdout).text(), "0 0\n");
  } finally {
    await k.shutdown();
  }
});
