import assert from "node:assert/strict";
import { Errno } from "../errno.ts";
import { AT, O, type Stat } from "./api.ts";
import { close, openat, write } from "./sys_file.ts";
import { chdir, fstatat, getcwd, mkdirat, renameat2, statfs, unlinkat } from "./sys_file_meta.ts";
import { mount, pivot_root, umount2 } from "./sys_mount.ts";
import { makeTask, testRoot } from "../vfs/_test_task.ts";
import { MS } from "../vfs/mount.ts";

const enc = new TextEncoder();

function touch(task: ReturnType<typeof testRoot>["task"], path: string, data = ""): number {
  const fd = openat(task, AT.FDCWD, path, O.CREAT | O.WRONLY | O.TRUNC, 0o644) as number;
  if (fd < 0) return fd;
  const r = write(task, fd, enc.encode(data)) as number;
  close(task, fd);
  return r < 0 ? r : 0;
}

Deno.test("mount tmpfs hides the directory below; umount shows it again; crossing works both ways", () => {
  const { task } = testRoot();
  mkdirat(task, AT.FDCWD, "/mnt", 0o755);
  touch(task, "/mnt/under");
  assert.equal(mount(task, "tmpfs", "/mnt", "tmpfs", 0, "size=1m"), 0);
  assert.equal(fstatat(task, AT.FDCWD, "/mnt/under", 0), Errno.ENOENT);
  touch(task, "/mnt/over");
  assert.equal(
    statfs(task, "/mnt/over") !== null && (statfs(task, "/mnt") as { type: number }).type,
    0x01021994,
  );
  assert.equal(chdir(task, "/mnt"), 0);
  assert.equal(
    (fstatat(task, AT.FDCWD, "..", 0) as Stat).ino,
    (fstatat(task, AT.FDCWD, "/", 0) as Stat).ino,
  );
  assert.equal(getcwd(task), "/mnt");
  assert.equal(umount2(task, "/mnt", 0), Errno.EBUSY, "cwd inside");
  chdir(task, "/");
  assert.equal(renameat2(task, AT.FDCWD, "/mnt/over", AT.FDCWD, "/over", 0), Errno.EXDEV);
  assert.equal(unlinkat(task, AT.FDCWD, "/mnt", AT.REMOVEDIR), Errno.EBUSY);
  assert.equal(umount2(task, "/mnt", 0), 0);
  assert.equal(typeof fstatat(task, AT.FDCWD, "/mnt/under", 0), "object");
  assert.equal(umount2(task, "/mnt", 0), Errno.EINVAL, "not a mount point");
  assert.equal(mount(task, "x", "/mnt", "nosuchfs", 0, ""), Errno.ENODEV);
  assert.equal(mount(task, "x", "/mnt", "tmpfs", 0, "size=lots"), Errno.EINVAL);
});

Deno.test("tmpfs size= gives ENOSPC; data is charged to the mounting task's memory", () => {
  const { task } = testRoot();
  mkdirat(task, AT.FDCWD, "/small", 0o755);
  assert.equal(mount(task, "tmpfs", "/small", "tmpfs", 0, "size=16k"), 0);
  const before = task.memory.current;
  assert.equal(touch(task, "/small/a", "x".repeat(8192)), 0);
  assert.ok(task.memory.current > before);
  assert.equal(touch(task, "/small/b", "x".repeat(16384)), Errno.ENOSPC);
  assert.equal(unlinkat(task, AT.FDCWD, "/small/a", 0), 0);
  assert.equal(touch(task, "/small/b", "x".repeat(16384)), 0);
});

Deno.test("MS_RDONLY and remount: writes are EROFS, reads work", () => {
  const { task } = testRoot();
  mkdirat(task, AT.FDCWD, "/ro", 0o755);
  assert.equal(mount(task, "tmpfs", "/ro", "tmpfs", 0, ""), 0);
  touch(task, "/ro/f", "data");
  assert.equal(mount(task, "", "/ro", "", MS.REMOUNT | MS.RDONLY, ""), 0);
  assert.equal(touch(task, "/ro/f"), Errno.EROFS);
  assert.equal(mkdirat(task, AT.FDCWD, "/ro/d", 0o755), Errno.EROFS);
  assert.equal(unlinkat(task, AT.FDCWD, "/ro/f", 0), Errno.EROFS);
  assert.ok((openat(task, AT.FDCWD, "/ro/f", O.RDONLY, 0) as number) >= 0);
  assert.equal(mount(task, "", "/ro", "", MS.REMOUNT, ""), 0);
  assert.equal(touch(task, "/ro/f"), 0);
});

Deno.test("bind mounts: a directory seen twice, read-only binds, only root may mount", () => {
  const { task, fs } = testRoot();
  mkdirat(task, AT.FDCWD, "/src", 0o755);
  touch(task, "/src/f", "one");
  mkdirat(task, AT.FDCWD, "/view", 0o755);
  assert.equal(mount(task, "/src", "/view", "", MS.BIND | MS.RDONLY, ""), 0);
  assert.equal((fstatat(task, AT.FDCWD, "/view/f", 0) as Stat).size, 3);
  assert.equal(touch(task, "/view/g"), Errno.EROFS);
  assert.equal(touch(task, "/src/g"), 0);
  assert.equal(typeof fstatat(task, AT.FDCWD, "/view/g", 0), "object");
  assert.equal(
    (fstatat(task, AT.FDCWD, "/view/..", 0) as Stat).ino,
    (fstatat(task, AT.FDCWD, "/", 0) as Stat).ino,
  );
  const user = makeTask(fs.fork(), { uid: 1000 });
  assert.equal(mount(user, "tmpfs", "/src", "tmpfs", 0, ""), Errno.EPERM);
  assert.equal(umount2(user, "/view", 0), Errno.EPERM);
});

Deno.test("mount namespaces: unshare gives a private copy; mounts after it are not shared", () => {
  const { task, fs } = testRoot();
  mkdirat(task, AT.FDCWD, "/a", 0o755);
  mkdirat(task, AT.FDCWD, "/b", 0o755);
  assert.equal(mount(task, "tmpfs", "/a", "tmpfs", 0, ""), 0);
  const child = makeTask(fs.fork());
  child.fs.unshareMounts();
  assert.equal(mount(child, "tmpfs", "/b", "tmpfs", 0, ""), 0);
  touch(child, "/b/only-child");
  assert.equal(fstatat(task, AT.FDCWD, "/b/only-child", 0), Errno.ENOENT);
  assert.equal(umount2(child, "/a", 0), 0);
  touch(task, "/a/parent-tmpfs");
  assert.equal(fstatat(child, AT.FDCWD, "/a/parent-tmpfs", 0), Errno.ENOENT);
  assert.equal(typeof fstatat(task, AT.FDCWD, "/a/parent-tmpfs", 0), "object");
});

Deno.test("pivot_root: the new root becomes /, the old one is reachable at put_old until detached", () => {
  const { task } = testRoot();
  touch(task, "/host-secret", "s");
  mkdirat(task, AT.FDCWD, "/newroot", 0o755);
  assert.equal(mount(task, "tmpfs", "/newroot", "tmpfs", 0, ""), 0);
  mkdirat(task, AT.FDCWD, "/newroot/old", 0o755);
  touch(task, "/newroot/hello", "hi");
  task.fs.unshareMounts();
  assert.equal(pivot_root(task, "/", "/newroot/old"), Errno.EBUSY);
  assert.equal(pivot_root(task, "/newroot", "/elsewhere"), Errno.ENOENT);
  assert.equal(pivot_root(task, "/newroot", "/newroot/old"), 0);
  assert.equal((fstatat(task, AT.FDCWD, "/hello", 0) as Stat).size, 2);
  assert.equal(typeof fstatat(task, AT.FDCWD, "/old/host-secret", 0), "object");
  assert.equal(umount2(task, "/old", 2), 0);
  assert.equal(fstatat(task, AT.FDCWD, "/old/host-secret", 0), Errno.ENOENT);
  assert.equal(fstatat(task, AT.FDCWD, "/../host-secret", 0), Errno.ENOENT);
  assert.equal(getcwd(task), "/");
});

Deno.test("umount2 is EBUSY while a file is open on the mount; MNT_DETACH detaches anyway", () => {
  const { task } = testRoot();
  mkdirat(task, AT.FDCWD, "/m", 0o755);
  assert.equal(mount(task, "tmpfs", "/m", "tmpfs", 0, ""), 0);
  const fd = openat(task, AT.FDCWD, "/m/f", O.CREAT | O.RDWR, 0o644) as number;
  assert.equal(umount2(task, "/m", 0), Errno.EBUSY);
  close(task, fd);
  assert.equal(umount2(task, "/m", 0), 0);
  assert.equal(mount(task, "tmpfs", "/m", "tmpfs", 0, ""), 0);
  const fd2 = openat(task, AT.FDCWD, "/m/g", O.CREAT | O.RDWR, 0o644) as number;
  assert.equal(umount2(task, "/m", 2), 0);
  assert.equal(write(task, fd2, enc.encode("still works")), 11, "a detached mount lives on");
});

Deno.test("MS_BIND|MS_REC carries the mounts below the source; a plain bind does not", () => {
  const { task } = testRoot();
  for (const d of ["/src", "/src/sub", "/plain", "/rec"]) mkdirat(task, AT.FDCWD, d, 0o755);
  assert.equal(mount(task, "tmpfs", "/src/sub", "tmpfs", 0, ""), 0);
  touch(task, "/src/sub/inner");
  assert.equal(mount(task, "/src", "/plain", "", MS.BIND, ""), 0);
  assert.equal(mount(task, "/src", "/rec", "", MS.BIND | MS.REC, ""), 0);
  assert.equal(fstatat(task, AT.FDCWD, "/plain/sub/inner", 0), Errno.ENOENT);
  assert.equal(typeof fstatat(task, AT.FDCWD, "/rec/sub/inner", 0), "object");
});

Deno.test("pivot_root('.', '.') then umount2('.', MNT_DETACH), as runc does", () => {
  const { task } = testRoot();
  touch(task, "/host-only");
  mkdirat(task, AT.FDCWD, "/rootfs", 0o755);
  assert.equal(mount(task, "tmpfs", "/rootfs", "tmpfs", 0, ""), 0);
  touch(task, "/rootfs/in-container");
  task.fs.unshareMounts();
  assert.equal(chdir(task, "/rootfs"), 0);
  assert.equal(pivot_root(task, ".", "."), 0);
  assert.equal(umount2(task, ".", 2), 0);
  assert.equal(chdir(task, "/"), 0);
  assert.equal(typeof fstatat(task, AT.FDCWD, "/in-container", 0), "object");
  assert.equal(fstatat(task, AT.FDCWD, "/host-only", 0), Errno.ENOENT);
  assert.equal(fstatat(task, AT.FDCWD, "/../../host-only", 0), Errno.ENOENT);
  assert.equal(getcwd(task), "/");
});
