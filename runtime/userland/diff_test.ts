import assert from "node:assert/strict";
import { TestMachine } from "./_test_run.ts";
import { diffLines } from "./diff.ts";

const files = {
  "/a": "one\ntwo\nthree\nfour\nfive\nsix\nseven\neight\nnine\nten\n",
  "/b": "one\ntwo\nTHREE\nfour\nfive\nsix\nseven\neight\nnine\nten\neleven\n",
  "/c": "one\ntwo\n",
};

Deno.test("diffLines finds a shortest edit script", () => {
  const e = diffLines(["a", "b", "c"], ["a", "c", "d"]);
  assert.deepEqual(e.map((x) => x.op).join(""), "=-=+");
});

Deno.test("diff prints normal and unified formats with exit 1, and 0 when equal", async () => {
  const m = new TestMachine(files);
  const n = await m.run(["diff", "/a", "/b"]);
  assert.equal(n.code, 1);
  assert.equal(n.stdout, "3c3\n< three\n---\n> THREE\n10a11\n> eleven\n");
  const u = await m.run(["diff", "-u", "/a", "/c"]);
  assert.match(u.stdout, /^--- \/a\t.*\n\+\+\+ \/c\t.*\n@@ -1,10 \+1,2 @@\n one\n two\n-three\n/);
  assert.equal((await m.run(["diff", "/a", "/a"])).code, 0);
  assert.equal((await m.run(["diff", "-q", "/a", "/b"])).stdout, "Files /a and /b differ\n");
  const miss = await m.run(["diff", "/a", "/nope"]);
  assert.equal(miss.code, 2);
  assert.equal(miss.stderr, "diff: /nope: No such file or directory\n");
});

Deno.test("diff -u agrees with the host's diff", async () => {
  const host = await new Deno.Command("diff", { args: ["--version"], stdout: "null" }).output()
    .catch(() => null);
  if (!host?.success) return;
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${dir}/a`, files["/a"]);
    await Deno.writeTextFile(`${dir}/b`, files["/b"]);
    const h = await new Deno.Command("diff", {
      args: ["-U", "2", `${dir}/a`, `${dir}/b`],
      stdout: "piped",
    }).output();
    const want = new TextDecoder().decode(h.stdout).split("\n").slice(2).join("\n");
    const m = new TestMachine(files);
    const got = (await m.run(["diff", "-U", "2", "/a", "/b"])).stdout.split("\n").slice(2).join(
      "\n",
    );
    assert.equal(got, want);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
