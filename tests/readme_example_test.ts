/**
 * The README's library example, run as written (imports aside), so the README stays true.
 */
import assert from "node:assert/strict";
import { createKernel, isErrno, kernel } from "../mod.ts";

Deno.test("README: spawn a shell in new namespaces under a cgroup with limits", async () => {
  // --- README example (begin) ---
  const k = createKernel();
  const cg = k.cgroups.create("demo", { memoryMax: 64 << 20, pidsMax: 20 });
  if (isErrno(cg)) throw new Error("cannot create the cgroup");
  const p = await k.spawn({
    argv: ["sh", "-c", "echo hello; exit 3"],
    fs: kernel.minimalRoot(k),
    cgroup: "demo",
    cloneFlags: kernel.CLONE.NEWPID | kernel.CLONE.NEWNS | kernel.CLONE.NEWIPC,
  });
  const out = await new Response(p.stdout).text();
  const { exitCode } = await p.wait();
  await k.shutdown();
  // --- README example (end) ---
  assert.equal(out, "hello\n");
  assert.equal(exitCode, 3);
});
