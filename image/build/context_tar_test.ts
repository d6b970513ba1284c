import assert from "node:assert/strict";
import { join } from "node:path";
import { createTarPacker, type TarHeader } from "modern-tar";
import { ContextTarError, extractContextTar } from "./context_tar.ts";

async function tarOf(
  entries: { header: TarHeader; body?: string }[],
  gzip = false,
): Promise<Uint8Array> {
  const { readable, controller } = createTarPacker();
  const done = (async () => {
    for (const e of entries) {
      const w = controller.add(e.header).getWriter();
      if (e.body) await w.write(new TextEncoder().encode(e.body));
      await w.close();
    }
    controller.finalize();
  })();
  const stream = gzip ? readable.pipeThrough(new CompressionStream("gzip")) : readable;
  const bytes = new Uint8Array(await new Response(stream).arrayBuffer());
  await done;
  return bytes;
}

Deno.test("extractContextTar() writes files, dirs and links, gzip or not", async () => {
  for (const gzip of [false, true]) {
    const dir = await Deno.makeTempDir({ prefix: "berth-ctxtar-" });
    try {
      const tar = await tarOf([
        { header: { name: "Dockerfile", size: 13, mode: 0o644 }, body: "FROM scratch\n" },
        { header: { name: "src/", type: "directory", size: 0, mode: 0o755 } },
        { header: { name: "src/run.sh", size: 2, mode: 0o755 }, body: "hi" },
        { header: { name: "link", type: "symlink", size: 0, linkname: "src/run.sh" } },
      ], gzip);
      assert.equal(await extractContextTar(tar, dir), 4);
      assert.equal(await Deno.readTextFile(join(dir, "Dockerfile")), "FROM scratch\n");
      assert.equal((await Deno.stat(join(dir, "src/run.sh"))).mode! & 0o777, 0o755);
      assert.equal(await Deno.readLink(join(dir, "link")), "src/run.sh");
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  }
});

Deno.test("extractContextTar() gives the context root 0755, or the mode of its ./ entry", async () => {
  for (const [root, want] of [[undefined, 0o755], [0o750, 0o750]] as const) {
    const dir = await Deno.makeTempDir({ prefix: "berth-ctxtar-" }); // 0700, as the daemon's
    try {
      const entries: { header: TarHeader; body?: string }[] = [
        { header: { name: "a.txt", size: 1, mode: 0o644 }, body: "a" },
      ];
      if (root !== undefined) {
        entries.unshift({ header: { name: "./", type: "directory", size: 0, mode: root } });
      }
      await extractContextTar(await tarOf(entries), dir);
      assert.equal((await Deno.stat(dir)).mode! & 0o7777, want, `root entry ${root}`);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  }
});

Deno.test("extractContextTar() refuses entries that climb out with ..", async () => {
  const dir = await Deno.makeTempDir({ prefix: "berth-ctxtar-" });
  try {
    const tar = await tarOf([{ header: { name: "../../evil", size: 1 }, body: "x" }]);
    await assert.rejects(() => extractContextTar(tar, join(dir, "ctx")), ContextTarError);
    assert.deepEqual([...Deno.readDirSync(dir)].map((e) => e.name), ["ctx"]);
    const link = await tarOf([{ header: { name: "h", type: "link", size: 0, linkname: "../x" } }]);
    await assert.rejects(() => extractContextTar(link, join(dir, "ctx2")), /outside the context/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("extractContextTar() never writes or links through a symlink an entry made", async () => {
  const dir = await Deno.makeTempDir({ prefix: "berth-ctxtar-" });
  const outside = await Deno.makeTempDir({ prefix: "berth-ctxtar-outside-" });
  try {
    await Deno.writeTextFile(join(outside, "victim"), "safe");
    const viaDir = await tarOf([
      { header: { name: "escape", type: "symlink", size: 0, linkname: outside } },
      { header: { name: "escape/victim", size: 5 }, body: "owned" },
    ]);
    await assert.rejects(() => extractContextTar(viaDir, join(dir, "a")), /goes through "escape"/);
    const overLink = await tarOf([
      { header: { name: "victim", type: "symlink", size: 0, linkname: join(outside, "victim") } },
      { header: { name: "victim", size: 5 }, body: "owned" },
    ]);
    await extractContextTar(overLink, join(dir, "b"));
    assert.equal(
      await Deno.readTextFile(join(dir, "b", "victim")),
      "owned",
      "the link was replaced",
    );
    const hard = await tarOf([
      { header: { name: "etc", type: "symlink", size: 0, linkname: outside } },
      { header: { name: "h", type: "link", size: 0, linkname: "etc/victim" } },
    ]);
    await assert.rejects(() => extractContextTar(hard, join(dir, "c")), ContextTarError);
    assert.equal(await Deno.readTextFile(join(outside, "victim")), "safe");
  } finally {
    await Deno.remove(dir, { recursive: true });
    await Deno.remove(outside, { recursive: true });
  }
});
