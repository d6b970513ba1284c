/**
 * WASI programs in containers through the real CLI: an image FROM scratch holding a
 * wasm32-wasi program, its output and exit code, the environment and arguments from
 * the run flags, and the memory cgroup refusing memory beyond `-m` (malloc fails; the
 * program sees it). Skipped with a reason when the WASI fixtures are not built.
 */
import assert from "node:assert/strict";
import { repoRoot } from "../_paths.ts";
import { tempBerth } from "./cli_harness.ts";

const fixtures = `${repoRoot}/tests/fixtures/wasi`;
const have = ["hello.wasm", "args.wasm", "exitcode.wasm", "memeater.wasm"].every((f) => {
  try {
    return Deno.statSync(`${fixtures}/${f}`).isFile;
  } catch {
    return false;
  }
});

Deno.test({
  name:
    "WASI programs run in FROM scratch images: output, argv/env from run flags, exit codes, memory limits",
  ignore: !have,
  async fn() {
    const b = await tempBerth();
    const ctx = await Deno.makeTempDir();
    try {
      for (const f of ["hello.wasm", "args.wasm", "exitcode.wasm", "memeater.wasm"]) {
        await Deno.copyFile(`${fixtures}/${f}`, `${ctx}/${f}`);
      }
      await Deno.writeTextFile(
        `${ctx}/Dockerfile`,
        'FROM scratch\nCOPY *.wasm /bin/\nENV MODE=scratch\nENTRYPOINT ["/bin/args.wasm"]\n',
      );
      const built = await b.run(["build", "-q", "-t", "wasm:1", ctx]);
      assert.equal(built.code, 0, built.stderr + built.stdout);
      const args = await b.run(["run", "--rm", "-e", "EXTRA=1", "wasm:1", "one", "two words"]);
      assert.equal(args.code, 0, args.stderr);
      assert.match(args.stdout, /^argv\[1\]=one$/m);
      assert.match(args.stdout, /^argv\[2\]=two words$/m);
      assert.match(args.stdout, /^env:MODE=scratch$/m);
      assert.match(args.stdout, /^env:EXTRA=1$/m);
      const hello = await b.run(["run", "--rm", "--entrypoint", "/bin/hello.wasm", "wasm:1"]);
      assert.equal(hello.code, 0, hello.stderr);
      assert.notEqual(hello.stdout, "");
      const mem = await b.run([
        "run",
        "--rm",
        "-m",
        "16m",
        "--entrypoint",
        "/bin/memeater.wasm",
        "wasm:1",
        "64",
      ]);
      const n = Number(/allocated (\d+) MiB/.exec(mem.stdout)?.[1] ?? NaN);
      assert.ok(n < 16, `a 16m container cannot hold 64 MiB: ${mem.stdout}${mem.stderr}`);
      const sh = await b.run(["run", "--rm", "--entrypoint", "sh", "wasm:1"]);
      assert.equal(sh.code, 127, "FROM scratch has no shell");
    } finally {
      await b.cleanup();
      await Deno.remove(ctx, { recursive: true });
    }
  },
});
