/**
 * `berth build` through the real CLI, for what an audit found missing (issue 10): the
 * Dockerfile from stdin with `-f -` (the context still a directory, and a context tar on
 * stdin still taken by `-`), the CLI's `SOURCE_DATE_EPOCH` and `--reproducible` giving one
 * image ID from two roots and two context copies with different mtimes, and `--progress`
 * with BuildKit's modes (`tty` draws in place, `rawjson` prints JSON, others are refused
 * with exit 125).
 *
 * @module
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { type Berth, tempBerth } from "./cli_harness.ts";

const ESC = "\x1b";

async function writeFiles(dir: string, files: Record<string, string>): Promise<void> {
  for (const [name, text] of Object.entries(files)) {
    await Deno.mkdir(join(dir, name, ".."), { recursive: true });
    await Deno.writeTextFile(join(dir, name), text);
  }
}

async function ok(b: Berth, args: string[], stdin?: string, env?: Record<string, string>) {
  const r = await b.run(args, { stdin, env });
  assert.equal(r.code, 0, `berth ${args.join(" ")}:\n${r.stdout}${r.stderr}`);
  return r;
}

Deno.test("berth build -f - reads the Dockerfile from stdin; it is not part of the context", async () => {
  const b = await tempBerth();
  try {
    const ctx = join(b.root, "ctx");
    await writeFiles(ctx, { "a.txt": "A\n", "skip.log": "no\n", ".dockerignore": "*.log\n" });
    const dockerfile = "FROM berth/base\nCOPY . /c/\nRUN cat /c/a.txt\n";
    await ok(b, ["build", "--progress", "plain", "-f", "-", "-t", "stdin:1", ctx], dockerfile);
    const seen = await ok(b, ["run", "--rm", "stdin:1", "sh", "-c", "cd /c && find . | sort"]);
    assert.equal(seen.stdout, ".\n./.dockerignore\n./a.txt\n", "only the context's files");

    // Errors name the Dockerfile as BuildKit does for stdin.
    const bad = await b.run(["build", "-f", "-", ctx], { stdin: "FROM berth/base\nRUNN x\n" });
    assert.equal(bad.code, 1, bad.stdout + bad.stderr);
    assert.match(bad.stderr, /Dockerfile:2/, bad.stderr);

    // A Dockerfile outside the context travels in the tar too, with its own ignore file.
    const outside = join(b.root, "elsewhere", "Build.file");
    await writeFiles(join(b.root, "elsewhere"), {
      "Build.file": "FROM berth/base\nCOPY . /c/\n",
      "Build.file.dockerignore": "a.txt\n",
    });
    await ok(b, ["build", "-q", "-f", outside, "-t", "outside:1", ctx]);
    const seen2 = await ok(b, ["run", "--rm", "outside:1", "sh", "-c", "cd /c && find . | sort"]);
    assert.equal(seen2.stdout, ".\n./.dockerignore\n./skip.log\n");

    const missing = await b.run(["build", "-f", join(b.root, "nope"), ctx]);
    assert.equal(missing.code, 125);
    assert.match(missing.stderr, /the Dockerfile ".*nope" \(-f\) was not found/);

    // Both from stdin is refused as Docker does (a context tar on stdin: build_cli_test.ts).
    const both = await b.run(["build", "-f", "-", "-"], { stdin: "FROM berth/base\n" });
    assert.equal(both.code, 125, both.stderr);
    assert.match(both.stderr, /can't use stdin for both build context and dockerfile/);
  } finally {
    await b.cleanup();
  }
});

Deno.test("berth build: SOURCE_DATE_EPOCH from the environment and --reproducible give one image ID across roots and mtimes", async () => {
  const withEnv: string[] = [];
  const reproducible: string[] = [];
  const plain: string[] = [];
  for (const [i, mtime] of [[1, new Date(2001, 0, 1)], [2, new Date()]] as const) {
    const b = await tempBerth(); // a fresh root each: no shared cache
    try {
      const ctx = join(b.root, `ctx-${i}`);
      await writeFiles(ctx, {
        "Dockerfile": "FROM berth/base\nCOPY . /app/\nRUN echo built > /app/run.txt\n",
        "src/main.txt": "main\n",
      });
      for (const f of ["Dockerfile", "src/main.txt", "src"]) {
        await Deno.utime(join(ctx, f), mtime, mtime);
      }
      const env = { SOURCE_DATE_EPOCH: "1700000000" };
      const id = (await ok(b, ["build", "-q", ctx], undefined, env)).stdout.trim();
      const created = await ok(b, ["image", "inspect", "--format", "{{.Created}}", id]);
      assert.match(created.stdout, /^2023-11-14T22:13:20/, "the epoch is the image's time");
      withEnv.push(id);
      reproducible.push((await ok(b, ["build", "-q", "--reproducible", ctx])).stdout.trim());
      // An explicit empty build arg turns the environment's epoch off (as BuildKit reads it).
      const off = ["build", "-q", "--no-cache", "--build-arg", "SOURCE_DATE_EPOCH=", ctx];
      plain.push((await ok(b, off, undefined, env)).stdout.trim());
    } finally {
      await b.cleanup();
    }
  }
  assert.match(withEnv[0]!, /^sha256:[0-9a-f]{64}$/);
  assert.equal(withEnv[0], withEnv[1], "SOURCE_DATE_EPOCH in the environment");
  assert.equal(reproducible[0], reproducible[1], "--reproducible");
  assert.notEqual(reproducible[0], withEnv[0], "--reproducible alone is the epoch 0");
  assert.notEqual(plain[0], withEnv[0], "SOURCE_DATE_EPOCH= turned the epoch off");
});

Deno.test("berth build --progress: BuildKit's modes; tty redraws in place, rawjson is JSON, others exit 125", async () => {
  const b = await tempBerth();
  try {
    const ctx = join(b.root, "ctx");
    await writeFiles(ctx, {
      "Dockerfile": "FROM berth/base\nRUN echo one; sleep 0.3; echo two\n",
    });
    const bad = await b.run(["build", "--progress", "fancy", ctx]);
    assert.equal(bad.code, 125);
    assert.match(bad.stderr, /invalid progress mode fancy/);
    assert.equal(bad.stdout, "");

    const tty = await ok(b, ["build", "--progress", "tty", "--no-cache", ctx]);
    assert.match(tty.stdout, new RegExp(`${ESC}\\[\\d+A`), "moves the cursor up to redraw");
    const frames = tty.stdout.split("[+] Building").length - 1;
    assert.ok(frames >= 2, `redrawn (${frames} frames)`);
    const last = tty.stdout.slice(tty.stdout.lastIndexOf("[+] Building"));
    const text = last.replace(new RegExp(`${ESC}\\[[0-9;?]*[A-Za-z]`, "g"), "");
    assert.match(text, /^\[\+\] Building \d+\.\ds \(3\/3\) FINISHED\n/);
    assert.match(text, /\n => \[1\/2\] FROM berth\/base +\d+\.\ds\n/);
    assert.match(text, /\n => \[2\/2\] RUN echo one; sleep 0\.3; echo two +\d+\.\ds\n/);
    assert.match(text, /\n => => writing image sha256:/);
    assert.doesNotMatch(text, /#\d+ /, "no plain lines");

    const cached = await ok(b, ["build", "--progress", "tty", ctx]);
    assert.match(cached.stdout, / => CACHED \[2\/2\] RUN echo one/);

    const raw = await ok(b, ["build", "--progress", "rawjson", "--no-cache", ctx]);
    const statuses = raw.stdout.trim().split("\n").map((l) => JSON.parse(l));
    const names = statuses.flatMap((s) => s.vertexes ?? []).map((v: { name: string }) => v.name);
    assert.ok(names.includes("[2/2] RUN echo one; sleep 0.3; echo two"), names.join(", "));
    const logs = statuses.flatMap((s) => s.logs ?? []).map((l: { data: string }) => atob(l.data));
    assert.deepEqual(logs, ["one\n", "two\n"]);

    const quiet = await ok(b, ["build", "--progress", "quiet", ctx]);
    assert.match(quiet.stdout, /^sha256:[0-9a-f]{64}\n$/);
    const env = await ok(b, ["build", ctx], undefined, { BUILDKIT_PROGRESS: "plain" });
    assert.match(env.stdout, /^#1 \[1\/2\] FROM berth\/base$/m, "auto off a terminal is plain");
  } finally {
    await b.cleanup();
  }
});
