import assert from "node:assert/strict";
import { Errno } from "../../errno.ts";
import { AT, O } from "../../syscalls/api.ts";
import { close, ioctl, isatty, openat, read, write } from "../../syscalls/sys_file.ts";
import { mkdirat, mknodat, readlinkat } from "../../syscalls/sys_file_meta.ts";
import { mount } from "../../syscalls/sys_mount.ts";
import { Mount } from "../../vfs/mount.ts";
import { testRoot } from "../../vfs/_test_task.ts";
import { createDevfs } from "./devfs.ts";
import { DEV } from "./devices.ts";
import { TIOCGWINSZ, Tty } from "./tty.ts";

const enc = new TextEncoder();

function devRoot(tty?: Tty) {
  const r = testRoot();
  mkdirat(r.task, AT.FDCWD, "/dev", 0o755);
  const dev = createDevfs({ memory: r.task.memory, tty });
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

Deno.test("tty: isatty, TIOCGWINSZ, typed input read with ICRNL, output with ONLCR", async () => {
  const tty = new Tty({ rows: 40, cols: 120 });
  const { task } = devRoot(tty);
  const fd = openat(task, AT.FDCWD, "/dev/tty", O.RDWR, 0) as number;
  assert.ok(fd >= 0);
  assert.equal(isatty(task, fd), true);
  assert.deepEqual(ioctl(task, fd, TIOCGWINSZ), { rows: 40, cols: 120 });
  tty.resize(50, 100);
  assert.deepEqual(ioctl(task, fd, TIOCGWINSZ), { rows: 50, cols: 100 });
  const pending = read(task, fd, new Uint8Array(16));
  assert.ok(pending instanceof Promise);
  const w = tty.input.getWriter();
  await w.write(enc.encode("ls\r"));
  assert.equal(await pending, 3);
  assert.equal(write(task, fd, enc.encode("a\nb")), 3);
  tty.closeOutput();
  assert.equal(await new Response(tty.output).text(), "a\r\nb");
  await w.close();
  assert.equal(await read(task, fd, new Uint8Array(4)), 0, "EOF after hang-up");
  close(task, fd);
});

Deno.test("tty: eof() ends input once (Ctrl-D), later input is read again", async () => {
  const tty = new Tty();
  const { task } = devRoot(tty);
  const fd = openat(task, AT.FDCWD, "/dev/console", O.RDWR, 0) as number;
  tty.type(enc.encode("ab"));
  tty.eof();
  const buf = new Uint8Array(8);
  assert.equal(read(task, fd, buf), 2);
  assert.equal(read(task, fd, buf), 0, "one end of file");
  const next = read(task, fd, buf);
  assert.ok(next instanceof Promise, "then it waits again");
  tty.type(enc.encode("c"));
  assert.equal(await next, 1);
});
