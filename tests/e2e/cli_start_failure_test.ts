/**
 * Programs that cannot start, through the real CLI and daemon: `berth run` fails like
 * `docker run` (an error from the daemon naming the program, exit 127 when it is not
 * found, 126 when it cannot be invoked, 125 for other start failures) and leaves no
 * container behind with `--rm`. The WASI modules' faults are found by exec admission,
 * before the container's process runs.
 */
import assert from "node:assert/strict";
import { repoRoot } from "../_paths.ts";
import { tempBerth } from "./cli_harness.ts";

async function wasm(text: string): Promise<Uint8Array> {
  const wabt = await (await import("wabt")).default();
  const mod = wabt.parseWat("m.wat", text);
  const bytes = new Uint8Array(mod.toBinary({}).buffer);
  mod.destroy();
  return bytes;
}

Deno.test("berth run of a program that cannot start: Docker's messages and exit codes 127/126/125", async () => {
  const b = await tempBerth();
  const ctx = await Deno.makeTempDir();
  try {
    const files: Record<string, Uint8Array> = {
      "hello.wasm": await Deno.readFile(`${repoRoot}/tests/fixtures/wasi/hello.wasm`),
      "truncated.wasm": Uint8Array.of(0, 0x61, 0x73, 0x6d, 1, 0, 0, 0, 0xff),
      "foreign.wasm": await wasm(
        `(module (import "env" "foo" (func)) (memory (export "memory") 1)
           (func (export "_start") (call 0)))`,
      ),
      "nostart.wasm": await wasm(`(module (memory (export "memory") 1) (func (export "main")))`),
      // 16 MiB of initial memory: more than an 8m container may have.
      "big.wasm": await wasm(`(module (memory (export "memory") 256) (func (export "_start")))`),
    };
    for (const [name, bytes] of Object.entries(files)) {
      await Deno.writeFile(`${ctx}/${name}`, bytes, { mode: 0o755 });
    }
    await Deno.writeTextFile(`${ctx}/Dockerfile`, "FROM berth/base\nCOPY *.wasm /bin/\n");
    const built = await b.run(["build", "-q", "-t", "starts:1", ctx]);
    assert.equal(built.code, 0, built.stderr + built.stdout);

    const run = (...args: string[]) => b.run(["run", "--rm", ...args]);
    const missing = await run("starts:1", "/nope");
    assert.equal(missing.code, 127, missing.stderr);
    assert.match(missing.stderr, /exec: "\/nope": executable file not found in \$PATH/);
    const notExecutable = await run("starts:1", "/etc/passwd");
    assert.equal(notExecutable.code, 126, notExecutable.stderr);
    assert.match(notExecutable.stderr, /exec: "\/etc\/passwd": permission denied/);
    for (
      const [name, reason] of [
        ["truncated", /unexpected end/],
        ["foreign", /unknown import "env"\."foo"/],
        ["nostart", /no _start/],
      ] as const
    ) {
      const r = await run("starts:1", `/bin/${name}.wasm`);
      assert.equal(r.code, 126, `${name}: ${r.stderr}`);
      assert.match(r.stderr, new RegExp(`exec: "/bin/${name}.wasm": exec format error`));
      assert.match(r.stderr, reason);
      assert.equal(r.stdout, "");
    }
    const big = await run("-m", "8m", "starts:1", "/bin/big.wasm");
    assert.equal(big.code, 125, big.stderr);
    assert.match(big.stderr, /exec: "\/bin\/big.wasm": cannot allocate memory \(initial memory/);
    // The same module starts without the limit, and a good one next to the bad ones runs.
    assert.equal((await run("starts:1", "/bin/big.wasm")).code, 0);
    const hello = await run("starts:1", "/bin/hello.wasm");
    assert.equal(hello.code, 0, hello.stderr);
    assert.equal(hello.stdout, "hello from wasi\n");

    const ps = await b.run(["ps", "-a", "-q"]);
    assert.equal(ps.stdout.trim(), "", "--rm left nothing behind after the failed starts");
  } finally {
    await b.cleanup();
    await Deno.remove(ctx, { recursive: true });
  }
});
