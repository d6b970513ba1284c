import assert from "node:assert/strict";
import { unpackTar } from "modern-tar";
import { type LayerChange, writeLayerTar } from "./layer_writer.ts";

const enc = new TextEncoder();
const file = (path: string, text: string, mtimeMs = 5_000_000): LayerChange => ({
  path,
  type: "file",
  mode: 0o640,
  uid: 7,
  gid: 8,
  mtimeMs,
  size: enc.encode(text).length,
  data: { kind: "bytes", bytes: enc.encode(text) },
});
const dir = (path: string): LayerChange => ({
  path,
  type: "dir",
  mode: 0o755,
  uid: 0,
  gid: 0,
  mtimeMs: 0,
  size: 0,
});
const bytesOf = async (s: ReadableStream<Uint8Array>) =>
  new Uint8Array(await new Response(s).arrayBuffer());

Deno.test("writeLayerTar() is byte-identical for the same changes in any order", async () => {
  const a = [
    dir("/app"),
    file("/app/b", "bb"),
    file("/app/a", "a"),
    dir("/app/sub"),
    file("/z", ""),
  ];
  const b = [...a].reverse();
  assert.deepEqual(await bytesOf(writeLayerTar(a)), await bytesOf(writeLayerTar(b)));
});

Deno.test("writeLayerTar() orders parents first, keeps metadata, writes whiteouts and links", async () => {
  const changes: LayerChange[] = [
    file("/app/x.txt", "hello"),
    dir("/app"),
    { ...dir("/gone"), type: "whiteout" },
    { ...dir("/app/l"), type: "symlink", linkTarget: "x.txt", mode: 0o777 },
    { ...dir("/app/h"), type: "hardlink", linkTarget: "/app/x.txt", mode: 0o640 },
    file("/" + "n".repeat(150) + "/" + "m".repeat(150), "long"),
  ];
  const entries = await unpackTar(await bytesOf(writeLayerTar(changes)));
  const names = entries.map((e) => e.header.name);
  assert.deepEqual(names, [
    ".wh.gone",
    "app/",
    "app/h",
    "app/l",
    "app/x.txt",
    "n".repeat(150) + "/" + "m".repeat(150),
  ]);
  const x = entries.find((e) => e.header.name === "app/x.txt")!;
  assert.equal(new TextDecoder().decode(x.data), "hello");
  assert.equal(x.header.mode, 0o640);
  assert.equal(x.header.uid, 7);
  assert.equal(x.header.gid, 8);
  assert.equal(entries.find((e) => e.header.name === "app/l")!.header.linkname, "x.txt");
  assert.equal(entries.find((e) => e.header.name === "app/h")!.header.linkname, "app/x.txt");
});

Deno.test("writeLayerTar() sets every mtime to SOURCE_DATE_EPOCH", async () => {
  const entries = await unpackTar(
    await bytesOf(
      writeLayerTar([file("/new", "x", 9e12), file("/old", "y", 1000_000)], { epoch: 2000 }),
    ),
  );
  assert.equal(entries[0]!.header.mtime!.getTime(), 2000_000);
  assert.equal(entries[1]!.header.mtime!.getTime(), 2000_000);
});

Deno.test("writeLayerTar() fails when a streamed file's size changed", async () => {
  const c: LayerChange = {
    ...file("/f", "abc"),
    data: {
      kind: "stream",
      open: async function* () {
        yield enc.encode("abcdef");
      },
    },
  };
  await assert.rejects(() => bytesOf(writeLayerTar([c])), /changed size while being read/);
});
