import assert from "node:assert/strict";
import { Errno, isErrno } from "../errno.ts";
import { AT, O, XATTR } from "./api.ts";
import { close, openat } from "./sys_file.ts";
import { fchmodat, mkdirat, mknodat, symlinkat, unlinkat } from "./sys_file_meta.ts";
import {
  fgetxattr,
  flistxattr,
  fremovexattr,
  fsetxattr,
  getxattr,
  lgetxattr,
  listxattr,
  lsetxattr,
  removexattr,
  setxattr,
  XATTR_SIZE_MAX,
} from "./sys_file_xattr.ts";
import { mount } from "./sys_mount.ts";
import { CountingCharger, makeTask, testRoot, type TestTask } from "../vfs/_test_task.ts";
import { overlayRoot } from "../fs/overlay/_test_tree.ts";
import { memLayerFromTar, mergedOf, tarOf } from "../fs/overlay/_test_layers.ts";
import { overlayDiffTar } from "../fs/overlay/overlay_diff.ts";
import { mergeLayers } from "../../../image/layer/merged_layers.ts";
import { TarIndexer } from "../../../image/layer/tar_indexer.ts";
import { Kernel } from "../kernel.ts";
import { minimalRoot } from "../minimal_root.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();

function value(task: TestTask, path: string, name: string): string | Errno {
  const size = getxattr(task, path, name, new Uint8Array(0));
  if (size < 0) return size as Errno;
  const buf = new Uint8Array(size);
  const n = getxattr(task, path, name, buf);
  return n < 0 ? n as Errno : dec.decode(buf.subarray(0, n));
}

function names(task: TestTask, path: string): string[] {
  const buf = new Uint8Array(4096);
  const n = listxattr(task, path, buf) as number;
  return dec.decode(buf.subarray(0, n)).split("\0").filter(Boolean).sort();
}

function touch(task: TestTask, path: string, mode = 0o644): void {
  close(task, openat(task, AT.FDCWD, path, O.CREAT | O.WRONLY, mode) as number);
}

async function roots(): Promise<[string, TestTask, CountingCharger][]> {
  const tm = new CountingCharger();
  const t = testRoot(tm).task;
  const om = new CountingCharger();
  const { merged } = await mergedOf([[{ type: "dir", path: "/etc" }]]);
  return [["tmpfs", t, tm], ["overlay", overlayRoot(merged, om).task, om]];
}

Deno.test("xattrs: set, get, list, remove, with the size protocol and flags of Linux", async () => {
  for (const [fs, task] of await roots()) {
    touch(task, "/f");
    assert.equal(setxattr(task, "/f", "user.a", enc.encode("one"), 0), 0, fs);
    assert.equal(setxattr(task, "/f", "trusted.t", enc.encode("root only"), 0), 0);
    assert.equal(value(task, "/f", "user.a"), "one");
    assert.equal(getxattr(task, "/f", "user.a", new Uint8Array(2)), Errno.ERANGE);
    assert.deepEqual(names(task, "/f"), ["trusted.t", "user.a"]);
    assert.equal(listxattr(task, "/f", new Uint8Array(0)), "user.a\0trusted.t\0".length);
    assert.equal(listxattr(task, "/f", new Uint8Array(3)), Errno.ERANGE);
    assert.equal(setxattr(task, "/f", "user.a", enc.encode("x"), XATTR.CREATE), Errno.EEXIST);
    assert.equal(setxattr(task, "/f", "user.b", enc.encode("x"), XATTR.REPLACE), Errno.ENODATA);
    assert.equal(setxattr(task, "/f", "user.a", enc.encode("two"), XATTR.REPLACE), 0);
    assert.equal(value(task, "/f", "user.a"), "two");
    assert.equal(setxattr(task, "/f", "user.a", enc.encode(""), 4), Errno.EINVAL);
    assert.equal(removexattr(task, "/f", "user.a"), 0);
    assert.equal(removexattr(task, "/f", "user.a"), Errno.ENODATA);
    assert.equal(getxattr(task, "/f", "user.a", new Uint8Array(8)), Errno.ENODATA);
    assert.equal(setxattr(task, "/f", "user.empty", new Uint8Array(0), 0), 0);
    assert.equal(value(task, "/f", "user.empty"), "");
    assert.equal(getxattr(task, "/nope", "user.a", new Uint8Array(8)), Errno.ENOENT);
  }
});

Deno.test("xattrs: names, namespaces and sizes give Linux's errors", async () => {
  for (const [, task] of await roots()) {
    touch(task, "/f");
    const v = enc.encode("v");
    assert.equal(setxattr(task, "/f", "", v, 0), Errno.ERANGE);
    assert.equal(setxattr(task, "/f", "user." + "n".repeat(251), v, 0), Errno.ERANGE);
    assert.equal(setxattr(task, "/f", "user." + "n".repeat(250), v, 0), 0);
    assert.equal(setxattr(task, "/f", "user.", v, 0), Errno.EINVAL);
    assert.equal(setxattr(task, "/f", "nonsense", v, 0), Errno.EOPNOTSUPP);
    assert.equal(setxattr(task, "/f", "security.selinux", v, 0), Errno.EOPNOTSUPP);
    assert.equal(getxattr(task, "/f", "system.posix_acl_access", v), Errno.EOPNOTSUPP);
    assert.equal(
      setxattr(task, "/f", "user.big", new Uint8Array(XATTR_SIZE_MAX + 1), 0),
      Errno.E2BIG,
    );
    assert.equal(setxattr(task, "/f", "user.max", new Uint8Array(XATTR_SIZE_MAX), 0), 0);
    assert.equal(getxattr(task, "/f", "user.max", new Uint8Array(0)), XATTR_SIZE_MAX);
  }
});

Deno.test("xattrs: trusted. is root's; user. follows file permissions and types", () => {
  const { task: root, fs } = testRoot();
  const user = makeTask(fs.fork(), { uid: 1000 });
  touch(root, "/f", 0o644);
  assert.equal(setxattr(root, "/f", "trusted.k", enc.encode("s"), 0), 0);
  assert.equal(setxattr(root, "/f", "user.k", enc.encode("u"), 0), 0);
  assert.equal(setxattr(user, "/f", "trusted.x", enc.encode("s"), 0), Errno.EPERM);
  assert.equal(getxattr(user, "/f", "trusted.k", new Uint8Array(8)), Errno.ENODATA);
  assert.deepEqual(names(user, "/f"), ["user.k"], "trusted names hidden from users");
  assert.equal(value(user, "/f", "user.k"), "u", "read permission suffices to read");
  assert.equal(setxattr(user, "/f", "user.k", enc.encode("w"), 0), Errno.EACCES);
  assert.equal(removexattr(user, "/f", "user.k"), Errno.EACCES);
  fchmodat(root, AT.FDCWD, "/f", 0o600, 0);
  assert.equal(getxattr(user, "/f", "user.k", new Uint8Array(8)), Errno.EACCES);
  // user.* only on regular files and directories.
  assert.equal(mknodat(root, AT.FDCWD, "/fifo", 0o010666, 0), 0);
  assert.equal(setxattr(root, "/fifo", "user.k", enc.encode("x"), 0), Errno.EPERM);
  assert.equal(getxattr(root, "/fifo", "user.k", new Uint8Array(8)), Errno.ENODATA);
  assert.equal(setxattr(root, "/fifo", "trusted.k", enc.encode("x"), 0), 0);
  // Sticky directory: only the owner (or root) writes user.* on it.
  assert.equal(mkdirat(root, AT.FDCWD, "/tmp", 0o1777), 0);
  fchmodat(root, AT.FDCWD, "/tmp", 0o1777, 0);
  assert.equal(setxattr(user, "/tmp", "user.k", enc.encode("x"), 0), Errno.EPERM);
  assert.equal(setxattr(root, "/tmp", "user.k", enc.encode("x"), 0), 0);
});

Deno.test("xattrs: l* forms act on the symlink, f* forms on the open file", () => {
  const { task } = testRoot();
  touch(task, "/f");
  assert.equal(symlinkat(task, "/f", AT.FDCWD, "/l"), 0);
  assert.equal(setxattr(task, "/l", "user.via", enc.encode("link"), 0), 0);
  assert.equal(value(task, "/f", "user.via"), "link", "setxattr follows the link");
  assert.equal(lsetxattr(task, "/l", "user.on", enc.encode("x"), 0), Errno.EPERM);
  assert.equal(lsetxattr(task, "/l", "trusted.on", enc.encode("lnk"), 0), 0);
  assert.equal(lgetxattr(task, "/l", "trusted.on", new Uint8Array(8)), 3);
  assert.equal(getxattr(task, "/l", "trusted.on", new Uint8Array(8)), Errno.ENODATA);
  const fd = openat(task, AT.FDCWD, "/f", O.RDONLY, 0) as number;
  assert.equal(fsetxattr(task, fd, "user.fd", enc.encode("12"), 0), 0);
  const buf = new Uint8Array(8);
  assert.equal(fgetxattr(task, fd, "user.fd", buf), 2);
  assert.ok((flistxattr(task, fd, new Uint8Array(0)) as number) > 0);
  assert.equal(fremovexattr(task, fd, "user.fd"), 0);
  assert.equal(fgetxattr(task, 99, "user.fd", buf), Errno.EBADF);
  const p = openat(task, AT.FDCWD, "/f", O.PATH, 0) as number;
  assert.equal(fgetxattr(task, p, "user.via", buf), Errno.EBADF);
  close(task, fd);
  close(task, p);
});

Deno.test("xattrs: memory is charged and given back; read-only mounts say EROFS", () => {
  const mem = new CountingCharger();
  const { task } = testRoot(mem);
  touch(task, "/f");
  const before = mem.current;
  assert.equal(setxattr(task, "/f", "user.k", new Uint8Array(10_000), 0), 0);
  assert.ok(mem.current >= before + 10_000);
  assert.equal(setxattr(task, "/f", "user.k", new Uint8Array(10), 0), 0);
  assert.ok(mem.current < before + 1000, "a smaller value gives memory back");
  assert.equal(setxattr(task, "/f", "user.k", new Uint8Array(5000), 0), 0);
  assert.equal(unlinkat(task, AT.FDCWD, "/f", 0), 0);
  assert.equal(mem.current, before - 512, "the inode and its attributes are gone");
  const limited = new CountingCharger(64 << 10);
  const t2 = testRoot(limited).task;
  touch(t2, "/g");
  assert.equal(setxattr(t2, "/g", "user.a", new Uint8Array(60 << 10), 0), 0);
  assert.equal(setxattr(t2, "/g", "user.b", new Uint8Array(60 << 10), 0), Errno.ENOMEM);
  assert.equal(mkdirat(task, AT.FDCWD, "/ro", 0o755), 0);
  assert.equal(mount(task, "tmpfs", "/ro", "tmpfs", 1, ""), 0);
  assert.equal(setxattr(task, "/ro", "user.k", enc.encode("x"), 0), Errno.EROFS);
  assert.equal(removexattr(task, "/ro", "user.k"), Errno.EROFS);
});

Deno.test("xattrs on the overlay: lower PAX SCHILY.xattr records show, copy-up keeps them, the diff writes them", async () => {
  const base = await tarOf([
    { type: "dir", path: "/bin", xattrs: { "user.dir": "d" } },
    { type: "file", path: "/bin/ping", data: "elf", xattrs: { "user.mime": "app/x" } },
    { type: "file", path: "/bin/t", data: "t", xattrs: { "trusted.note": "secret" } },
  ]);
  // The tar really holds the PAX record.
  assert.ok(dec.decode(base).includes("SCHILY.xattr.user.mime=app/x\n"));
  const { task, ovl } = overlayRoot(mergeLayers([memLayerFromTar(base, "base")]));
  assert.equal(value(task, "/bin/ping", "user.mime"), "app/x");
  assert.equal(value(task, "/bin", "user.dir"), "d");
  assert.deepEqual(names(task, "/bin/t"), ["trusted.note"]);
  const user = makeTask(task.fs.fork(), { uid: 1000 });
  assert.deepEqual(names(user, "/bin/t"), []);
  // A data write copies /bin/ping up with its attributes.
  const fd = openat(task, AT.FDCWD, "/bin/ping", O.WRONLY | O.APPEND, 0) as number;
  close(task, fd);
  assert.equal(setxattr(task, "/bin/ping", "user.added", enc.encode("new"), 0), 0);
  assert.deepEqual(names(task, "/bin/ping"), ["user.added", "user.mime"]);
  assert.equal(removexattr(task, "/bin/t", "trusted.note"), 0);
  assert.deepEqual(names(task, "/bin/t"), []);
  assert.equal(removexattr(task, "/bin/t", "trusted.note"), Errno.ENODATA);
  touch(task, "/made");
  assert.equal(setxattr(task, "/made", "user.k", enc.encode("v"), 0), 0);

  const diff = new Uint8Array(await new Response(overlayDiffTar(ovl)).arrayBuffer());
  const ix = new TarIndexer("diff");
  ix.push(diff);
  const entries = new Map(ix.finish().entries.map((e) => [e.path, e]));
  assert.deepEqual(entries.get("/bin/ping")?.xattrs, { "user.added": "new", "user.mime": "app/x" });
  assert.deepEqual(entries.get("/made")?.xattrs, { "user.k": "v" });
  assert.equal(entries.get("/bin/t")?.xattrs, undefined);
  const next = overlayRoot(
    mergeLayers([memLayerFromTar(base, "base"), memLayerFromTar(diff, "diff")]),
  ).task;
  assert.equal(value(next, "/bin/ping", "user.added"), "new");
  assert.equal(value(next, "/made", "user.k"), "v");
  assert.deepEqual(names(next, "/bin/t"), [], "the removal survives the round trip");
});

Deno.test("xattrs through a process's Syscalls; file systems without them say EOPNOTSUPP", async () => {
  const k = new Kernel({ builtins: {} });
  try {
    const h = await k.spawn({
      argv: ["probe"],
      fs: minimalRoot(k),
      program: async (sys) => {
        const fd = await sys.openat(AT.FDCWD, "/tmp/f", O.CREAT | O.RDWR, 0o644);
        if (isErrno(fd)) return 1;
        if (sys.fsetxattr(fd, "user.k", enc.encode("v"), 0) !== 0) return 2;
        const buf = new Uint8Array(4);
        if (sys.getxattr("/tmp/f", "user.k", buf) !== 1 || buf[0] !== 0x76) return 3;
        if (sys.listxattr("/tmp/f", new Uint8Array(0)) !== 7) return 4;
        const m = await sys.mount("proc", "/proc", "proc", 0, "");
        if (m !== 0) return 5;
        if (sys.setxattr("/proc/self/status", "user.k", buf, 0) !== Errno.EOPNOTSUPP) return 6;
        if (sys.listxattr("/proc/self/status", new Uint8Array(8)) !== 0) return 7;
        return 0;
      },
    });
    assert.equal((await h.wait()).exitCode, 0);
  } finally {
    await k.shutdown();
  }
});
