import assert from "node:assert/strict";
import { Errno } from "../../errno.ts";
import { AT, O } from "../../syscalls/api.ts";
import { ioctl, isatty, openat, read, write } from "../../syscalls/sys_file.ts";
import { mkdirat, mknodat, readlinkat } from "../../syscalls/sys_file_meta.ts";
import { mount } from "../../syscalls/sys_mount.ts";
import { Mount } from "../../vfs/mount.ts";
import { testRoot } from "../../vfs/_test_task.ts";
import { createDevfs } from "./devfs.ts";
import { DEV } from "./devices.ts";
import { TIOCGWINSZ } from "./tty.ts";

const enc = new TextEncoder();

function devRoot() {
  const r = testRoot();
  mkdirat(r.task, AT.FDCWD, "/dev", 0o755);
  const dev = createDevfs({ memory: r.task.memory });
  const at = r.fs.root;
  const dir = at.inode.lookup?.("dev");
  assert.ok(dir && typeof dir !== "number");
  r.fs.mountNs.attach(new Mount(dev, dev.root, 0, "devtmpfs"), { mount: at.mount, inode: dir });
  return r;
}

Deno.test("devfs: null swallows, zero gives zeros, full is ENOSPC, urandom is random", () => {
  const { task } = devRoot();
  const nul = openat(task, AT.FDCWD, "/dev/null", O.RDWR, 0) as number;
  assert.equal(write(task, nul, enc.encode("gone")), 4);
  assert.equal(read(task, nul, new Uint8Array(8)), 0);
  const zero = openat(task, AT.FDCWD, "/dev/zero", O.RDONLY, 0) as number;
  const z = new Uint8Array(8).fill(7);
  assert.equal(read(task, zero, z), 8);
  assert.ok(z.every((b) => b === 0));
  const full = openat(task, AT.FDCWD, "/dev/full", O.WRONLY, 0) as number;
  assert.equal(write(task, full, enc.encode("x")), Errno.ENOSPC);
  const ur = openat(task, AT.FDCWD, "/dev/urandom", O.RDONLY, 0) as number;
  const a = new Uint8Array(32), b = new Uint8Array(32);
  read(task, ur, a);
  read(task, ur, b);
  assert.notDeepEqual(a, b);
  assert.equal(readlinkat(task, AT.FDCWD, "/dev/stdout"), "/proc/self/fd/1");
  assert.equal(isatty(task, nul), false);
  assert.equal(ioctl(task, nul, TIOCGWINSZ), Errno.ENOTTY);
});

Deno.test("devfs: /dev/tty without a terminal is ENXIO; device nodes work on any fs by number", () => {
  const { task } = devRoot();
  assert.equal(openat(task, AT.FDCWD, "/dev/tty", O.RDWR, 0), Errno.ENXIO);
  assert.equal(mknodat(task, AT.FDCWD, "/mynull", 0o020666, DEV.NULL), 0);
  const fd = openat(task, AT.FDCWD, "/mynull", O.WRONLY, 0) as number;
  assert.equal(write(task, fd, enc.encode("abc")), 3);
  mkdirat(task, AT.FDCWD, "/nodev", 0o755);
  assert.equal(mount(task, "tmpfs", "/nodev", "tmpfs", 4, /* MS_NODEV */ ""), 0);
  assert.equal(mknodat(task, AT.FDCWD, "/nodev/null", 0o020666, DEV.NULL), 0);
  assert.equal(openat(task, AT.FDCWD, "/nodev/null", O.WRONLY, 0), Errno.EACCES);
});
