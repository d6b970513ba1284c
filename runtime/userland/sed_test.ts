import assert from "node:assert/strict";
import { fakeProc, runApplet } from "./_test_run.ts";
import { sed } from "./sed.ts";
import { expectStdout } from "./sh/_test_machine.ts";

const run = async (args: string[], stdin: string) =>
  (await runApplet(sed, ["sed", ...args], { stdin })).stdout;

Deno.test("sed s///: first, global, nth, &, groups, case conversion, other delimiters", async () => {
  assert.equal(await run(["s/o/0/"], "foo boo\n"), "f0o boo\n");
  assert.equal(await run(["s/o/0/g"], "foo boo\n"), "f00 b00\n");
  assert.equal(await run(["s/o/0/3"], "foo boo\n"), "foo b0o\n");
  assert.equal(await run(["s/[a-z]*/<&>/"], "abc def\n"), "<abc> def\n");
  assert.equal(await run(["s/\\(a\\)\\(b\\)/\\2\\1/"], "ab\n"), "ba\n");
  assert.equal(await run(["-E", "s/(\\w+) (\\w+)/\\2 \\1/"], "hello world\n"), "world hello\n");
  assert.equal(await run(["s|/usr|/opt|"], "/usr/bin\n"), "/opt/bin\n");
  assert.equal(await run(["s/\\w\\+/\\u&/g"], "make it big\n"), "Make It Big\n");
  assert.equal(await run(["s/x/a\\nb/"], "x\n"), "a\nb\n");
});

Deno.test("sed -n with p, addresses, ranges, $ and !", async () => {
  const five = "1\n2\n3\n4\n5\n";
  assert.equal(await run(["-n", "2p"], five), "2\n");
  assert.equal(await run(["-n", "2,4p"], five), "2\n3\n4\n");
  assert.equal(await run(["-n", "$p"], five), "5\n");
  assert.equal(await run(["2,$d"], five), "1\n");
  assert.equal(await run(["/3/,+1d"], five), "1\n2\n5\n");
  assert.equal(await run(["-n", "/2/,/4/!p"], five), "1\n5\n");
  assert.equal(await run(["1~2d"], five), "2\n4\n");
  assert.equal(await run(["3q"], five), "1\n2\n3\n");
  assert.equal(await run(["-n", "$="], five), "5\n");
});

Deno.test("sed a/i/c, y, hold space, N and branches", async () => {
  assert.equal(await run(["2a\\\nafter"], "1\n2\n3\n"), "1\n2\nafter\n3\n");
  assert.equal(await run(["1i before"], "1\n"), "before\n1\n");
  assert.equal(await run(["2c\\\nchanged"], "1\n2\n3\n"), "1\nchanged\n3\n");
  assert.equal(await run(["y/abc/xyz/"], "aabbcc\n"), "xxyyzz\n");
  assert.equal(await run(["-n", "1!G;h;$p"], "1\n2\n3\n"), "3\n2\n1\n");
  assert.equal(await run(["N;s/\\n/,/"], "a\nb\nc\nd\n"), "a,b\nc,d\n");
  assert.equal(await run([":a;N;$!ba;s/\\n/ /g"], "a\nb\nc\n"), "a b c\n");
  assert.equal(await run(["-e", "s/a/b/", "-e", "s/b/c/"], "a\n"), "c\n");
  assert.equal(await run(["s/x/y/;t;s/$/ no/"], "x\nz\n"), "y\nz no\n");
});

Deno.test("sed keeps a missing final newline and reports bad scripts", async () => {
  assert.equal(await run(["s/a/b/"], "a\na"), "b\nb");
  const r = await runApplet(sed, ["sed", "k"], { stdin: "" });
  assert.equal(r.code, 1);
  assert.equal(r.stderr, "sed: -e expression #1, char 1: unknown command: `k'\n");
  const u = await runApplet(sed, ["sed", "s/a/b"], { stdin: "" });
  assert.match(u.stderr, /unterminated `s' command/);
});

Deno.test("sed -i edits files in place, with a backup suffix", async () => {
  const m = fakeProc({ files: { "/etc/app.conf": "port=80\nhost=a\n" } });
  const r = await runApplet(sed, ["sed", "-i.bak", "s/80/8080/", "/etc/app.conf"], m);
  assert.equal(r.code, 0);
  assert.equal(r.stdout, "");
  assert.equal(await m.file("/etc/app.conf"), "port=8080\nhost=a\n");
  assert.equal(await m.file("/etc/app.conf.bak"), "port=80\nhost=a\n");
  await runApplet(sed, ["sed", "-i", "-e", "/host/d", "/etc/app.conf"], m);
  assert.equal(await m.file("/etc/app.conf"), "port=8080\n");
  const miss = await runApplet(sed, ["sed", "-i", "s/a/b/", "/nope"], m);
  assert.equal(miss.stderr, "sed: can't read /nope: No such file or directory\n");
});

Deno.test("sed gives GNU sed's output on addresses, $, n/N/D, q and a missing final newline", async () => {
  const inputs = ["1\n2\n3\n4\n5\n", "a\nb\nc", "", "only", "x\ny\n"];
  const scripts = [
    ["$d"],
    ["-n", "$p"],
    ["$!N;s/\n/+/"],
    ["n;d"],
    ["N;P;D"],
    ["2q"],
    ["$q"],
    ["-n", "2{p;q}"],
    ["1~3s/^/>/"],
    ["/2/,$d"],
    ["$a\\\nend"],
    ["-n", "/b/,/c/p"],
    ["G"],
    ["-n", "h;n;G;p"],
    ["="],
    ["x;G"],
    ["h;G"],
    ["-n", "H;${x;p}"],
    ["1!G;h;$!d"],
    ["-n", "s/b/B/p"],
    ["l"],
    ["2i\\\nins"],
    ["$c\\\nlast"],
    ["-n", "p;p"],
  ];
  for (const args of scripts) {
    for (const stdin of inputs) {
      const ours = await runApplet(sed, ["sed", ...args], { stdin });
      const child = new Deno.Command("sed", { args, stdin: "piped", stdout: "piped" }).spawn();
      const w = child.stdin.getWriter();
      // The reference may quit before reading it all (q, -m): a closed pipe is fine.
      await w.write(new TextEncoder().encode(stdin)).then(() => w.close()).catch(() => {});
      const gnu = new TextDecoder().decode((await child.output()).stdout);
      assert.equal(ours.stdout, gnu, `sed ${args.join(" ")} on ${JSON.stringify(stdin)}`);
    }
  }
});

Deno.test("sed reads as input arrives: endless input ends at q, at a closed reader, and with $ in the script", async () => {
  await expectStdout([
    ["yes | sed 2q", "y\ny\n"],
    ["yes | sed s/y/n/ | head -n 2", "n\nn\n"],
    ["yes | sed -n '3{p;q}'", "y\n"],
    ["seq 1 3 | sed -n '$p'", "3\n"],
  ]);
});

Deno.test("sed over several files is one stream, as GNU sed's (a first file without its final newline)", async () => {
  const files = { "/a": "1\n2", "/b": "3\n4\n", "/c": "5" };
  const dir = await Deno.makeTempDir();
  try {
    for (const [name, text] of Object.entries(files)) await Deno.writeTextFile(dir + name, text);
    for (const args of [["p"], ["-n", "$p"], ["N;s/\\n/+/"], ["="]]) {
      const m = fakeProc({ files });
      const ours = await runApplet(sed, ["sed", ...args, "/a", "/b", "/c"], m);
      const gnu = await new Deno.Command("sed", {
        args: [...args, dir + "/a", dir + "/b", dir + "/c"],
        stdout: "piped",
      }).output();
      assert.equal(ours.stdout, new TextDecoder().decode(gnu.stdout), args.join(" "));
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
