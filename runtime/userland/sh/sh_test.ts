import assert from "node:assert/strict";
import { fc, runs } from "../../../tests/_property.ts";
import { runShell } from "./_test_machine.ts";
import { wasiKernel } from "../../wasi/_test_kernel.ts";
import { applets } from "../mod.ts";

async function check(script: string, stdout: string, status = 0, stderr = "") {
  const r = await runShell(script);
  assert.equal(r.stdout, stdout, `stdout of: ${script}`);
  assert.equal(r.stderr, stderr, `stderr of: ${script}`);
  assert.equal(r.status, status, `status of: ${script}`);
}

Deno.test("sh runs pipelines of builtins, functions and external commands", async () => {
  await check("seq 1 5 | while read n; do echo x$n; done | wc -l", "5\n");
  await check("f() { echo in-f; }; f | cat", "in-f\n");
  await check("echo a | { read x; echo got $x; }", "got a\n");
});

Deno.test("sh keeps pipeline variables in the subshell, as dash", async () => {
  await check("x=1; echo 2 | read x; echo $x", "1\n");
});

Deno.test("sh reports a missing command like dash, with status 127", async () => {
  await check("nosuch arg", "", 127, "sh: 1: nosuch: not found\n");
  await check("echo a\nnosuch", "a\n", 127, "sh: 2: nosuch: not found\n");
});

Deno.test("sh redirections write, append, read files and duplicate fds", async () => {
  const r = await runShell(
    "echo one >/tmp/f; echo two >>/tmp/f; cat </tmp/f; echo err 2>&1 >&2 | cat",
  );
  assert.equal(r.stdout, "one\ntwo\nerr\n");
  const r2 = await runShell("cat <<EOF\nhello $USER-x\nEOF\ncat <<'EOF'\n$literal\nEOF");
  assert.equal(r2.stdout, "hello -x\n$literal\n");
  const r3 = await runShell("exec 3>/tmp/g; echo via3 >&3; exec 3>&-; cat /tmp/g");
  assert.equal(r3.stdout, "via3\n");
});

Deno.test("sh command substitution strips newlines and nests", async () => {
  await check('x=$(echo "a b"; echo); echo "[$x]" `echo $(echo nested)`', "[a b] nested\n");
  await check("x=$(exit 3); echo $?", "3\n");
});

Deno.test("sh set -e stops at a failing command but not in conditions", async () => {
  await check(
    "set -e; if false; then :; fi; false || echo ok; ! true; echo after; false; echo no",
    "ok\nafter\n",
    1,
  );
});

Deno.test("sh runs EXIT traps and exit statuses", async () => {
  await check("trap 'echo bye' EXIT; echo hi; exit 4", "hi\nbye\n", 4);
  await check("(exit 7); echo $?", "7\n");
});

Deno.test("sh runs script files with arguments and #! scripts", async () => {
  const r = await runShell("", {
    argv: ["sh", "/s.sh", "a", "b c"],
    files: { "/s.sh": 'echo "$0" $# "$2"\n/t.sh x\n', "/t.sh": "#!/bin/sh\necho t:$1\n" },
  });
  assert.equal(r.stdout, "/s.sh 2 b c\nt:x\n");
  assert.equal(r.status, 0);
});

Deno.test("sh -s reads the script from stdin", async () => {
  const r = await runShell("", {
    argv: ["sh", "-s", "arg1"],
    stdin: "echo from-stdin $1\nexit 3\necho no\n",
  });
  assert.equal(r.stdout, "from-stdin arg1\n");
  assert.equal(r.status, 3);
});

Deno.test("sh globs through getdents64", async () => {
  const r = await runShell("cd /d; echo *.txt; echo /d/s*/*; echo .*; echo none*", {
    files: { "/d/b.txt": "", "/d/a.txt": "", "/d/c.md": "", "/d/.h": "", "/d/sub/x": "" },
  });
  assert.equal(r.stdout, "a.txt b.txt\n/d/sub/x\n.h\nnone*\n");
});

Deno.test("sh is interactive on a terminal: prompts, continuation lines, errors do not exit", async () => {
  const r = await runShell("", {
    argv: ["sh"],
    tty: true,
    stdin: "echo hi\nif true\nthen echo cont\nfi\nfi\nPS1='$PWD% '\nexit 3\necho never\n",
  });
  assert.equal(r.stdout, "hi\ncont\n");
  assert.equal(r.stderr, '# # > > # sh: 5: Syntax error: "fi" unexpected\n# /% ');
  assert.equal(r.status, 3);
});

Deno.test("sh interactive exits at end of input with the last status", async () => {
  const r = await runShell("", { argv: ["sh", "-i"], stdin: "false\n" });
  assert.equal(r.status, 1);
  assert.equal(r.stderr, "# # ");
});

Deno.test("sh ends a loop writing into a closed pipe (SIGPIPE status in the subshell)", async () => {
  await check("while :; do echo y; done | head -n 1; echo st=$?", "y\nst=0\n");
  await check("f() { while :; do echo y; done; }; f | head -n 2 | wc -l; echo done", "2\ndone\n");
});

Deno.test("sh survives hostile scripts: every run ends with a status, never a crash (property)", async () => {
  const alphabet = fc.constantFrom(
    ..."ab $(){}|&;<>'\"`\\\n#=*?~-:+%!019".split(""),
    "echo ",
    "if ",
    "then ",
    "fi",
    "case ",
    " in ",
    "esac",
    "<<E\n",
    "E\n",
    "${x",
    "${#",
    "$((",
    "))",
    ";;",
    "for ",
    "do ",
    "done",
    "f() ",
    "set -e;",
    "read ",
    "exit ",
    "trap ",
    "shift ",
    "local ",
    "[ ",
    " ]",
    "printf %d ",
    "cat ",
  );
  await fc.assert(
    fc.asyncProperty(fc.array(alphabet, { maxLength: 30 }).map((a) => a.join("")), async (src) => {
      const r = await runShell(src);
      assert.ok(Number.isInteger(r.status) && r.status >= 0 && r.status <= 255, src);
    }),
    { numRuns: runs(150) },
  );
});

Deno.test("sh runs traps for INT and TERM and dies of an untrapped signal with 128+n", async () => {
  await check(
    "trap 'echo got TERM' TERM; kill -TERM $$; echo after; trap 'echo int' INT; kill -INT $$; trap - INT; kill -INT $$; echo not",
    "got TERM\nafter\nint\n",
    130,
  );
  await check("trap '' TERM; kill $$; echo ignored", "ignored\n");
  await check(
    "sleep 10 & pid=$!; kill $pid; wait $pid; echo $?; sh -c 'kill -9 $$'; echo $?",
    "143\n137\n",
  );
});

Deno.test("sh exec replaces the shell, and exec redirections stay for the rest of the script", async () => {
  await check("exec echo replaced; echo no", "replaced\n");
  const r = await runShell("exec >/tmp/o; echo hidden; exec >&2; cat /tmp/o; echo err-too");
  assert.equal(r.stdout, "");
  assert.equal(r.stderr, "hidden\nerr-too\n");
});

Deno.test("sh forks background lists into a new shell that keeps functions, variables and $$", async () => {
  const r = await runShell(
    'v=local; f() { echo "f:$v:$1"; }; me=$$; { f arg; [ $$ = $me ] && echo same-pid; } > out & wait $!; echo st=$?; cat out',
  );
  assert.equal(r.stdout, "st=0\nf:local:arg\nsame-pid\n");
  await check("(while :; do sleep 1; done) & pid=$!; kill $pid; wait $pid; echo $?", "143\n");
});

Deno.test("sh streams pipelines of several in-shell parts (forked), even from an endless producer", async () => {
  await check("while :; do echo y; done | while read l; do echo got $l; break; done", "got y\n");
  await check('f() { echo a; echo b; }; f | { read x; read y; echo "$y$x"; } | cat', "ba\n");
  await check('set -- p q; x=1; { echo "$1$x"; } | { read v; echo "$v$2"; }', "p1q\n");
});

Deno.test("sh reports original line numbers from forked parts", async () => {
  const r = await runShell(
    "echo a\nf() {\n  nosuch1\n}\nf | f | cat\n{ echo x; nosuch2; } &\nwait",
  );
  assert.equal(r.stdout, "a\nx\n");
  assert.equal(
    r.stderr,
    "sh: 3: nosuch1: not found\nsh: 3: nosuch1: not found\nsh: 6: nosuch2: not found\n",
  );
});

Deno.test("sh puts back signal dispositions a subshell changed", async () => {
  await check("(trap 'echo sub' TERM); kill -TERM $$; echo not-reached", "", 143);
  await check("trap 'echo main' TERM; (trap - TERM); kill -TERM $$; echo after", "main\nafter\n");
});

Deno.test("sh interactive reads $ENV first", async () => {
  const r = await runShell("", {
    argv: ["sh"],
    tty: true,
    env: ["PATH=/bin", "ENV=/etc/shrc"],
    files: { "/etc/shrc": "PS1='env> '\ngreet() { echo hello; }\n" },
    stdin: "greet\n",
  });
  assert.equal(r.stdout, "hello\n");
  assert.equal(r.stderr, "env> env> ");
});

Deno.test("sh exec hands a here-document to the new program", async () => {
  await check("exec cat <<EOF\nfrom heredoc $((6 * 7))\nEOF", "from heredoc 42\n");
});

Deno.test("sh stops runaway recursion of functions and . files at depth 1000", async () => {
  await check(
    "f() { f; }; f; echo after",
    "",
    2,
    "sh: 1: Maximum function recursion depth (1000) reached\n",
  );
  await check(
    'echo ". /tmp/self" > /tmp/self; . /tmp/self; echo after',
    "",
    2,
    "sh: 1: Maximum function recursion depth (1000) reached\n",
  );
});

Deno.test("sh interactive: Ctrl-C (SIGINT) abandons the running command line, back to the prompt", async () => {
  const r = await runShell("", {
    argv: ["sh"],
    tty: true,
    stdin:
      "i=0; while :; do i=$((i+1)); [ $i = 300 ] && kill -INT $$; done; echo not\necho back $? $i\n" +
      "sleep 5 & kill -INT $$; echo after-kill\necho done\n",
  });
  assert.equal(r.stdout, "back 130 300\ndone\n");
  assert.equal(r.status, 0);
});

Deno.test("sh jobs lists background jobs, kill %n reaches them", async () => {
  await check(
    "{ sleep 5; echo x; } & jobs; kill %1; wait %1; echo st=$?",
    "[1] Running                 { sleep 5; echo x; }\nst=143\n",
  );
});

// --- exec failures (the kernel's exec admission), through WASI's real executor ---

/** `\0asm`, a version, then garbage: WASI's admission refuses it with ENOEXEC. */
const BAD_WASM = Uint8Array.of(0, 0x61, 0x73, 0x6d, 1, 0, 0, 0, 0xff, 0x13, 0x37, 0x0a, 0x41);

async function wat(text: string): Promise<Uint8Array> {
  const wabt = await (await import("wabt")).default();
  const mod = wabt.parseWat("m.wat", text);
  const bytes = new Uint8Array(mod.toBinary({}).buffer);
  mod.destroy();
  return bytes;
}

/** Runs `sh -c script` on a kernel with the WASI executor, the files at mode 0755. */
async function runWithWasi(
  script: string,
  files: Record<string, Uint8Array | string>,
  cgroup?: { memoryMax?: number; pidsMax?: number },
): Promise<{ stdout: string; stderr: string; status: number }> {
  const wk = await wasiKernel([], {}, files, applets);
  try {
    if (cgroup) assert.ok(typeof wk.kernel.cgroups.create("/lim", cgroup) !== "number");
    const r = await wk.run(["sh", "-c", script], {
      env: ["PATH=/bin:/usr/bin"],
      ...(cgroup ? { cgroup: "/lim" } : {}),
    });
    return { stdout: r.stdout, stderr: r.stderr, status: r.code };
  } finally {
    await wk.shutdown();
  }
}

Deno.test("sh: a binary file the kernel refuses (ENOEXEC) is 'Exec format error' 126, not run as a script", async () => {
  const files = {
    "/bin/x.wasm": BAD_WASM,
    "/bin/nulfirst": "abc\0def\necho never\n",
  };
  const r = await runWithWasi(
    "/bin/x.wasm a; echo $?; x.wasm; echo $?; nulfirst; echo $?; echo | /bin/x.wasm; echo $?",
    files,
  );
  assert.equal(r.stdout, "126\n126\n126\n126\n");
  assert.equal(
    r.stderr,
    "sh: 1: /bin/x.wasm: Exec format error\nsh: 1: x.wasm: Exec format error\n" +
      "sh: 1: nulfirst: Exec format error\nsh: 1: /bin/x.wasm: Exec format error\n",
  );
});

Deno.test("sh: a text file without #! still runs as a shell script (POSIX), with a NUL after the first line too", async () => {
  const files = {
    "/bin/script": 'echo "script:$0:$1"\nexit 3\n',
    "/bin/payload": "echo head\nexit 0\n\0\0\0binary payload",
  };
  const r = await runWithWasi(
    "script arg; echo $?; /bin/payload; echo $?; exec script last",
    files,
  );
  assert.equal(r.stdout, "script:/bin/script:arg\n3\nhead\n0\nscript:/bin/script:last\n");
  assert.equal(r.stderr, "");
  assert.equal(r.status, 3);
});

Deno.test("sh: exec reports the real error and the shell exits with 126/127, as dash", async () => {
  const cases: [string, string, number][] = [
    ["exec /bin/x.wasm", "sh: 1: exec: /bin/x.wasm: Exec format error\n", 126],
    ["exec x.wasm", "sh: 1: exec: x.wasm: Exec format error\n", 126],
    ["exec nosuch", "sh: 1: exec: nosuch: not found\n", 127],
    ["exec /bin/nosuch", "sh: 1: exec: /bin/nosuch: not found\n", 127],
    ["exec /etc", "sh: 1: exec: /etc: Permission denied\n", 126],
    ["exec /bin/big.wasm", "sh: 1: exec: /bin/big.wasm: Cannot allocate memory\n", 126],
    [
      "x=$(printf %0200000d 0); exec /bin/true $x",
      "sh: 1: exec: /bin/true: Argument list too long\n",
      126,
    ],
    ["(exec /bin/x.wasm); echo sub $?", "sh: 1: exec: /bin/x.wasm: Exec format error\n", 0],
  ];
  const files = {
    "/bin/x.wasm": BAD_WASM,
    "/bin/big.wasm": await wat(`(module (memory (export "memory") 32) (func (export "_start")))`),
  };
  for (const [script, stderr, status] of cases) {
    const r = await runWithWasi(`${script}; echo after`, files, { memoryMax: 1024 * 1024 });
    assert.equal(r.stderr, stderr, script);
    assert.equal(r.status, status, script);
    assert.equal(r.stdout, status === 0 ? "sub 126\nafter\n" : "", script);
  }
});

Deno.test("sh: spawn refusals ENOMEM, EAGAIN, E2BIG and ELOOP say why, as dash", async () => {
  const files = {
    "/bin/big.wasm": await wat(`(module (memory (export "memory") 32) (func (export "_start")))`),
  };
  const mem = await runWithWasi("big.wasm; echo $?", files, { memoryMax: 1024 * 1024 });
  assert.equal(mem.stderr, "sh: 1: big.wasm: Cannot allocate memory\n");
  assert.equal(mem.stdout, "126\n");
  const pids = await runWithWasi("/bin/true; echo $?; echo x | cat; echo $?", {}, { pidsMax: 1 });
  assert.equal(
    pids.stderr,
    "sh: 1: /bin/true: Resource temporarily unavailable\nsh: 1: cat: Resource temporarily unavailable\n",
  );
  assert.equal(pids.stdout, "126\n126\n");
  const big = await runWithWasi("x=$(printf %0200000d 0); cat $x; echo $?", {});
  assert.equal(big.stderr, "sh: 1: cat: Argument list too long\n");
  assert.equal(big.stdout, "126\n");
  const loop = await runWithWasi("ln -s /a /b; ln -s /b /a; /a; echo $?", {});
  assert.equal(loop.stderr, "sh: 1: /a: Too many levels of symbolic links\n");
  assert.equal(loop.stdout, "127\n");
});
