import assert from "node:assert/strict";
import { runApplet } from "./_test_run.ts";
import { applets } from "./mod.ts";
import { echo } from "./echo.ts";
import { cat } from "./cat.ts";
import { pwd } from "./pwd.ts";
import { falseMain, trueMain } from "./true.ts";

Deno.test("echo joins arguments and honours -n and -e", async () => {
  assert.equal((await runApplet(echo, ["echo", "a", "b"])).stdout, "a b\n");
  assert.equal((await runApplet(echo, ["echo", "-n", "x"])).stdout, "x");
  assert.equal((await runApplet(echo, ["echo", "-e", "a\\tb\\0101\\c", "z"])).stdout, "a\tbA");
  assert.equal((await runApplet(echo, ["echo", "-x", "--help"])).stdout, "-x --help\n");
});

Deno.test("true and false exit 0 and 1", async () => {
  assert.equal((await runApplet(trueMain, ["true"])).code, 0);
  assert.equal((await runApplet(falseMain, ["false"])).code, 1);
});

Deno.test("cat concatenates files and stdin, and reports missing files", async () => {
  const r = await runApplet(cat, ["cat", "/a", "-", "/missing", "/b"], {
    files: { "/a": "A\n", "/b": "B\n" },
    stdin: "in\n",
  });
  assert.equal(r.stdout, "A\nin\nB\n");
  assert.equal(r.stderr, "cat: /missing: No such file or directory\n");
  assert.equal(r.code, 1);
});

Deno.test("cat -n numbers lines and -E marks ends", async () => {
  const r = await runApplet(cat, ["cat", "-nE"], { stdin: "a\n\nb" });
  assert.equal(r.stdout, "     1\ta$\n     2\t$\n     3\tb");
});

Deno.test("cat of a directory says Is a directory", async () => {
  const r = await runApplet(cat, ["cat", "/d"], { files: { "/d/": "" } });
  assert.equal(r.stderr, "cat: /d: Is a directory\n");
  assert.equal(r.code, 1);
});

Deno.test("an unknown option prints the GNU message and a hint", async () => {
  const r = await runApplet(cat, ["cat", "-z"]);
  assert.equal(r.stderr, "cat: invalid option -- 'z'\nTry 'cat --help' for more information.\n");
  assert.equal(r.code, 1);
});

Deno.test("--help prints usage on stdout and exits 0", async () => {
  const r = await runApplet(cat, ["cat", "--help"]);
  assert.match(r.stdout, /^Usage: cat /);
  assert.equal(r.code, 0);
});

Deno.test("pwd prints the working directory", async () => {
  const r = await runApplet(pwd, ["pwd"], { files: { "/x/y/": "" }, cwd: "/x/y" });
  assert.equal(r.stdout, "/x/y\n");
});

Deno.test("every applet answers --help (except echo/true/false) without crashing", async () => {
  for (const [name, main] of Object.entries(applets)) {
    const r = await runApplet(main, [name, "--help"]);
    if (["echo", "true", "false", "test", "["].includes(name)) continue;
    assert.equal(r.code, 0, name);
    assert.match(r.stdout, /^Usage: /, name);
  }
});

Deno.test("cat -A shows tabs, ends and nonprinting bytes", async () => {
  const r = await runApplet(cat, ["cat", "-A"], { stdin: "a\tb\x01\x7f\n" });
  assert.equal(r.stdout, "a^Ib^A^?$\n");
});
