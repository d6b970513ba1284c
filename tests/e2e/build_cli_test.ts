/**
 * `berth build` end to end through the real CLI and daemon: a multi-stage build with
 * RUN steps on the kernel, the image run afterwards; the cache (all CACHED on an
 * unchanged rebuild, one changed file rebuilds from its step only); `.dockerignore`;
 * `--target`; `-q`; a context tar on stdin; a failing RUN that leaves no tag.
 *
 * @module
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { type Berth, tempBerth } from "./cli_harness.ts";

const DOCKERFILE = `# syntax=docker/dockerfile:1
FROM berth/base AS build
WORKDIR /src
COPY message.txt ./
RUN cat message.txt | tr a-z A-Z > /src/upper.txt
COPY extra.txt ./
RUN printf 'extra: ' > /src/extra.out && cat extra.txt >> /src/extra.out

FROM berth/base AS unused
RUN echo never > /never

FROM berth/base
COPY --from=build /src/upper.txt /src/extra.out /out/
COPY . /ctx/
CMD ["cat", "/out/upper.txt", "/out/extra.out"]
`;

async function writeContext(dir: string): Promise<void> {
  await Deno.mkdir(dir, { recursive: true });
  await Deno.writeTextFile(join(dir, "Dockerfile"), DOCKERFILE);
  await Deno.writeTextFile(join(dir, "message.txt"), "hello berth\n");
  await Deno.writeTextFile(join(dir, "extra.txt"), "one");
  await Deno.writeTextFile(join(dir, "secret.key"), "do not ship");
  await Deno.writeTextFile(join(dir, ".dockerignore"), "*.key\n");
}

async function withBerth(fn: (b: Berth, ctx: string) => Promise<void>): Promise<void> {
  const b = await tempBerth();
  try {
    const ctx = join(b.root, "ctx");
    await writeContext(ctx);
    await fn(b, ctx);
  } finally {
    await b.cleanup();
  }
}

Deno.test("berth build: multi-stage with RUN on the kernel, then berth run; cache and invalidation", async () => {
  await withBerth(async (b, ctx) => {
    const first = await b.run(["build", "-t", "demo:1", ctx]);
    assert.equal(first.code, 0, first.stderr + first.stdout);
    const log = first.stdout + first.stderr;
    assert.match(log, /\[build 4\/6\] RUN cat message\.txt \| tr a-z A-Z > \/src\/upper\.txt/);
    assert.ok(!log.includes("echo never"), "the unused stage is not built");
    assert.match(log, /syntax directive "docker\/dockerfile:1" ignored/);

    const ran = await b.run(["run", "--rm", "demo:1"]);
    assert.equal(ran.code, 0, ran.stderr);
    assert.equal(ran.stdout, "HELLO BERTH\nextra: one");
    const ls = await b.run(["run", "--rm", "demo:1", "ls", "/ctx"]);
    assert.ok(!ls.stdout.includes("secret.key"), ".dockerignore keeps it out");
    assert.ok(ls.stdout.includes("message.txt"));

    const again = await b.run(["build", "-t", "demo:1", ctx]);
    assert.equal(again.code, 0, again.stderr);
    const cached = (again.stdout + again.stderr).match(/CACHED/g)?.length ?? 0;
    assert.equal(cached, 7, again.stdout + again.stderr);

    await Deno.writeTextFile(join(ctx, "extra.txt"), "two");
    const changed = await b.run(["build", "-t", "demo:1", ctx]);
    assert.equal(changed.code, 0, changed.stderr);
    const out = changed.stdout + changed.stderr;
    assert.equal(out.match(/CACHED/g)?.length, 3, out);
    const rerun = await b.run(["run", "--rm", "demo:1"]);
    assert.equal(rerun.stdout, "HELLO BERTH\nextra: two");
  });
});

Deno.test("berth build: --target, -q, context tar on stdin, a failing RUN leaves no tag", async () => {
  await withBerth(async (b, ctx) => {
    const q = await b.run(["build", "-q", "--target", "build", "-t", "stage:1", ctx]);
    assert.equal(q.code, 0, q.stderr);
    assert.match(q.stdout.trim(), /^sha256:[0-9a-f]{64}$/);
    const inspect = await b.run(["image", "inspect", "stage:1"]);
    assert.equal(JSON.parse(inspect.stdout)[0].Id, q.stdout.trim());

    const tar = await new Deno.Command("tar", { args: ["-c", "-C", ctx, "."], stdout: "piped" })
      .output();
    const fromStdin = await b.run(["build", "-t", "stdin:1", "-"], { stdin: tar.stdout });
    assert.equal(fromStdin.code, 0, fromStdin.stderr);
    assert.equal((await b.run(["run", "--rm", "stdin:1"])).stdout, "HELLO BERTH\nextra: one");

    await Deno.writeTextFile(
      join(ctx, "Dockerfile"),
      "FROM berth/base\nRUN echo compiling && echo 'error: it broke' && exit 3\n",
    );
    const failed = await b.run(["build", "-t", "broken:1", ctx]);
    assert.notEqual(failed.code, 0);
    const msg = failed.stdout + failed.stderr;
    assert.match(msg, /exit code: 3/);
    assert.match(msg, /error: it broke/);
    const images = await b.run(["images"]);
    assert.ok(!images.stdout.includes("broken"), images.stdout);
  });
});

Deno.test("berth build: RUN sees /proc and /dev/mqueue of its own namespaces, and /dev/shm, as in a Docker build", async () => {
  await withBerth(async (b, ctx) => {
    await Deno.writeTextFile(
      join(ctx, "Dockerfile"),
      [
        "FROM berth/base",
        // pid 1 of the step's PID namespace is its shell; /dev/mqueue is mounted and empty.
        "RUN { grep -E '^(Name|Pid):' /proc/self/status | tr '\\t' ' '; cat /proc/1/comm;" +
        " ls -A /dev/mqueue | wc -l; grep -c mqueue /proc/mounts;" +
        " echo shm > /dev/shm/x && cat /dev/shm/x; } > /seen",
        "CMD cat /seen",
      ].join("\n"),
    );
    const built = await b.run(["build", "-t", "mounts:1", ctx]);
    assert.equal(built.code, 0, built.stdout + built.stderr);
    const seen = await b.run(["run", "--rm", "mounts:1"]);
    assert.equal(seen.stdout, "Name: grep\nPid: 2\nsh\n0\n1\nshm\n");
  });
});

Deno.test("berth build: device nodes and FIFOs a RUN step makes are in its layer", async () => {
  await withBerth(async (b, ctx) => {
    await Deno.writeTextFile(
      join(ctx, "Dockerfile"),
      "FROM berth/base\nRUN mknod /null2 c 1 3 && mknod -m 640 /disk b 8 1 && mkfifo /fifo\n",
    );
    const built = await b.run(["build", "-t", "devs:1", ctx]);
    assert.equal(built.code, 0, built.stdout + built.stderr);
    const seen = await b.run([
      "run",
      "--rm",
      "devs:1",
      "stat",
      "-c",
      "%n %F %t:%T %a",
      "/null2",
      "/disk",
      "/fifo",
    ]);
    assert.equal(
      seen.stdout,
      "/null2 character special file 1:3 644\n/disk block special file 8:1 640\n" +
        "/fifo fifo 0:0 644\n",
      seen.stderr,
    );
  });
});
