/** WASI programs mixed with the builtin userland in one shell pipeline. */
import assert from "node:assert/strict";
import { applets } from "../userland/mod.ts";
import { wasiKernel } from "./_test_kernel.ts";

Deno.test("sh pipes WASI and builtin programs: hello.wasm | upper.wasm | wc -c", async () => {
  const wk = await wasiKernel(["hello", "upper"], {}, {}, applets);
  try {
    const r = await wk.run([
      "sh",
      "-c",
      "/bin/hello.wasm | /bin/upper.wasm; hello.wasm | upper.wasm | wc -c",
    ]);
    assert.equal(r.stdout, "HELLO FROM WASI\n16\n", r.stderr);
    assert.equal(r.code, 0);
  } finally {
    await wk.shutdown();
  }
});

Deno.test("sh runs a WASI program's exit status and stdin redirection", async () => {
  const wk = await wasiKernel(
    ["upper", "exitcode"],
    {},
    { "/data/in.txt": "from a file\n" },
    applets,
  );
  try {
    const r = await wk.run([
      "sh",
      "-c",
      "upper.wasm < /data/in.txt; exitcode.wasm 5; echo status $?",
    ]);
    assert.equal(r.stdout, "FROM A FILE\nstatus 5\n", r.stderr);
  } finally {
    await wk.shutdown();
  }
});
