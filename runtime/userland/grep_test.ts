import assert from "node:assert/strict";
import { runApplet } from "./_test_run.ts";
import { grep } from "./grep.ts";
import { posixToJs } from "./_regex.ts";
import { matchGlob } from "./_glob.ts";
import { expectStdout } from "./sh/_test_machine.ts";

const files = {
  "/src/a.ts": "import x\nTODO: fix\nconst y = 1\n",
  "/src/sub/b.ts": "todo later\nnothing\n",
  "/src/c.md": "TODO docs\n",
};

Deno.test("grep prints matching lines; exit 0/1/2", async () => {
  const r = await runApplet(grep, ["grep", "TODO", "/src/a.ts"], { files });
  assert.equal(r.stdout, "TODO: fix\n");
  assert.equal(r.code, 0);
  assert.equal((await runApplet(grep, ["grep", "zzz", "/src/a.ts"], { files })).code, 1);
  const miss = await runApplet(grep, ["grep", "x", "/nope"], { files });
  assert.equal(miss.code, 2);
  assert.equal(miss.stderr, "grep: /nope: No such file or directory\n");
});

Deno.test("grep -i -v -n -c and stdin", async () => {
  const stdin = "Alpha\nbeta\nALPHA\n";
  assert.equal(
    (await runApplet(grep, ["grep", "-in", "alpha"], { stdin })).stdout,
    "1:Alpha\n3:ALPHA\n",
  );
  assert.equal((await runApplet(grep, ["grep", "-v", "a$"], { stdin })).stdout, "ALPHA\n");
  assert.equal((await runApplet(grep, ["grep", "-ic", "alpha"], { stdin })).stdout, "2\n");
});

Deno.test("grep -r walks directories with file name prefixes; --include filters", async () => {
  const r = await runApplet(grep, ["grep", "-ri", "todo", "/src"], { files });
  assert.equal(r.stdout, "/src/a.ts:TODO: fix\n/src/c.md:TODO docs\n/src/sub/b.ts:todo later\n");
  const inc = await runApplet(grep, ["grep", "-rl", "--include=*.ts", "-i", "todo", "/src"], {
    files,
  });
  assert.equal(inc.stdout, "/src/a.ts\n/src/sub/b.ts\n");
  const dir = await runApplet(grep, ["grep", "x", "/src"], { files });
  assert.equal(dir.stderr, "grep: /src: Is a directory\n");
});

Deno.test("grep -E alternation and groups; BRE escapes; -w -x -o -F", async () => {
  const stdin = "cat\ndog\ncatalog\na+b\n";
  assert.equal(
    (await runApplet(grep, ["grep", "-E", "^(cat|dog)$"], { stdin })).stdout,
    "cat\ndog\n",
  );
  assert.equal(
    (await runApplet(grep, ["grep", "^\\(cat\\|dog\\)$"], { stdin })).stdout,
    "cat\ndog\n",
  );
  assert.equal((await runApplet(grep, ["grep", "a+b"], { stdin })).stdout, "a+b\n");
  assert.equal((await runApplet(grep, ["grep", "-w", "cat"], { stdin })).stdout, "cat\n");
  assert.equal((await runApplet(grep, ["grep", "-x", "dog"], { stdin })).stdout, "dog\n");
  assert.equal(
    (await runApplet(grep, ["grep", "-o", "at"], { stdin: "cat hat\n" })).stdout,
    "at\nat\n",
  );
  assert.equal((await runApplet(grep, ["grep", "-F", "a+b"], { stdin })).stdout, "a+b\n");
  assert.equal((await runApplet(grep, ["grep", "-q", "dog"], { stdin })).stdout, "");
  const bad = await runApplet(grep, ["grep", "[a"], { stdin });
  assert.equal(bad.code, 2);
  assert.equal(bad.stderr, "grep: Unmatched [, [^, [:, [., or [=\n");
});

Deno.test("grep -A/-B context separates groups with --", async () => {
  const stdin = "1\nx\n3\n4\n5\nx\n7\n";
  assert.equal((await runApplet(grep, ["grep", "-A1", "x"], { stdin })).stdout, "x\n3\n--\nx\n7\n");
  assert.equal(
    (await runApplet(grep, ["grep", "-nB1", "x"], { stdin })).stdout,
    "1-1\n2:x\n--\n5-5\n6:x\n",
  );
});

Deno.test("grep context matches GNU grep's on overlapping and distant groups", async () => {
  // Lines 1..30; matches where the number ends in 0, 3 or 4 (close pairs and lone ones).
  const stdin = Array.from({ length: 30 }, (_, i) => `line ${i + 1}`).join("\n") + "\n";
  const flagSets = [["-A2"], ["-B2"], ["-C1"], ["-nC3"], ["-B1", "-A3"], ["-vC1"], ["-m3", "-A1"]];
  for (const flags of flagSets) {
    const args = ["grep", ...flags, "-E", "[034]$"];
    const ours = (await runApplet(grep, args, { stdin })).stdout;
    const child = new Deno.Command("grep", { args: args.slice(1), stdin: "piped", stdout: "piped" })
      .spawn();
    const w = child.stdin.getWriter();
    // The reference may quit before reading it all (q, -m): a closed pipe is fine.
    await w.write(new TextEncoder().encode(stdin)).then(() => w.close()).catch(() => {});
    const gnu = new TextDecoder().decode((await child.output()).stdout);
    assert.equal(ours, gnu, flags.join(" "));
  }
});

Deno.test("grep, cut, uniq and tr read as input arrives: endless input ends at a closed reader, -q and -m", async () => {
  await expectStdout([
    ["yes | grep y | head -n 1", "y\n"],
    ["yes | grep -q y; echo $?", "0\n"],
    ["yes | grep -m 3 -n y", "1:y\n2:y\n3:y\n"],
    ["yes ab:cd | cut -d: -f2 | head -n 2", "cd\ncd\n"],
    ["yes | tr y n | head -n 2", "n\nn\n"],
    ["seq 1 100000000 | uniq | head -n 3", "1\n2\n3\n"],
    ["{ echo a; echo a; echo b; } | uniq -c", "      2 a\n      1 b\n"],
  ]);
});

Deno.test("POSIX regex translation and shell globs", () => {
  assert.equal(posixToJs("a\\{2,3\\}", false), "a{2,3}");
  assert.equal(posixToJs("[[:digit:]]+", true), "[0-9]+");
  assert.equal(posixToJs("*a", false), "\\*a");
  assert.equal(posixToJs("a|b", false), "a\\|b");
  assert.equal(posixToJs("[]x]", false), "[\\]x]");
  assert.ok(matchGlob("*.t?", "x.ts"));
  assert.ok(matchGlob("[!.]*", "abc"));
  assert.ok(!matchGlob("[!.]*", ".abc"));
  assert.ok(matchGlob("a\\*", "a*"));
});
