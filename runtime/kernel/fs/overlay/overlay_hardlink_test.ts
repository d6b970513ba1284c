import assert from "node:assert/strict";
import { Errno } from "../../errno.ts";
import { AT, O, type Stat } from "../../syscalls/api.ts";
import { close, openat, read, write } from "../../syscalls/sys_file.ts";
import { fstatat, renameat2, unlinkat } from "../../syscalls/sys_file_meta.ts";
import { mergeLayers } from "../../../../image/layer/merged_layers.ts";
import type { FileTask } from "../../vfs/resolve.ts";
import { memLayerFromTar, tarOf } from "./_test_layers.ts";
import { overlayRoot } from "./_test_tree.ts";
import { overlayChanges } from "./overlay_diff.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();

/** A layer whose tar holds `/bin/a` and a type '1' hard link `/bin/b` to it. */
async function linkedImage() {
  const tar = await tarOf([
    { type: "dir", path: "/bin" },
    { type: "file", path: "/bin/a", data: "old" },
    { type: "hardlink", path: "/bin/b", target: "/bin/a" },
    { type: "hardlink", path: "/bin/c", target: "/bin/a" },
    { type: "file", path: "/bin/alone", data: "x" },
  ]);
  // The header of bin/b is a hard link: typeflag '1' at byte 156, link name at 157.
  let at = 0;
  while (dec.decode(tar.subarray(at, at + 6)) !== "bin/b\0") at += 512;
  const hdr = tar.subarray(at, at + 512);
  assert.equal(String.fromCharCode(hdr[156]!), "1");
  assert.equal(dec.decode(hdr.subarray(157, 162)), "bin/a");
  return overlayRoot(mergeLayers([memLayerFromTar(tar)]));
}

function st(task: FileTask, path: string): Stat {
  const s = fstatat(task, AT.FDCWD, path, 0);
  if (typeof s === "number") throw new Error(`stat ${path}: ${s}`);
  return s;
}

function cat(task: FileTask, path: string): string {
  const fd = openat(task, AT.FDCWD, path, O.RDONLY, 0) as number;
  const buf = new Uint8Array(64);
  const n = read(task, fd, buf) as number;
  close(task, fd);
  return dec.decode(buf.subarray(0, n));
}

Deno.test("lower hard links share an inode number and count their names before copy-up", async () => {
  const { task } = await linkedImage();
  const [a, b, c] = [st(task, "/bin/a"), st(task, "/bin/b"), st(task, "/bin/c")];
  assert.equal(a.ino, b.ino);
  assert.equal(a.ino, c.ino);
  assert.equal(a.nlink, 3);
  assert.equal(b.nlink, 3);
  assert.equal(st(task, "/bin/alone").nlink, 1);
  assert.notEqual(st(task, "/bin/alone").ino, a.ino);
  assert.equal(cat(task, "/bin/b"), "old");
});

Deno.test("a write through one name breaks the lower hard link, as overlayfs index=off", async () => {
  const { task, ovl } = await linkedImage();
  const inoBefore = st(task, "/bin/b").ino;
  const fd = openat(task, AT.FDCWD, "/bin/b", O.WRONLY | O.APPEND, 0) as number;
  assert.ok(fd >= 0);
  assert.equal(write(task, fd, enc.encode("+new")), 4);
  close(task, fd);
  assert.equal(cat(task, "/bin/b"), "old+new");
  assert.equal(cat(task, "/bin/a"), "old", "the other names keep the lower data");
  assert.equal(cat(task, "/bin/c"), "old");
  assert.equal(st(task, "/bin/b").nlink, 1);
  assert.equal(st(task, "/bin/b").ino, inoBefore, "constant st_ino across copy-up");
  assert.equal(st(task, "/bin/a").nlink, 2, "the names left still share the lower file");
  assert.equal(st(task, "/bin/a").ino, st(task, "/bin/c").ino);
  assert.deepEqual(overlayChanges(ovl).changes, [
    { kind: "C", path: "/bin" },
    { kind: "C", path: "/bin/b" },
  ]);
});

Deno.test("removing a name of a lower hard link lowers the others' nlink", async () => {
  const { task } = await linkedImage();
  assert.equal(unlinkat(task, AT.FDCWD, "/bin/a", 0), 0);
  assert.equal(st(task, "/bin/b").nlink, 2);
  assert.equal(unlinkat(task, AT.FDCWD, "/bin/c", 0), 0);
  assert.equal(st(task, "/bin/b").nlink, 1);
  assert.equal(cat(task, "/bin/b"), "old");
  assert.equal(fstatat(task, AT.FDCWD, "/bin/a", 0), Errno.ENOENT);
});

Deno.test("rename() between two names of one lower file does nothing (same inode)", async () => {
  const { task } = await linkedImage();
  assert.equal(renameat2(task, AT.FDCWD, "/bin/a", AT.FDCWD, "/bin/b", 0), 0);
  assert.equal(cat(task, "/bin/a"), "old");
  assert.equal(cat(task, "/bin/b"), "old");
  assert.equal(st(task, "/bin/a").nlink, 3);
});
