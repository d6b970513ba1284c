/**
 * `berth build` through the real CLI and daemon, for the Dockerfile features issue 10
 * asks to see end to end (the library tests cover them one by one): heredocs for `RUN`
 * and `COPY`, `.dockerignore` with `**` and `!` exceptions, `COPY --from` a stage,
 * `ONBUILD` triggers fired by a child build (and counted in its step totals), several
 * `-t`, `--iidfile`, the mode `COPY . /dir/` gives a new directory, and the same image ID
 * from two copies of a context in different directories with different mtimes when
 * `SOURCE_DATE_EPOCH` is given.
 *
 * @module
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { type Berth, tempBerth } from "./cli_harness.ts";

const DOCKERFILE = `FROM berth/base AS base
ONBUILD RUN echo triggered > /onbuild.txt
LABEL stage=base

FROM berth/base AS build
WORKDIR /w
COPY <<EOT /w/heredoc.txt
copied by a heredoc
EOT
RUN <<EOS
echo line1 > /w/run.txt
echo line2 >> /w/run.txt
EOS

FROM berth/base
COPY --from=build /w/ /out/
COPY . /ctx/
CMD ["cat", "/out/heredoc.txt", "/out/run.txt"]
`;

async function writeContext(dir: string): Promise<void> {
  const files: Record<string, string> = {
    "Dockerfile": DOCKERFILE,
    ".dockerignore": "**/*.log\n!src/a/b/important.log\nlogs\n*.key\n",
    "src/a/b/deep.log": "x\n",
    "src/a/b/important.log": "keep\n",
    "src/top.log": "y\n",
    "src/keep/k.txt": "k\n",
    "logs/x.txt": "l\n",
    "secret.key": "s\n",
  };
  for (const [name, text] of Object.entries(files)) {
    await Deno.mkdir(join(dir, name, ".."), { recursive: true });
    await Deno.writeTextFile(join(dir, name), text);
  }
}

async function build(b: Berth, args: string[]): Promise<string> {
  const r = await b.run(["build", "--progress", "plain", ...args]);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  return r.stdout + r.stderr;
}

Deno.test("berth build: heredocs, .dockerignore ** and !, COPY --from, several -t, --iidfile, COPY . mode", async () => {
  const b = await tempBerth();
  try {
    const ctx = join(b.root, "ctx");
    await writeContext(ctx);
    const iid = join(b.root, "iid.txt");
    await build(b, ["-t", "feat:1", "-t", "feat:latest", "--iidfile", iid, ctx]);
    const id = (await Deno.readTextFile(iid)).trim();
    assert.match(id, /^sha256:[0-9a-f]{64}$/);
    for (const tag of ["feat:1", "feat:latest"]) {
      const r = await b.run(["image", "inspect", "--format", "{{.Id}}", tag]);
      assert.equal(r.stdout.trim(), id, `${tag}: ${r.stderr}`);
    }
    const ran = await b.run(["run", "--rm", "feat:1"]);
    assert.equal(ran.stdout, "copied by a heredoc\nline1\nline2\n", ran.stderr);
    const seen = await b.run([
      "run",
      "--rm",
      "feat:1",
      "sh",
      "-c",
      "cd /ctx && find . -type f | sort; stat -c '%a' /ctx /out",
    ]);
    assert.equal(
      seen.stdout,
      "./.dockerignore\n./Dockerfile\n./src/a/b/important.log\n./src/keep/k.txt\n755\n755\n",
      seen.stderr,
    );
  } finally {
    await b.cleanup();
  }
});

Deno.test("berth build: ONBUILD triggers run in a child build and count in its steps", async () => {
  const b = await tempBerth();
  try {
    const ctx = join(b.root, "ctx");
    await writeContext(ctx);
    await build(b, ["--target", "base", "-t", "onbuild-base:1", ctx]);
    const child = join(b.root, "child");
    await Deno.mkdir(child);
    await Deno.writeTextFile(
      join(child, "Dockerfile"),
      "FROM onbuild-base:1\nRUN cat /onbuild.txt\n",
    );
    const log = await build(b, ["-t", "onbuild-child:1", child]);
    assert.match(log, /\[2\/3\] RUN echo triggered > \/onbuild\.txt/, log);
    assert.match(log, /\[3\/3\] RUN cat \/onbuild\.txt/, log);
    const ran = await b.run(["run", "--rm", "onbuild-child:1", "cat", "/onbuild.txt"]);
    assert.equal(ran.stdout, "triggered\n", ran.stderr);
    const onBuild = await b.run([
      "image",
      "inspect",
      "--format",
      "{{json .Config.OnBuild}}",
      "onbuild-child:1",
    ]);
    assert.match(onBuild.stdout.trim(), /^(null|\[\])$/, "triggers are not inherited further");
  } finally {
    await b.cleanup();
  }
});

Deno.test("berth build: SOURCE_DATE_EPOCH gives the same image ID from two context copies with different mtimes", async () => {
  const ids: string[] = [];
  for (const [i, mtime] of [[1, new Date(2001, 0, 1)], [2, new Date()]] as const) {
    const b = await tempBerth(); // a fresh root each: no shared cache
    try {
      const ctx = join(b.root, `ctx-${i}`);
      await writeContext(ctx);
      for (const f of ["Dockerfile", "src/keep/k.txt", "src/a/b/important.log"]) {
        await Deno.utime(join(ctx, f), mtime, mtime);
      }
      await build(b, ["--build-arg", "SOURCE_DATE_EPOCH=1700000000", "-t", "rep:1", ctx]);
      const r = await b.run(["image", "inspect", "--format", "{{.Id}} {{.Created}}", "rep:1"]);
      ids.push(r.stdout.trim());
    } finally {
      await b.cleanup();
    }
  }
  assert.equal(ids[0], ids[1]);
  assert.match(ids[0]!, /^sha256:[0-9a-f]{64} 2023-11-14T22:13:20/);
});

Deno.test("berth build: --memory and --cpus are the RUN steps' limits", async () => {
  const b = await tempBerth();
  try {
    const ctx = join(b.root, "ctx");
    await Deno.mkdir(ctx);
    await Deno.writeTextFile(
      join(ctx, "Dockerfile"),
      "FROM berth/base\nRUN head -1 /proc/meminfo; nproc\n",
    );
    const log = await build(b, ["-m", "32m", "--cpus", "1", ctx]);
    assert.match(log, /MemTotal:\s+32768 kB/, log);
    assert.match(log, /#\d+ [\d.]+ 1\n/, log);
  } finally {
    await b.cleanup();
  }
});
