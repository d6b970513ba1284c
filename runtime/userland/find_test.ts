import assert from "node:assert/strict";
import { fakeProc, runApplet, TestMachine } from "./_test_run.ts";
import { find } from "./find.ts";
import { xargs } from "./xargs.ts";

const files = {
  "/p/a.ts": "x",
  "/p/b.md": "",
  "/p/sub/c.ts": "yy",
  "/p/sub/deep/d.txt": "",
  "/p/link": "->a.ts",
};
const sorted = (s: string) => s.split("\n").filter(Boolean).sort();

Deno.test("find -name, -type, -maxdepth, -mindepth, ! and -o", async () => {
  const m = fakeProc({ files });
  const r = await runApplet(find, ["find", "/p", "-name", "*.ts"], m);
  assert.deepEqual(sorted(r.stdout), ["/p/a.ts", "/p/sub/c.ts"]);
  assert.deepEqual(sorted((await runApplet(find, ["find", "/p", "-type", "d"], m)).stdout), [
    "/p",
    "/p/sub",
    "/p/sub/deep",
  ]);
  assert.deepEqual(sorted((await runApplet(find, ["find", "/p", "-type", "l"], m)).stdout), [
    "/p/link",
  ]);
  assert.deepEqual(
    sorted((await runApplet(find, ["find", "/p", "-maxdepth", "1", "-type", "f"], m)).stdout),
    ["/p/a.ts", "/p/b.md"],
  );
  assert.deepEqual(
    sorted((await runApplet(find, ["find", "/p", "-mindepth", "2", "-type", "f"], m)).stdout),
    ["/p/sub/c.ts", "/p/sub/deep/d.txt"],
  );
  assert.deepEqual(
    sorted((await runApplet(find, ["find", "/p", "-type", "f", "!", "-name", "*.ts"], m)).stdout),
    ["/p/b.md", "/p/sub/deep/d.txt"],
  );
  assert.deepEqual(
    sorted(
      (await runApplet(find, [
        "find",
        "/p",
        "(",
        "-name",
        "*.md",
        "-o",
        "-name",
        "*.txt",
        ")",
        "-print",
      ], m)).stdout,
    ),
    ["/p/b.md", "/p/sub/deep/d.txt"],
  );
  assert.deepEqual(
    sorted((await runApplet(find, ["find", "/p", "-empty", "-type", "f"], m)).stdout),
    ["/p/b.md", "/p/sub/deep/d.txt"],
  );
  assert.deepEqual(sorted((await runApplet(find, ["find", "/p", "-size", "+1c"], m)).stdout), [
    "/p",
    "/p/link",
    "/p/sub",
    "/p/sub/c.ts",
    "/p/sub/deep",
  ]);
});

Deno.test("find -exec runs commands per file and batched with +", async () => {
  const m = new TestMachine(files);
  const r = await m.run(["find", "/p", "-name", "*.ts", "-exec", "echo", "got", "{}", ";"]);
  assert.deepEqual(sorted(r.stdout), ["got /p/a.ts", "got /p/sub/c.ts"]);
  const b = await m.run(["find", "/p", "-type", "f", "-exec", "echo", "{}", "+"]);
  assert.equal(b.stdout.split("\n").filter(Boolean).length, 1);
  assert.equal(b.stdout.trim().split(" ").length, 4);
});

Deno.test("find -delete and errors", async () => {
  const m = fakeProc({ files });
  assert.equal((await runApplet(find, ["find", "/p/sub", "-delete"], m)).code, 0);
  assert.equal(
    (await runApplet(find, ["find", "/p/sub"], m)).stderr,
    "find: '/p/sub': No such file or directory\n",
  );
  const bad = await runApplet(find, ["find", "/p", "-bogus"], m);
  assert.equal(bad.stderr, "find: unknown predicate `-bogus'\n");
  assert.equal(bad.code, 1);
});

Deno.test("xargs groups input into command lines", async () => {
  const m = new TestMachine();
  assert.equal((await m.run(["xargs"], { stdin: "a b\nc\n" })).stdout, "a b c\n");
  assert.equal(
    (await m.run(["xargs", "-n", "2", "echo", "x"], { stdin: "1 2 3\n" })).stdout,
    "x 1 2\nx 3\n",
  );
  assert.equal(
    (await m.run(["xargs", "-I", "{}", "echo", "[{}]"], { stdin: "a b\nc\n" })).stdout,
    "[a b]\n[c]\n",
  );
  assert.equal((await m.run(["xargs", "-0", "echo"], { stdin: "a b\0c\0" })).stdout, "a b c\n");
  assert.equal((await m.run(["xargs", "echo"], { stdin: "'q w' e\n" })).stdout, "q w e\n");
  assert.equal((await m.run(["xargs", "-r", "echo", "none"], { stdin: "" })).stdout, "");
  assert.equal((await m.run(["xargs", "false"], { stdin: "x\n" })).code, 123);
  const nf = await m.run(["xargs", "nosuch"], { stdin: "x\n" });
  assert.equal(nf.code, 127);
  const q = await runApplet(xargs, ["xargs"], { stdin: "'open\n" });
  assert.match(q.stderr, /unmatched single quote/);
});
