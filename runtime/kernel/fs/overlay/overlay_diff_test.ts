import assert from "node:assert/strict";
import { AT, O, type Stat } from "../../syscalls/api.ts";
import { close, openat, read, write } from "../../syscalls/sys_file.ts";
import { fstatat, linkat, mknodat } from "../../syscalls/sys_file_meta.ts";
import { getxattr, setxattr } from "../../syscalls/sys_file_xattr.ts";
import { openStore } from "../../../../image/store/store.ts";
import type { Digest } from "../../../../image/store/digest.ts";
import { openLayer } from "../../../../image/layer/open_layer.ts";
import { joinDev, type LayerChange, storeLayer } from "../../../../image/layer/layer_writer.ts";
import { mergeLayers } from "../../../../image/layer/merged_layers.ts";
import { TarIndexer } from "../../../../image/layer/tar_indexer.ts";
import type { FileTask } from "../../vfs/resolve.ts";
import { memLayerFromTar, tarOf } from "./_test_layers.ts";
import { overlayRoot } from "./_test_tree.ts";
import { overlayChanges, overlayDiffTar } from "./overlay_diff.ts";

const BASE: LayerChange[] = [
  { type: "dir", path: "/dev", mode: 0o755 },
  { type: "file", path: "/etc", data: "x" },
];

const S_IFCHR = 0o020000;
const S_IFBLK = 0o060000;
const S_IFIFO = 0o010000;

function st(task: FileTask, path: string): Stat {
  const s = fstatat(task, AT.FDCWD, path, 0);
  if (typeof s === "number") throw new Error(`stat ${path}: ${s}`);
  return s;
}

async function diffBytes(ovl: Parameters<typeof overlayDiffTar>[0]): Promise<Uint8Array> {
  return new Uint8Array(
    await new Response(overlayDiffTar(ovl, { sourceDateEpoch: 0 })).arrayBuffer(),
  );
}

Deno.test("device nodes and FIFOs made in the upper tree round-trip through the diff tar", async () => {
  const base = await tarOf(BASE);
  const { task, ovl } = overlayRoot(mergeLayers([memLayerFromTar(base, "base")]));
  assert.equal(mknodat(task, AT.FDCWD, "/dev/null", S_IFCHR | 0o666, joinDev(1, 3)), 0);
  assert.equal(mknodat(task, AT.FDCWD, "/dev/sdb1", S_IFBLK | 0o660, joinDev(8, 17)), 0);
  assert.equal(mknodat(task, AT.FDCWD, "/dev/big", S_IFCHR | 0o600, joinDev(511, 70000)), 0);
  assert.equal(mknodat(task, AT.FDCWD, "/pipe", S_IFIFO | 0o644, 0), 0);
  assert.deepEqual(overlayChanges(ovl).changes.map((c) => `${c.kind} ${c.path}`), [
    "C /dev",
    "A /dev/big",
    "A /dev/null",
    "A /dev/sdb1",
    "A /pipe",
  ]);
  const diff = await diffBytes(ovl);
  const ix = new TarIndexer("diff");
  ix.push(diff);
  const entries = new Map(ix.finish().entries.map((e) => [e.path, e]));
  assert.deepEqual(
    [entries.get("/dev/null")?.type, entries.get("/dev/null")?.devMajor],
    ["char", 1],
  );
  assert.deepEqual(
    [entries.get("/dev/sdb1")?.type, entries.get("/dev/sdb1")?.devMinor],
    ["block", 17],
  );
  assert.equal(entries.get("/pipe")?.type, "fifo");

  // Merge the diff over the base, as `commit` then `run` of the new image does.
  const next = overlayRoot(
    mergeLayers([memLayerFromTar(base, "base"), memLayerFromTar(diff, "diff")]),
  );
  const t2 = next.task;
  const nul = st(t2, "/dev/null");
  assert.equal(nul.mode, S_IFCHR | 0o666);
  assert.equal(nul.rdev, joinDev(1, 3));
  assert.equal(st(t2, "/dev/sdb1").mode, S_IFBLK | 0o660);
  assert.equal(st(t2, "/dev/sdb1").rdev, joinDev(8, 17));
  assert.equal(st(t2, "/dev/big").rdev, joinDev(511, 70000));
  assert.equal(st(t2, "/pipe").mode, S_IFIFO | 0o644);
  // The lower char device 1:3 opens as the kernel's null device.
  const fd = openat(t2, AT.FDCWD, "/dev/null", O.RDWR, 0) as number;
  assert.ok(fd >= 0, `open /dev/null: ${fd}`);
  assert.equal(write(t2, fd, new Uint8Array(5)), 5);
  assert.equal(read(t2, fd, new Uint8Array(5)), 0);
  close(t2, fd);
  // Nothing changed yet in the new container: its diff is empty.
  assert.deepEqual(overlayChanges(next.ovl).changes, []);
});

Deno.test("a committed upper (device node, xattrs, hard link) is stored, reopened from the store and seen by the next overlay", async () => {
  const root = await Deno.makeTempDir({ prefix: "berth-commit-" });
  try {
    const store = await openStore(root);
    const base = await storeLayer(store, BASE, { sourceDateEpoch: 0 });
    const open = async (diffIds: Digest[]) =>
      mergeLayers(await Promise.all(diffIds.map((d) => openLayer(store.layerFiles(d)))));
    const { task, ovl } = overlayRoot(await open([base.diffId]));
    assert.equal(mknodat(task, AT.FDCWD, "/dev/console", S_IFCHR | 0o600, joinDev(5, 1)), 0);
    const fd = openat(task, AT.FDCWD, "/dev/data", O.CREAT | O.WRONLY, 0o644) as number;
    write(task, fd, new TextEncoder().encode("payload"));
    close(task, fd);
    assert.equal(setxattr(task, "/dev/data", "user.origin", new TextEncoder().encode("ci"), 0), 0);
    assert.equal(linkat(task, AT.FDCWD, "/dev/data", AT.FDCWD, "/dev/data2", 0), 0);
    const layer = await store.ingestLayer(overlayDiffTar(ovl, { sourceDateEpoch: 0 }), {
      compression: "none",
      name: "commit",
    });
    const next = overlayRoot(await open([base.diffId, layer.diffId])).task;
    assert.equal(st(next, "/dev/console").rdev, joinDev(5, 1));
    assert.equal(st(next, "/dev/console").mode, S_IFCHR | 0o600);
    const buf = new Uint8Array(8);
    assert.equal(getxattr(next, "/dev/data", "user.origin", buf), 2);
    assert.equal(st(next, "/dev/data").nlink, 2, "the upper hard link is a tar hard link");
    assert.equal(st(next, "/dev/data").ino, st(next, "/dev/data2").ino);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});
