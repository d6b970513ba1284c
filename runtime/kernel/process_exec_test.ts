import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import type { BuiltinMain } from "./executor.ts";
import { Kernel, SpawnError } from "./kernel.ts";
import { minimalRoot } from "./minimal_root.ts";
import { Errno } from "./errno.ts";
import type { Syscalls } from "./syscalls/api.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();
const say = (sys: Syscalls, text: string) => sys.write(1, enc.encode(text));

async function readAll(sys: Syscalls, fd: number): Promise<string> {
  let out = "";
  const buf = new Uint8Array(4096);
  for (;;) {
    const n = await sys.read(fd, buf);
    if (n <= 0) return out;
    out += dec.decode(buf.subarray(0, n));
  }
}

const echo: BuiltinMain = async (sys, argv) => {
  await say(sys, argv.slice(1).join(" ") + "\n");
  return 0;
};
const args: BuiltinMain = async (sys, argv) => {
  await say(sys, JSON.stringify(argv) + "\n");
  return 0;
};

async function run(k: Kernel, argv: string[], files?: Record<string, string>) {
  const h = await k.spawn({ argv, fs: minimalRoot(k, { files }) });
  const out = new Response(h.stdout).text();
  const err = new Response(h.stderr).text();
  const st = await h.wait();
  return { out: await out, err: await err, code: st.exitCode };
}

Deno.test("exec finds a berthbox applet by PATH search and dispatches on argv[0]", async () => {
  const k = new Kernel({ builtins: { echo, args } });
  try {
    assertEquals(await run(k, ["echo", "a", "b"]), { out: "a b\n", err: "", code: 0 });
    assertEquals((await run(k, ["/bin/berthbox", "args", "x"])).out, '["args","x"]\n');
  } finally {
    await k.shutdown();
  }
});

Deno.test("exec of an unknown applet through the stub exits 127 with berthbox's message", async () => {
  const k = new Kernel({ builtins: { echo } });
  try {
    const r = await run(k, ["/bin/nosuch"], { "/bin/nosuch": "BERTHBOX\n" });
    assertEquals(r, { out: "", err: "berthbox: applet not found\n", code: 127 });
  } finally {
    await k.shutdown();
  }
});

Deno.test("exec runs #! scripts with the interpreter, script path and arguments", async () => {
  const k = new Kernel({ builtins: { args } });
  try {
    const r = await run(k, ["/usr/bin/s", "1", "2"], { "/usr/bin/s": "#!/bin/args -x\necho\n" });
    assertEquals(r.out, '["/bin/args","-x","/usr/bin/s","1","2"]\n');
  } finally {
    await k.shutdown();
  }
});

Deno.test("exec refuses ELF, unknown formats, missing files and directories", async () => {
  const k = new Kernel({ builtins: { echo } });
  try {
    const fs = () =>
      minimalRoot(k, { files: { "/bin/elf": "\x7fELF\x02\x01", "/bin/text": "hello" } });
    const errno = async (argv: string[]) => {
      try {
        await k.spawn({ argv, fs: fs() });
        return 0;
      } catch (e) {
        ok(e instanceof SpawnError);
        return e.errno;
      }
    };
    assertEquals(await errno(["/bin/elf"]), Errno.ENOEXEC);
    assertEquals(await errno(["/bin/text"]), Errno.ENOEXEC);
    assertEquals(await errno(["/bin/missing"]), Errno.ENOENT);
    assertEquals(await errno(["nosuchcmd"]), Errno.ENOENT);
    assertEquals(await errno(["/tmp"]), Errno.EACCES);
  } finally {
    await k.shutdown();
  }
});

Deno.test("spawn with pipe2 and dup2 file actions connects two processes", async () => {
  const upper: BuiltinMain = async (sys) => {
    await say(sys, (await readAll(sys, 0)).toUpperCase());
    return 0;
  };
  const shell: BuiltinMain = async (sys) => {
    const p = sys.pipe2(0);
    if (typeof p === "number") return 1;
    const [r, w] = p;
    const a = await sys.spawn({
      path: "echo",
      argv: ["echo", "piped", "text"],
      fileActions: [{ op: "dup2", fd: w, newfd: 1 }, { op: "close", fd: r }, {
        op: "close",
        fd: w,
      }],
    });
    const b = await sys.spawn({
      path: "upper",
      argv: ["upper"],
      fileActions: [{ op: "dup2", fd: r, newfd: 0 }, { op: "close", fd: r }, {
        op: "close",
        fd: w,
      }],
    });
    sys.close(r);
    sys.close(w);
    if (a < 0 || b < 0) return 2;
    await sys.wait4(a, 0);
    await sys.wait4(b, 0);
    return 0;
  };
  const k = new Kernel({ builtins: { echo, upper, shell } });
  try {
    assertEquals(await run(k, ["shell"]), { out: "PIPED TEXT\n", err: "", code: 0 });
  } finally {
    await k.shutdown();
  }
});

Deno.test("execve replaces the program and keeps the pid", async () => {
  const first: BuiltinMain = async (sys) => {
    await say(sys, `first ${sys.getpid()}\n`);
    const r = await sys.execve("/bin/args", ["args", String(sys.getpid())], sys.environ());
    await say(sys, `execve failed ${r}\n`);
    return 1;
  };
  const k = new Kernel({ builtins: { first, args } });
  try {
    const r = await run(k, ["first"]);
    assertEquals(r.code, 0);
    const pid = r.out.split("\n")[0]!.split(" ")[1];
    assertEquals(r.out, `first ${pid}\n["args","${pid}"]\n`);
  } finally {
    await k.shutdown();
  }
});
