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
