import assert from "node:assert/strict";
import { Errno } from "../errno.ts";
import { AT, O, S_IFIFO } from "./api.ts";
import {
  close,
  dup,
  dup3,
  F,
  fcntl,
  fstat,
  getdents64,
  lseek,
  openat,
  pread,
  pwrite,
  read,
  readv,
  write,
  writev,
} from "./sys_file.ts";
import {
  chdir,
  faccessat,
  fchmodat,
  fchownat,
  fstatat,
  getcwd,
  linkat,
  mkdirat,
  mknodat,
  readlinkat,
  renameat2,
  symlinkat,
  unlinkat,
  utimensat,
} from "./sys_file_meta.ts";
import { CountingCharger, makeTask, testRoot } from "../vfs/_test_task.ts";
import { OpenFile } from "../vfs/fd_table.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();

function openOk(r: unknown): number {
  assert.equal(typeof r, "number");
  assert.ok((r as number) >= 0, `open failed: ${r}`);
  return r as number;
}

Deno.test("openat O_CREAT then write/read round-trips through tmpfs", () => {
  const { task } = testRoot();
  const fd = openOk(openat(task, AT.FDCWD, "/f", O.CREAT | O.RDWR, 0o644));
  assert.equal(write(task, fd, enc.encode("hello world")), 11);
  assert.equal(lseek(task, fd, 0, 0), 0);
  const buf = new Uint8Array(5);
  assert.equal(read(task, fd, buf), 5);
  assert.equal(dec.decode(buf), "hello");
  assert.equal(pread(task, fd, buf, 6), 5);
  assert.equal(dec.decode(buf), "world");
  assert.equal(lseek(task, fd, 0, 1), 5, "pread does not move the offset");
  const st = fstat(task, fd);
  assert.ok(typeof st === "object");
  assert.equal(st.size, 11);
  assert.equal(st.mode, 0o100644);
  assert.equal(close(task, fd), 0);
  assert.equal(close(task, fd), Errno.EBADF);
});

Deno.test("umask applies to O_CREAT and mkdir", () => {
  const { task } = testRoot();
  task.fs.umask = 0o027;
  close(task, openOk(openat(task, AT.FDCWD, "/f", O.CREAT | O.WRONLY, 0o666)));
  assert.equal(mkdirat(task, AT.FDCWD, "/d", 0o777), 0);
  assert.equal((fstatat(task, AT.FDCWD, "/f", 0) as { mode: number }).mode, 0o100640);
  assert.equal((fstatat(task, AT.FDCWD, "/d", 0) as { mode: number }).mode, 0o040750);
});

Deno.test("dup shares the offset; O_APPEND writes at the end", () => {
  const { task } = testRoot();
  const fd = openOk(openat(task, AT.FDCWD, "/f", O.CREAT | O.RDWR, 0o644));
  const fd2 = dup(task, fd) as number;
  assert.equal(fd2, fd + 1);
  write(task, fd, enc.encode("abc"));
  assert.equal(lseek(task, fd2, 0, 1), 3);
  const ap = openOk(openat(task, AT.FDCWD, "/f", O.WRONLY | O.APPEND, 0));
  lseek(task, ap, 0, 0);
  write(task, ap, enc.encode("def"));
  const buf = new Uint8Array(10);
  assert.equal(pread(task, fd, buf, 0), 6);
  assert.equal(dec.decode(buf.subarray(0, 6)), "abcdef");
  assert.equal(pwrite(task, fd, enc.encode("X"), 0), 1);
  assert.equal(writev(task, fd, [enc.encode("12"), enc.encode("34")]), 4);
  const a = new Uint8Array(3), b = new Uint8Array(3);
  assert.equal(readv(task, fd, [a, b]), 0, "offset is at the end after writev");
  lseek(task, fd, 0, 0);
  assert.equal(readv(task, fd, [a, b]), 6);
  assert.equal(dec.decode(a) + dec.decode(b), "Xbc123");
});

Deno.test("dup3 / fcntl: CLOEXEC per descriptor, flags per open file, EMFILE at the limit", () => {
  const { task } = testRoot();
  const fd = openOk(openat(task, AT.FDCWD, "/", O.RDONLY | O.DIRECTORY | O.CLOEXEC, 0));
  assert.equal(fcntl(task, fd, F.GETFD), 1);
  assert.equal(dup3(task, fd, 10, 0), 10);
  assert.equal(fcntl(task, 10, F.GETFD), 0);
  assert.equal(dup3(task, fd, fd, 0), fd);
  assert.equal(dup3(task, fd, fd, O.CLOEXEC), Errno.EINVAL);
  assert.equal(fcntl(task, fd, F.SETFL, O.NONBLOCK), 0);
  assert.equal((fcntl(task, 10, F.GETFL) as number) & O.NONBLOCK, O.NONBLOCK);
  assert.equal(fcntl(task, fd, F.DUPFD, 20), 20);
  assert.equal(fcntl(task, 99, F.GETFD), Errno.EBADF);
  task.fs.fds.limit = 22;
  assert.equal(dup(task, fd), 1);
  assert.equal(fcntl(task, fd, F.DUPFD, 21), 21);
  assert.equal(fcntl(task, fd, F.DUPFD, 21), Errno.EMFILE);
  assert.equal(dup3(task, fd, 22, 0), Errno.EBADF);
});

Deno.test("getdents64 lists . .. and entries, and resumes from the cursor", () => {
  const { task } = testRoot();
  for (const n of ["a", "b", "c"]) mkdirat(task, AT.FDCWD, "/" + n, 0o755);
  const fd = openOk(openat(task, AT.FDCWD, "/", O.RDONLY | O.DIRECTORY, 0));
  const first = getdents64(task, fd, 2);
  assert.ok(Array.isArray(first));
  assert.deepEqual(first.map((e) => e.name), [".", ".."]);
  const rest = getdents64(task, fd);
  assert.ok(Array.isArray(rest));
  assert.deepEqual(rest.map((e) => e.name).sort(), ["a", "b", "c"]);
  assert.deepEqual(getdents64(task, fd), []);
  assert.equal(read(task, fd, new Uint8Array(1)), Errno.EISDIR);
});

Deno.test("mkdir/unlink/rmdir give Linux's errnos", () => {
  const { task } = testRoot();
  assert.equal(mkdirat(task, AT.FDCWD, "/d", 0o755), 0);
  assert.equal(mkdirat(task, AT.FDCWD, "/d", 0o755), Errno.EEXIST);
  assert.equal(mkdirat(task, AT.FDCWD, "/x/y", 0o755), Errno.ENOENT);
  close(task, openOk(openat(task, AT.FDCWD, "/d/f", O.CREAT | O.WRONLY, 0o644)));
  assert.equal(mkdirat(task, AT.FDCWD, "/d/f/g", 0o755), Errno.ENOTDIR);
  assert.equal(unlinkat(task, AT.FDCWD, "/d", AT.REMOVEDIR), Errno.ENOTEMPTY);
  assert.equal(unlinkat(task, AT.FDCWD, "/d", 0), Errno.EISDIR);
  assert.equal(unlinkat(task, AT.FDCWD, "/d/f", AT.REMOVEDIR), Errno.ENOTDIR);
  assert.equal(unlinkat(task, AT.FDCWD, "/d/f/", 0), Errno.ENOTDIR);
  assert.equal(unlinkat(task, AT.FDCWD, "/d/.", AT.REMOVEDIR), Errno.EINVAL);
  assert.equal(unlinkat(task, AT.FDCWD, "/", AT.REMOVEDIR), Errno.EBUSY);
  assert.equal(unlinkat(task, AT.FDCWD, "/d/f", 0), 0);
  assert.equal(unlinkat(task, AT.FDCWD, "/d/f", 0), Errno.ENOENT);
  assert.equal(unlinkat(task, AT.FDCWD, "/d/", AT.REMOVEDIR), 0);
});

Deno.test("an unlinked file stays readable through an open fd", () => {
  const { task } = testRoot();
  const fd = openOk(openat(task, AT.FDCWD, "/f", O.CREAT | O.RDWR, 0o644));
  write(task, fd, enc.encode("still here"));
  assert.equal(unlinkat(task, AT.FDCWD, "/f", 0), 0);
  const buf = new Uint8Array(10);
  assert.equal(pread(task, fd, buf, 0), 10);
  assert.equal(dec.decode(buf), "still here");
  assert.ok(task.memory.current > 0);
  close(task, fd);
  assert.equal(task.memory.byKind.file, 0, "data uncharged after the last close");
});

Deno.test("rename: replace, NOREPLACE, EXCHANGE, dir into itself, ENOTDIR/EISDIR", () => {
  const { task } = testRoot();
  mkdirat(task, AT.FDCWD, "/a", 0o755);
  mkdirat(task, AT.FDCWD, "/a/sub", 0o755);
  close(task, openOk(openat(task, AT.FDCWD, "/f", O.CREAT | O.WRONLY, 0o644)));
  close(task, openOk(openat(task, AT.FDCWD, "/g", O.CREAT | O.WRONLY, 0o600)));
  assert.equal(renameat2(task, AT.FDCWD, "/a", AT.FDCWD, "/a/sub/x", 0), Errno.EINVAL);
  assert.equal(renameat2(task, AT.FDCWD, "/a", AT.FDCWD, "/f", 0), Errno.ENOTDIR);
  assert.equal(renameat2(task, AT.FDCWD, "/f", AT.FDCWD, "/a", 0), Errno.EISDIR);
  assert.equal(renameat2(task, AT.FDCWD, "/f", AT.FDCWD, "/g", 1), Errno.EEXIST);
  assert.equal(renameat2(task, AT.FDCWD, "/f", AT.FDCWD, "/g", 2), 0);
  assert.equal((fstatat(task, AT.FDCWD, "/f", 0) as { mode: number }).mode, 0o100600);
  assert.equal(renameat2(task, AT.FDCWD, "/f", AT.FDCWD, "/g", 0), 0);
  assert.equal(fstatat(task, AT.FDCWD, "/f", 0), Errno.ENOENT);
  assert.equal(renameat2(task, AT.FDCWD, "/nope", AT.FDCWD, "/g", 0), Errno.ENOENT);
  assert.equal(renameat2(task, AT.FDCWD, "/a/sub", AT.FDCWD, "/b", 0), 0);
  assert.equal((fstatat(task, AT.FDCWD, "/", 0) as { nlink: number }).nlink, 4);
});

Deno.test("hard links share data; links to directories are EPERM", () => {
  const { task } = testRoot();
  const fd = openOk(openat(task, AT.FDCWD, "/f", O.CREAT | O.RDWR, 0o644));
  write(task, fd, enc.encode("x"));
  assert.equal(linkat(task, AT.FDCWD, "/f", AT.FDCWD, "/h", 0), 0);
  assert.equal((fstatat(task, AT.FDCWD, "/h", 0) as { nlink: number }).nlink, 2);
  assert.equal(linkat(task, AT.FDCWD, "/f", AT.FDCWD, "/h", 0), Errno.EEXIST);
  mkdirat(task, AT.FDCWD, "/d", 0o755);
  assert.equal(linkat(task, AT.FDCWD, "/d", AT.FDCWD, "/d2", 0), Errno.EPERM);
});

Deno.test("symlinks: readlink, follow, NOFOLLOW, O_CREAT through a dangling link", () => {
  const { task } = testRoot();
  mkdirat(task, AT.FDCWD, "/d", 0o755);
  assert.equal(symlinkat(task, "d", AT.FDCWD, "/l"), 0);
  assert.equal(readlinkat(task, AT.FDCWD, "/l"), "d");
  assert.equal(readlinkat(task, AT.FDCWD, "/d"), Errno.EINVAL);
  assert.equal((fstatat(task, AT.FDCWD, "/l", 0) as { mode: number }).mode & 0o170000, 0o040000);
  assert.equal(
    (fstatat(task, AT.FDCWD, "/l", AT.SYMLINK_NOFOLLOW) as { mode: number }).mode & 0o170000,
    0o120000,
  );
  assert.equal(openat(task, AT.FDCWD, "/l", O.RDONLY | O.NOFOLLOW, 0), Errno.ELOOP);
  symlinkat(task, "/d/new", AT.FDCWD, "/dangling");
  close(task, openOk(openat(task, AT.FDCWD, "/dangling", O.CREAT | O.WRONLY, 0o644)));
  assert.equal(typeof fstatat(task, AT.FDCWD, "/d/new", 0), "object");
  assert.equal(
    openat(task, AT.FDCWD, "/dangling", O.CREAT | O.EXCL | O.WRONLY, 0o644),
    Errno.EEXIST,
  );
});

Deno.test("chdir, relative paths, getcwd and *at with a dirfd", () => {
  const { task } = testRoot();
  mkdirat(task, AT.FDCWD, "/a", 0o755);
  mkdirat(task, AT.FDCWD, "/a/b", 0o755);
  assert.equal(chdir(task, "/a/b"), 0);
  assert.equal(getcwd(task), "/a/b");
  assert.equal(mkdirat(task, AT.FDCWD, "../c", 0o755), 0);
  const dfd = openOk(openat(task, AT.FDCWD, "/a/c", O.RDONLY | O.DIRECTORY, 0));
  close(task, openOk(openat(task, dfd, "x", O.CREAT | O.WRONLY, 0o644)));
  assert.equal(typeof fstatat(task, AT.FDCWD, "/a/c/x", 0), "object");
  const ffd = openOk(openat(task, dfd, "x", O.RDONLY, 0));
  assert.equal(openat(task, ffd, "y", O.RDONLY, 0), Errno.ENOTDIR);
  assert.equal(openat(task, 77, "y", O.RDONLY, 0), Errno.EBADF);
  assert.equal(chdir(task, "/a/c/x"), Errno.ENOTDIR);
  assert.equal(
    (fstatat(task, ffd, "", AT.EMPTY_PATH) as { mode: number }).mode & 0o170000,
    0o100000,
  );
});

Deno.test("permissions: mode bits, groups, root override, sticky dirs, chmod/chown rules", () => {
  const { task: root, fs } = testRoot();
  mkdirat(root, AT.FDCWD, "/tmp", 0o777);
  fchmodat(root, AT.FDCWD, "/tmp", 0o1777, 0);
  close(root, openOk(openat(root, AT.FDCWD, "/secret", O.CREAT | O.WRONLY, 0o600)));
  const alice = makeTask(fs.fork(), { uid: 1000, gid: 1000, groups: [50] });
  const bob = makeTask(fs.fork(), { uid: 1001, gid: 1001 });
  assert.equal(openat(alice, AT.FDCWD, "/secret", O.RDONLY, 0), Errno.EACCES);
  assert.equal(faccessat(alice, AT.FDCWD, "/secret", 4, 0), Errno.EACCES);
  assert.equal(faccessat(root, AT.FDCWD, "/secret", 6, 0), 0);
  assert.equal(faccessat(root, AT.FDCWD, "/secret", 1, 0), Errno.EACCES, "root needs an x bit");
  fchownat(root, AT.FDCWD, "/secret", 0, 50, 0);
  fchmodat(root, AT.FDCWD, "/secret", 0o640, 0);
  assert.equal(faccessat(alice, AT.FDCWD, "/secret", 4, 0), 0, "supplementary group");
  assert.equal(faccessat(bob, AT.FDCWD, "/secret", 4, 0), Errno.EACCES);
  assert.equal(mkdirat(alice, AT.FDCWD, "/nope", 0o755), Errno.EACCES);
  assert.equal(fchmodat(alice, AT.FDCWD, "/secret", 0o777, 0), Errno.EPERM);
  assert.equal(fchownat(alice, AT.FDCWD, "/secret", 1000, -1, 0), Errno.EPERM);
  close(alice, openOk(openat(alice, AT.FDCWD, "/tmp/a", O.CREAT | O.WRONLY, 0o666)));
  assert.equal(unlinkat(bob, AT.FDCWD, "/tmp/a", 0), Errno.EPERM, "sticky /tmp");
  assert.equal(renameat2(bob, AT.FDCWD, "/tmp/a", AT.FDCWD, "/tmp/b", 0), Errno.EPERM);
  assert.equal(utimensat(bob, AT.FDCWD, "/tmp/a", null, null, 0), Errno.EACCES, "0644 after umask");
  assert.equal(fchmodat(alice, AT.FDCWD, "/tmp/a", 0o666, 0), 0);
  assert.equal(utimensat(bob, AT.FDCWD, "/tmp/a", null, null, 0), 0, "write access allows now");
  assert.equal(
    utimensat(bob, AT.FDCWD, "/tmp/a", { sec: 1, nsec: 0 }, { sec: 1, nsec: 0 }, 0),
    Errno.EPERM,
  );
  assert.equal(fchownat(alice, AT.FDCWD, "/tmp/a", -1, 50, 0), 0, "owner to own group");
  assert.equal(unlinkat(alice, AT.FDCWD, "/tmp/a", 0), 0);
  assert.equal(mknodat(alice, AT.FDCWD, "/tmp/dev", 0o020644, 0x103), Errno.EPERM);
  assert.equal(mknodat(alice, AT.FDCWD, "/tmp/fifo", S_IFIFO | 0o600, 0), 0);
});

Deno.test("O_TRUNC, O_DIRECTORY, O_EXCL and opening directories for writing", () => {
  const { task } = testRoot();
  const fd = openOk(openat(task, AT.FDCWD, "/f", O.CREAT | O.WRONLY, 0o644));
  write(task, fd, enc.encode("12345"));
  close(task, fd);
  close(task, openOk(openat(task, AT.FDCWD, "/f", O.WRONLY | O.TRUNC, 0)));
  assert.equal((fstatat(task, AT.FDCWD, "/f", 0) as { size: number }).size, 0);
  assert.equal(openat(task, AT.FDCWD, "/f", O.RDONLY | O.DIRECTORY, 0), Errno.ENOTDIR);
  assert.equal(openat(task, AT.FDCWD, "/", O.WRONLY, 0), Errno.EISDIR);
  assert.equal(openat(task, AT.FDCWD, "/", O.CREAT | O.RDONLY, 0), Errno.EISDIR);
  assert.equal(openat(task, AT.FDCWD, "/f", O.CREAT | O.EXCL, 0), Errno.EEXIST);
  assert.equal(openat(task, AT.FDCWD, "/f/", O.RDONLY, 0), Errno.ENOTDIR);
  assert.equal(openat(task, AT.FDCWD, "/new/", O.CREAT | O.WRONLY, 0o644), Errno.EISDIR);
  assert.equal(openat(task, AT.FDCWD, "", O.RDONLY, 0), Errno.ENOENT);
});

Deno.test("fstat of a host stream without an inode reports a FIFO instead of EBADF", () => {
  const { task } = testRoot();
  const handle = { stream: true, read: () => 0, write: (b: Uint8Array) => b.length };
  task.fs.fds.installAt(1, new OpenFile(null, "pipe:[host1]", handle, O.WRONLY), false);
  const st = fstat(task, 1);
  assert.ok(typeof st === "object");
  assert.equal(st.mode & 0o170000, S_IFIFO);
  assert.equal(lseek(task, 1, 0, 0), Errno.ESPIPE);
});

Deno.test("protected hard links: no linking someone else's file you cannot read and write", () => {
  const { task: root, fs } = testRoot();
  mkdirat(root, AT.FDCWD, "/tmp", 0o1777);
  fchmodat(root, AT.FDCWD, "/tmp", 0o1777, 0);
  close(root, openOk(openat(root, AT.FDCWD, "/tmp/shadow", O.CREAT | O.WRONLY, 0o600)));
  close(root, openOk(openat(root, AT.FDCWD, "/tmp/shared", O.CREAT | O.WRONLY, 0o666)));
  fchmodat(root, AT.FDCWD, "/tmp/shared", 0o666, 0);
  const user = makeTask(fs.fork(), { uid: 1000 });
  assert.equal(linkat(user, AT.FDCWD, "/tmp/shadow", AT.FDCWD, "/tmp/mine", 0), Errno.EPERM);
  assert.equal(linkat(user, AT.FDCWD, "/tmp/shared", AT.FDCWD, "/tmp/mine", 0), 0);
  mkdirat(user, AT.FDCWD, "/tmp/u", 0o755);
  mkdirat(user, AT.FDCWD, "/tmp/u/v", 0o755);
  assert.equal(chdir(user, "/tmp/u/v"), 0);
  assert.equal(getcwd(user), "/tmp/u/v");
});

Deno.test("inodes are charged as kernel memory: a memory limit bounds the number of files", () => {
  const { task } = testRoot(new CountingCharger(64 * 1024));
  mkdirat(task, AT.FDCWD, "/d", 0o755);
  const base = task.memory.byKind.kernel ?? 0;
  let made = 0;
  for (; made < 1000; made++) {
    const r = symlinkat(task, "target", AT.FDCWD, `/d/l${made}`);
    if (r !== 0) {
      assert.equal(r, Errno.ENOSPC);
      break;
    }
  }
  assert.ok(made > 10 && made < 1000, `made ${made}`);
  for (let i = 0; i < made; i++) assert.equal(unlinkat(task, AT.FDCWD, `/d/l${i}`, 0), 0);
  assert.equal(unlinkat(task, AT.FDCWD, "/d", AT.REMOVEDIR), 0);
  assert.ok((task.memory.byKind.kernel ?? 0) < base, "everything given back");
  assert.equal(task.memory.byKind.kernel, 0);
});
