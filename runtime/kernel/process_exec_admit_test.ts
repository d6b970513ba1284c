/**
 * Exec admission through the real kernel: a format whose executor refuses some programs
 * (`Executor.admit`), and Linux's `E2BIG` limits, fail `spawn`/`execve` with the errno
 * before exec's point of no return.
 */
import assert from "node:assert/strict";
import type { BuiltinMain, Executor } from "./executor.ts";
import { startsWith } from "./executor.ts";
import { Kernel, SpawnError } from "./kernel.ts";
import { minimalRoot } from "./minimal_root.ts";
import { Errno } from "./errno.ts";
import { ARG_MAX, argvRefusal, MAX_ARG_STRLEN } from "./process_exec.ts";
import { W } from "./syscalls/api.ts";

const enc = new TextEncoder();
const MAGIC = enc.encode("TOYEXEC\n");

/**
 * A toy format: "TOYEXEC\n" then a verdict line. "ok" runs (exit 0), "bad" is refused
 * with ENOEXEC, "slow" is admitted after 20 ms (an async admission, like a compile).
 */
function toyExecutor(): Executor & { admitted: number; ran: number } {
  const ex = {
    admitted: 0,
    ran: 0,
    admit(_ctx: unknown, image: Uint8Array) {
      const verdict = new TextDecoder().decode(image.subarray(MAGIC.length)).trim();
      if (verdict === "bad") return { errno: Errno.ENOEXEC, reason: "toy says bad" };
      if (verdict === "slow") {
        return new Promise<undefined>((r) => setTimeout(() => (ex.admitted++, r(undefined)), 20));
      }
      ex.admitted++;
      return undefined;
    },
    run() {
      ex.ran++;
      return Promise.resolve(0);
    },
  };
  return ex;
}

const files = {
  "/bin/good": "TOYEXEC\nok\n",
  "/bin/bad": "TOYEXEC\nbad\n",
  "/bin/slow": "TOYEXEC\nslow\n",
};

async function withKernel(
  builtins: Record<string, BuiltinMain>,
  body: (k: Kernel, toy: ReturnType<typeof toyExecutor>) => Promise<void>,
): Promise<void> {
  const k = new Kernel({ builtins });
  const toy = toyExecutor();
  k.registerBinfmt({ name: "toy", match: (h) => startsWith(h, MAGIC), executor: toy });
  try {
    await body(k, toy);
  } finally {
    await k.shutdown();
  }
}

async function runMain(k: Kernel, main: BuiltinMain) {
  const h = await k.spawn({ argv: ["main"], program: main, fs: minimalRoot(k, { files }) });
  const out = new Response(h.stdout).text();
  const st = await h.wait();
  return { out: await out, code: st.exitCode };
}

Deno.test("spawn of a program its executor refuses returns the errno; the parent has no child", async () => {
  await withKernel({}, async (k, toy) => {
    const r = await runMain(k, async (sys) => {
      const pid = await sys.spawn({ path: "/bin/bad", argv: ["bad"] });
      const waited = await sys.wait4(-1, 0);
      await sys.write(1, enc.encode(`${pid} ${typeof waited === "number" ? waited : "child"}\n`));
      return 0;
    });
    assert.equal(r.out, `${Errno.ENOEXEC} ${Errno.ECHILD}\n`);
    assert.equal(toy.ran, 0);
  });
});

Deno.test("execve of a refused program returns the errno and the old image runs on", async () => {
  await withKernel({}, async (k, toy) => {
    const r = await runMain(k, async (sys) => {
      const e = await sys.execve("/bin/bad", ["bad"], sys.environ());
      await sys.write(1, enc.encode(`execve ${e}, still here\n`));
      return 3;
    });
    assert.deepEqual(r, { out: `execve ${Errno.ENOEXEC}, still here\n`, code: 3 });
    assert.equal(toy.ran, 0);
  });
});

Deno.test("an async admission: spawn waits for it, then the program runs once", async () => {
  await withKernel({}, async (k, toy) => {
    const r = await runMain(k, async (sys) => {
      const pid = await sys.spawn({ path: "/bin/slow", argv: ["slow"] });
      if (typeof pid !== "number" || pid < 0) return 1;
      const w = await sys.wait4(pid, 0);
      return typeof w === "number" ? 2 : W.EXITSTATUS(w.status) + 10;
    });
    assert.equal(r.code, 10);
    assert.equal(toy.admitted, 1);
    assert.equal(toy.ran, 1);
  });
});

Deno.test("the kernel API's spawn throws SpawnError with the errno and the executor's reason", async () => {
  await withKernel({}, async (k, toy) => {
    await assert.rejects(
      () => k.spawn({ argv: ["/bin/bad"], fs: minimalRoot(k, { files }) }),
      (e: unknown) =>
        e instanceof SpawnError && e.errno === Errno.ENOEXEC && e.detail === "toy says bad" &&
        /Exec format error \(ENOEXEC\): toy says bad/.test(e.message),
    );
    const h = await k.spawn({ argv: ["/bin/good"], fs: minimalRoot(k, { files }) });
    assert.equal((await h.wait()).exitCode, 0);
    assert.equal(toy.ran, 1);
    // Nothing of the refused start is left: only the good one ever ran.
    assert.equal([...k.procs.values()].filter((p) => p.alive).length, 0);
  });
});

Deno.test("exec fails with E2BIG past Linux's MAX_ARG_STRLEN and ARG_MAX", async () => {
  await withKernel({}, async (k) => {
    const r = await runMain(k, async (sys) => {
      const one = await sys.spawn({
        path: "/bin/good",
        argv: ["good", "x".repeat(MAX_ARG_STRLEN)],
      });
      const env = Array.from({ length: 40 }, (_, i) => `V${i}=${"y".repeat(60_000)}`);
      const all = await sys.spawn({ path: "/bin/good", argv: ["good"], env });
      // The file is looked up first: a missing program is ENOENT whatever its arguments.
      const missing = await sys.spawn({ path: "/bin/none", argv: ["x".repeat(MAX_ARG_STRLEN)] });
      const fits = await sys.spawn({ path: "/bin/good", argv: ["good", "x".repeat(100_000)] });
      await sys.write(
        1,
        enc.encode(`${one} ${all} ${missing} ${typeof fits === "number" && fits > 0}\n`),
      );
      return 0;
    });
    assert.equal(r.out, `${Errno.E2BIG} ${Errno.E2BIG} ${Errno.ENOENT} true\n`);
  });
});

Deno.test("argvRefusal counts UTF-8 bytes, a NUL and a pointer per string", () => {
  assert.equal(argvRefusal(["a".repeat(MAX_ARG_STRLEN - 1)], []), undefined);
  assert.equal(argvRefusal(["a".repeat(MAX_ARG_STRLEN)], [])?.errno, Errno.E2BIG);
  // 3 bytes per "€": a string of fewer UTF-16 units can be over the limit.
  assert.equal(argvRefusal(["€".repeat(Math.ceil(MAX_ARG_STRLEN / 3))], [])?.errno, Errno.E2BIG);
  assert.equal(argvRefusal(["😀".repeat(MAX_ARG_STRLEN / 4 - 1)], []), undefined);
  const n = Math.floor(ARG_MAX / 1000);
  assert.equal(argvRefusal(Array.from({ length: n }, () => "z".repeat(990)), []), undefined);
  assert.equal(
    argvRefusal(Array.from({ length: n + 5 }, () => "z".repeat(991)), [])?.errno,
    Errno.E2BIG,
  );
});

Deno.test("#! headers Linux refuses: no interpreter, an interpreter path cut by the 256-byte header, deep nesting", async () => {
  await withKernel({}, async (k) => {
    const scripts: Record<string, string> = {
      "/bin/empty": "#!   \necho\n",
      "/bin/long": `#!/${"d".repeat(300)}/sh\n`,
      "/bin/s1": "#!/bin/s2\n",
      "/bin/s2": "#!/bin/s3\n",
      "/bin/s3": "#!/bin/s4\n",
      "/bin/s4": "#!/bin/s5\n",
      "/bin/s5": "#!/bin/good\n",
      ...files,
    };
    const cases = [
      ["/bin/empty", Errno.ENOEXEC, /without an interpreter/],
      ["/bin/long", Errno.ENOEXEC, /longer than the 256-byte header/],
      ["/bin/s1", Errno.ELOOP, /nested #! scripts/],
    ] as const;
    for (const [path, errno, reason] of cases) {
      await assert.rejects(
        () => k.spawn({ argv: [path], fs: minimalRoot(k, { files: scripts }) }),
        (e: unknown) => e instanceof SpawnError && e.errno === errno && reason.test(e.detail ?? ""),
        path,
      );
    }
    // Four levels are allowed, as Linux's binfmt_script.
    const h = await k.spawn({ argv: ["/bin/s2"], fs: minimalRoot(k, { files: scripts }) });
    assert.equal((await h.wait()).exitCode, 0);
  });
});
