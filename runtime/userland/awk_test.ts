import assert from "node:assert/strict";
import { runApplet, TestMachine } from "./_test_run.ts";
import { awk } from "./awk.ts";
import { expectStdout } from "./sh/_test_machine.ts";

const run = async (args: string[], stdin = "") => {
  const r = await runApplet(awk, ["awk", ...args], { stdin });
  return r.stderr ? `${r.stdout}[stderr]${r.stderr}` : r.stdout;
};

Deno.test("awk prints fields, uses -F, NR, NF and $NF", async () => {
  assert.equal(await run(["{print $1}"], "a b\nc d\n"), "a\nc\n");
  assert.equal(await run(["-F:", "{print $1, $NF}"], "root:x:0\nbin:x:1\n"), "root 0\nbin 1\n");
  assert.equal(await run(['{print NR": "NF}'], "a b c\n\nx\n"), "1: 3\n2: 0\n3: 1\n");
  assert.equal(await run(["NR==2"], "l1\nl2\nl3\n"), "l2\n");
  assert.equal(await run(["/b/,/c/"], "a\nb\nx\nc\nd\n"), "b\nx\nc\n");
  assert.equal(await run(["-F", "\\t", "{print $2}"], "a\tb c\n"), "b c\n");
});

Deno.test("awk BEGIN/END, arithmetic, arrays, for-in and printf", async () => {
  assert.equal(await run(["{ s += $1 } END { print s, s/NR }"], "1\n2\n3\n"), "6 2\n");
  assert.equal(
    await run(
      ['{ c[$1]++ } END { for (k in c) n++; print n; printf "%s=%d\\n", "a", c["a"] }'],
      "a\nb\na\n",
    ),
    "2\na=2\n",
  );
  assert.equal(
    await run(['BEGIN { printf "%5.2f|%-3s|%x\\n", 3.14159, "ab", 255 }']),
    " 3.14|ab |ff\n",
  );
  assert.equal(
    await run(["BEGIN { x = 2 ^ 10; print x, 7 % 3, -x, 1e3, 0.1 + 0.2 }"]),
    "1024 1 -1024 1000 0.3\n",
  );
  assert.equal(
    await run(['BEGIN { print length("héllo"), substr("hello", 2, 3), index("hello", "ll") }']),
    "5 ell 3\n",
  );
  assert.equal(
    await run([
      'BEGIN { n = split("a:b:c", p, ":"); print n, p[3]; print toupper("x") tolower("Y") }',
    ]),
    "3 c\nXy\n",
  );
});

Deno.test("awk sub/gsub/match, comparisons of strings and numbers, control flow", async () => {
  assert.equal(
    await run(['{ gsub(/o/, "0"); sub(/l/, "L"); print }'], "hello world\n"),
    "heLl0 w0rld\n",
  );
  assert.equal(
    await run(['{ n = gsub(/[0-9]+/, "<&>", $2); print n, $0 }'], "a b12c3\n"),
    "2 a b<12>c<3>\n",
  );
  assert.equal(
    await run(["{ if (match($0, /[0-9]+/)) print RSTART, RLENGTH }"], "ab123c\n"),
    "3 3\n",
  );
  assert.equal(await run(["$1 > 9"], "10\n9\n100\nabc\n"), "10\n100\nabc\n");
  assert.equal(
    await run(
      ['{ i = 0; while (i < 3) { i++; if (i == 2) continue; printf "%d", i }; print "" }'],
      "x\n",
    ),
    "13\n",
  );
  assert.equal(
    await run(['{ for (i = NF; i > 0; i--) printf "%s%s", $i, (i > 1 ? OFS : ORS) }'], "a b c\n"),
    "c b a\n",
  );
  assert.equal(await run(["NR == 1 { next } { print }"], "skip\nkeep\n"), "keep\n");
  assert.equal(await run(['{ print; exit 3 } END { print "end" }'], "a\nb\n"), "a\nend\n");
});

Deno.test("awk functions, -v, field assignment rebuilds $0, OFS", async () => {
  assert.equal(await run(["function sq(x) { return x * x } { print sq($1) }"], "4\n"), "16\n");
  assert.equal(await run(["-v", "n=5", "BEGIN { print n + 1 }"]), "6\n");
  assert.equal(await run(['BEGIN { OFS = "-" } { $2 = "X"; print }'], "a b c\n"), "a-X-c\n");
  assert.equal(await run(['{ $5 = "e"; print NF; print }'], "a b\n"), "5\na b   e\n");
  assert.equal(await run(['function f(a) { a["k"] = 1 } BEGIN { f(arr); print arr["k"] }']), "1\n");
});

Deno.test("awk reports syntax errors with status 2 and reads files", async () => {
  const r = await runApplet(awk, ["awk", "{ print ( }"]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /^awk: syntax error/);
  const m = new TestMachine({ "/etc/x": "k1 v1\nk2 v2\n" });
  const f = await m.run(["awk", '$1 == "k2" { print $2 }', "/etc/x"]);
  assert.equal(f.stdout, "v2\n");
  const g = await m.run(["awk", 'BEGIN { while ((getline line < "/etc/x") > 0) n++; print n }']);
  assert.equal(g.stdout, "2\n");
  const o = await m.run(["sh", "-c", "echo hi | awk '{ print > \"/tmp/o\" }'; cat /tmp/o"]);
  assert.equal(o.stdout, "hi\n");
});

Deno.test("awk-lite agrees with the host's awk on a table of programs", async () => {
  const host = await new Deno.Command("awk", { args: ["BEGIN{}"] }).output().catch(() => null);
  if (!host?.success) return;
  const cases: [string, string][] = [
    ["{ print $2, $1 }", "a b\nc d\n"],
    ["-F, { s += $2 } END { print s }", "x,1\ny,2.5\n"],
    ["{ print length($0), toupper($1) }", "hello there\n"],
    ["NR % 2 == 0", "1\n2\n3\n4\n"],
    ['{ a[$1] = a[$1] $2 } END { print a["k"] }', "k 1\nj 2\nk 3\n"],
    ['BEGIN { printf "%d %s %5.1f|\\n", "12abc", 3, 2.25 }', ""],
    ['{ $1 = ""; print }', "a b c\n"],
    ['/^#/ { next } { print NR ": " $0 }', "#c\nx\n#d\ny\n"],
    ['BEGIN { x = "10"; y = 9; print (x > y), ("10" > "9") }', ""],
    ['{ gsub(/[aeiou]/, ""); print }', "education\n"],
  ];
  for (const [prog, input] of cases) {
    const args = prog.startsWith("-F") ? [prog.slice(0, 3), prog.slice(4)] : [prog];
    const p = new Deno.Command("awk", { args, stdin: "piped", stdout: "piped" }).spawn();
    const w = p.stdin.getWriter();
    await w.write(new TextEncoder().encode(input));
    await w.close();
    const want = new TextDecoder().decode((await p.output()).stdout);
    assert.equal(await run(args, input), want, prog);
  }
});

Deno.test("awk: precedence and associativity of the binary levels; newlines after && and ||", async () => {
  assert.equal(
    await run([
      "BEGIN { print 1 + 2 * 3 - 4 / 2, 10 - 3 - 2, 2 * 9 % 4, 1 || 0 &&\n 0, 0 &&\n 1 ||\n 1 }",
    ], ""),
    "5 5 2 1 1\n",
  );
});

Deno.test("awk reads records as they arrive: endless input ends at exit and at a closed reader", async () => {
  await expectStdout([
    ["yes | awk '{ print; exit }'", "y\n"],
    ["yes | awk 'NR == 3 { print NR; exit }'", "3\n"],
    ["yes | awk '{ print NR }' | head -n 2", "1\n2\n"],
    ["seq 1 5 | awk '{ s += $1 } END { print s }'", "15\n"],
    // A plain getline reads the input itself: that program still reads it whole.
    ["seq 1 4 | awk '{ getline x; print $0 \"-\" x }'", "1-2\n3-4\n"],
  ]);
});
