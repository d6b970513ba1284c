import assert from "node:assert/strict";
import { TestMachine } from "./_test_run.ts";
import { appletNames } from "./mod.ts";

Deno.test("applets are exec'd by name through /bin/berthbox links", async () => {
  const m = new TestMachine({ "/data/b": "2\n", "/data/a": "1\n" });
  const r = await m.run(["ls", "/data"]);
  assert.equal(r.stdout, "a\nb\n");
  assert.equal(r.code, 0);
  const l = await m.run(["ls", "-l", "/bin/ls"]);
  assert.match(l.stdout, /^lrwxrwxrwx 1 root root \d+ .* \/bin\/ls -> berthbox\n$/);
});

Deno.test("a shell pipeline of applets runs on the kernel", async () => {
  const m = new TestMachine();
  const r = await m.run(["sh", "-c", "seq 1 100 | sort -rn | head -3 | tr '\\n' ' '; echo"]);
  assert.equal(r.stdout, "100 99 98 \n");
  const w = await m.run(["sh", "-c", "printf 'a b\\nc\\n' | wc -l"]);
  assert.equal(w.stdout, "2\n");
});

Deno.test("env execs its command with the modified environment; unknown commands give 127", async () => {
  const m = new TestMachine();
  const r = await m.run(["env", "-i", "FOO=bar", "env"]);
  assert.equal(r.stdout, "FOO=bar\n");
  const nf = await m.run(["env", "nosuchcmd"]);
  assert.equal(nf.code, 127);
  assert.equal(nf.stderr, "env: 'nosuchcmd': No such file or directory\n");
});

Deno.test("the applet table includes the shell and the test bracket", () => {
  for (const n of ["sh", "[", "test", "ls", "cat", "echo"]) assert.ok(appletNames.includes(n), n);
});

Deno.test("writers stop when the reader goes away (yes | head, seq | head)", async () => {
  const m = new TestMachine();
  const r = await m.run(["sh", "-c", "yes | head -3; seq 1 1000000 | head -2; echo done"]);
  assert.equal(r.stdout, "y\ny\ny\n1\n2\ndone\n");
  assert.equal(r.stderr, "");
});
