import assert from "node:assert/strict";
import { runApplet } from "./_test_run.ts";
import { head } from "./head.ts";
import { tail } from "./tail.ts";
import { expectStdout } from "./sh/_test_machine.ts";
import { wc } from "./wc.ts";
import { sort } from "./sort.ts";
import { uniq } from "./uniq.ts";
import { cut } from "./cut.ts";
import { tr } from "./tr.ts";
import { tee } from "./tee.ts";
import { seq } from "./seq.ts";
import { printf } from "./printf.ts";
import { basename, dirname } from "./basename.ts";
import { formatPrintf } from "./_printf.ts";

const lines = (n: number) => Array.from({ length: n }, (_, i) => `l${i + 1}`).join("\n") + "\n";

Deno.test("head prints the first 10 lines, -n N, -N, -n -N and -c", async () => {
  const files = { "/f": lines(20) };
  assert.equal((await runApplet(head, ["head", "/f"], { files })).stdout, lines(10));
  assert.equal((await runApplet(head, ["head", "-n", "2", "/f"], { files })).stdout, "l1\nl2\n");
  assert.equal((await runApplet(head, ["head", "-3", "/f"], { files })).stdout, "l1\nl2\nl3\n");
  assert.equal((await runApplet(head, ["head", "-n", "-18", "/f"], { files })).stdout, "l1\nl2\n");
  assert.equal((await runApplet(head, ["head", "-c", "4", "/f"], { files })).stdout, "l1\nl");
  const two = await runApplet(head, ["head", "-n1", "/f", "/f"], { files });
  assert.equal(two.stdout, "==> /f <==\nl1\n\n==> /f <==\nl1\n");
  const bad = await runApplet(head, ["head", "-n", "x", "/f"], { files });
  assert.equal(bad.stderr, "head: invalid number of lines: 'x'\n");
  const miss = await runApplet(head, ["head", "/nope"]);
  assert.equal(miss.stderr, "head: cannot open '/nope' for reading: No such file or directory\n");
});

Deno.test("tail prints the last lines, +N from a line, -c bytes", async () => {
  const files = { "/f": lines(20) };
  assert.equal((await runApplet(tail, ["tail", "-n", "2", "/f"], { files })).stdout, "l19\nl20\n");
  assert.equal(
    (await runApplet(tail, ["tail", "-n", "+19", "/f"], { files })).stdout,
    "l19\nl20\n",
  );
  assert.equal((await runApplet(tail, ["tail", "-c", "4", "/f"], { files })).stdout, "l20\n");
  assert.equal((await runApplet(tail, ["tail", "-1"], { stdin: "a\nb" })).stdout, "b");
});

Deno.test("wc counts lines, words and bytes with GNU layout", async () => {
  assert.equal((await runApplet(wc, ["wc", "-l"], { stdin: "a b\nc\n" })).stdout, "2\n");
  assert.equal(
    // stdin is a pipe: GNU uses the minimum width 7.
    (await runApplet(wc, ["wc"], { stdin: "a b\nc\n" })).stdout,
    "      2       3       6\n",
  );
  const f = await runApplet(wc, ["wc", "/a", "/b"], { files: { "/a": "one two\n", "/b": "x\n" } });
  assert.equal(f.stdout, " 1  2  8 /a\n 1  1  2 /b\n 2  3 10 total\n");
  assert.equal(
    (await runApplet(wc, ["wc", "-l", "/a"], { files: { "/a": "1\n2\n" } })).stdout,
    "2 /a\n",
  );
  // The fast paths (bytes alone: no scan; lines and bytes: newline search) count the same.
  const text = "é x\n\n  y z\nlast".repeat(5000);
  const bytes = new TextEncoder().encode(text).length;
  const lines = text.split("\n").length - 1;
  assert.equal((await runApplet(wc, ["wc", "-c"], { stdin: text })).stdout, `${bytes}\n`);
  assert.equal((await runApplet(wc, ["wc", "-l"], { stdin: text })).stdout, `${lines}\n`);
  assert.equal(
    (await runApplet(wc, ["wc", "-lc"], { stdin: text })).stdout,
    `${String(lines).padStart(7)} ${String(bytes).padStart(7)}\n`,
  );
  assert.equal(
    (await runApplet(wc, ["wc", "-lwc"], { stdin: text })).stdout,
    `${String(lines).padStart(7)} ${String(20001).padStart(7)} ${String(bytes).padStart(7)}\n`,
  );
});

Deno.test("sort: default, -r, -n, -u, -k with -t", async () => {
  const stdin = "b\na\nc\na\n";
  assert.equal((await runApplet(sort, ["sort"], { stdin })).stdout, "a\na\nb\nc\n");
  assert.equal((await runApplet(sort, ["sort", "-ru"], { stdin })).stdout, "c\nb\na\n");
  assert.equal(
    (await runApplet(sort, ["sort", "-n"], { stdin: "10\n9\n-1\n" })).stdout,
    "-1\n9\n10\n",
  );
  const pw = "root:x:0\nbin:x:2\nuser:x:1000\n";
  assert.equal(
    // A key with its own ordering option does not inherit the global -r (GNU).
    (await runApplet(sort, ["sort", "-t:", "-k3,3n", "-r"], { stdin: pw })).stdout,
    "root:x:0\nbin:x:2\nuser:x:1000\n",
  );
  assert.equal(
    (await runApplet(sort, ["sort", "-t:", "-k3,3nr"], { stdin: pw })).stdout,
    "user:x:1000\nbin:x:2\nroot:x:0\n",
  );
  assert.equal(
    (await runApplet(sort, ["sort", "-k2"], { stdin: "x b\ny a\n" })).stdout,
    "y a\nx b\n",
  );
  const c = await runApplet(sort, ["sort", "-c"], { stdin: "b\na\n" });
  assert.equal(c.code, 1);
  assert.equal(c.stderr, "sort: -:2: disorder: a\n");
});

Deno.test("uniq collapses adjacent duplicates; -c -d -u", async () => {
  const stdin = "a\na\nb\nc\nc\nc\n";
  assert.equal((await runApplet(uniq, ["uniq"], { stdin })).stdout, "a\nb\nc\n");
  assert.equal(
    (await runApplet(uniq, ["uniq", "-c"], { stdin })).stdout,
    "      2 a\n      1 b\n      3 c\n",
  );
  assert.equal((await runApplet(uniq, ["uniq", "-d"], { stdin })).stdout, "a\nc\n");
  assert.equal((await runApplet(uniq, ["uniq", "-u"], { stdin })).stdout, "b\n");
});

Deno.test("cut selects fields, characters and reports bad lists", async () => {
  const stdin = "root:x:0:0\nnodelim\n";
  assert.equal(
    (await runApplet(cut, ["cut", "-d:", "-f1,3"], { stdin })).stdout,
    "root:0\nnodelim\n",
  );
  assert.equal((await runApplet(cut, ["cut", "-d:", "-s", "-f2-"], { stdin })).stdout, "x:0:0\n");
  assert.equal((await runApplet(cut, ["cut", "-c", "2-3"], { stdin: "abcdef\n" })).stdout, "bc\n");
  const r = await runApplet(cut, ["cut"], { stdin });
  assert.match(r.stderr, /you must specify a list/);
});

Deno.test("tr translates ranges and classes, deletes and squeezes", async () => {
  assert.equal((await runApplet(tr, ["tr", "a-z", "A-Z"], { stdin: "hello\n" })).stdout, "HELLO\n");
  assert.equal(
    (await runApplet(tr, ["tr", "-d", "[:digit:]"], { stdin: "a1b2\n" })).stdout,
    "ab\n",
  );
  assert.equal((await runApplet(tr, ["tr", "-s", " "], { stdin: "a   b\n" })).stdout, "a b\n");
  assert.equal(
    (await runApplet(tr, ["tr", "-cd", "a-z\\n"], { stdin: "a-b_c\n" })).stdout,
    "abc\n",
  );
  assert.equal((await runApplet(tr, ["tr", "abc", "x"], { stdin: "abcd" })).stdout, "xxxd");
});

Deno.test("tee copies stdin to stdout and files", async () => {
  const r = await runApplet(tee, ["tee", "/o"], { stdin: "data\n" });
  assert.equal(r.stdout, "data\n");
  assert.equal(await r.proc.file("/o"), "data\n");
  await runApplet(tee, ["tee", "-a", "/o"], r.proc);
  assert.equal(await r.proc.file("/o"), "data\n");
});

Deno.test("seq counts with FIRST INC LAST, -s, -w and negatives", async () => {
  assert.equal((await runApplet(seq, ["seq", "3"])).stdout, "1\n2\n3\n");
  assert.equal((await runApplet(seq, ["seq", "-s", ",", "2", "2", "8"])).stdout, "2,4,6,8\n");
  assert.equal((await runApplet(seq, ["seq", "-w", "8", "10"])).stdout, "08\n09\n10\n");
  assert.equal((await runApplet(seq, ["seq", "-1", "1"])).stdout, "-1\n0\n1\n");
  assert.equal((await runApplet(seq, ["seq", "0", "0.5", "1"])).stdout, "0.0\n0.5\n1.0\n");
  assert.equal((await runApplet(seq, ["seq", "5", "1"])).stdout, "");
  assert.equal((await runApplet(seq, ["seq", "x"])).code, 1);
});

Deno.test("printf formats numbers, strings, escapes and reuses the format", async () => {
  assert.equal(
    (await runApplet(printf, ["printf", "%s-%d\\n", "a", "1", "b", "2"])).stdout,
    "a-1\nb-2\n",
  );
  assert.equal(
    formatPrintf("%5.2f|%-4x|%o|%e", ["3.14159", "255", "8", "12345"]).text,
    " 3.14|ff  |10|1.234500e+04",
  );
  assert.equal(formatPrintf("%b", ["a\\tb"]).text, "a\tb");
  assert.equal(formatPrintf("%c%c", ["hello", "w"]).text, "hw");
  assert.equal(formatPrintf("%g %g", ["0.0001", "1000000"]).text, "0.0001 1e+06");
  assert.equal(formatPrintf("%+05d", ["42"]).text, "+0042");
  const bad = await runApplet(printf, ["printf", "%d\\n", "x"]);
  assert.equal(bad.stdout, "0\n");
  assert.equal(bad.stderr, "printf: 'x': expected a numeric value\n");
  assert.equal(bad.code, 1);
});

Deno.test("basename and dirname", async () => {
  assert.equal((await runApplet(basename, ["basename", "/a/b.txt", ".txt"])).stdout, "b\n");
  assert.equal((await runApplet(basename, ["basename", "/a/b/"])).stdout, "b\n");
  assert.equal((await runApplet(basename, ["basename", "-a", "/x", "y/z"])).stdout, "x\nz\n");
  assert.equal((await runApplet(dirname, ["dirname", "/a/b", "c", "/"])).stdout, "/a\n.\n/\n");
});

Deno.test("sort -V orders versions and -h human sizes", async () => {
  const v = await runApplet(sort, ["sort", "-V"], { stdin: "v1.10\nv1.2\nv1.9\n" });
  assert.equal(v.stdout, "v1.2\nv1.9\nv1.10\n");
  const h = await runApplet(sort, ["sort", "-h"], { stdin: "2M\n10K\n1G\n" });
  assert.equal(h.stdout, "10K\n2M\n1G\n");
});

Deno.test("tail keeps only the last blocks of a long input, and gives GNU tail's output", async () => {
  // ~400 KB in lines of varied length (some longer than a read block's share), with and
  // without a final newline: the window slides over many 64 KiB reads.
  const lines = Array.from({ length: 6000 }, (_, i) => `${i}:` + "x".repeat((i * 37) % 150));
  lines[3000] = "y".repeat(70_000);
  for (const stdin of [lines.join("\n") + "\n", lines.join("\n")]) {
    for (
      const args of [
        ["-n", "1"],
        ["-n", "5"],
        ["-n", "3001"],
        ["-n", "0"],
        ["-n", "+5990"],
        [
          "-c",
          "10",
        ],
        ["-c", "+400000"],
        ["-c", "70005"],
      ]
    ) {
      const ours = (await runApplet(tail, ["tail", ...args], { stdin })).stdout;
      const child = new Deno.Command("tail", { args, stdin: "piped", stdout: "piped" }).spawn();
      // Read while writing: GNU tail +N writes as it reads, and a full pipe would stop both.
      const output = child.output();
      const w = child.stdin.getWriter();
      await w.write(new TextEncoder().encode(stdin)).then(() => w.close()).catch(() => {});
      const gnu = new TextDecoder().decode((await output).stdout);
      assert.equal(ours, gnu, `tail ${args.join(" ")}`);
    }
  }
  // +N copies as input arrives: an endless input ends at a closed reader.
  await expectStdout([["yes | tail -n +3 | head -n 2", "y\ny\n"]]);
});
