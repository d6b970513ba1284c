import assert from "node:assert/strict";
import { Errno } from "../../errno.ts";
import { AT, O, type Stat } from "../../syscalls/api.ts";
import { close, getdents64, openat, pread, read, write } from "../../syscalls/sys_file.ts";
import {
  fchmodat,
  fstatat,
  mkdirat,
  readlinkat,
  renameat2,
  symlinkat,
  unlinkat,
} from "../../syscalls/sys_file_meta.ts";
import { testRoot } from "../../vfs/_test_task.ts";
import { bindHostDir } from "./bind.ts";
import { hostAt } from "./host_at.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();

function readAll(task: ReturnType<typeof testRoot>["task"], path: string): string | number {
  const fd = openat(task, AT.FDCWD, path, O.RDONLY, 0);
  if (typeof fd !== "number" || fd < 0) return fd as number;
  const buf = new Uint8Array(4096);
  const n = read(task, fd, buf) as number;
  close(task, fd);
  return dec.decode(buf.subarray(0, n));
}

async function setup(readonly = false) {
  const parent = await Deno.makeTempDir({ prefix: "berth-bind-" });
  const vol = `${parent}/vol`;
  Deno.mkdirSync(vol);
  Deno.writeTextFileSync(`${parent}/canary`, "CANARY");
  Deno.writeTextFileSync(`${vol}/file`, "host data");
  Deno.mkdirSync(`${vol}/sub`);
  Deno.symlinkSync("/etc", `${vol}/etc`);
  Deno.symlinkSync("../..", `${vol}/up`);
  Deno.symlinkSync(`${parent}/canary`, `${vol}/abs-canary`);
  const r = testRoot();
  const t = r.task;
  mkdirat(t, AT.FDCWD, "/etc", 0o755);
  const fd = openat(t, AT.FDCWD, "/etc/passwd", O.CREAT | O.WRONLY, 0o644) as number;
  write(t, fd, enc.encode("container passwd"));
  close(t, fd);
  mkdirat(t, AT.FDCWD, "/data", 0o755);
  const touched: string[] = [];
  const fs = bindHostDir(t, vol, "/data", { readonly, onHostPath: (p) => touched.push(p) });
  assert.ok(typeof fs !== "number");
  const canaryBefore = Deno.statSync(`${parent}/canary`);
  const check = () => {
    for (const p of touched) assert.ok(p.startsWith(fs.hostRoot), `host path outside: ${p}`);
    const now = Deno.statSync(`${parent}/canary`);
    assert.equal(Deno.readTextFileSync(`${parent}/canary`), "CANARY");
    assert.equal(now.mtime?.getTime(), canaryBefore.mtime?.getTime());
  };
  return { ...r, parent, vol, touched, check, hostRoot: fs.hostRoot };
}

Deno.test("bind: host files are read and written through the mount", async () => {
  const s = await setup();
  try {
    const t = s.task;
    assert.equal(readAll(t, "/data/file"), "host data");
    assert.equal(mkdirat(t, AT.FDCWD, "/data/sub/new", 0o750), 0);
    const fd = openat(t, AT.FDCWD, "/data/sub/new/f", O.CREAT | O.RDWR, 0o600) as number;
    assert.equal(write(t, fd, enc.encode("from container")), 14);
    const buf = new Uint8Array(4);
    assert.equal(pread(t, fd, buf, 5), 4);
    assert.equal(dec.decode(buf), "cont");
    close(t, fd);
    assert.equal(Deno.readTextFileSync(`${s.vol}/sub/new/f`), "from container");
    assert.equal(Deno.statSync(`${s.vol}/sub/new`).mode! & 0o777, 0o750);
    assert.equal(renameat2(t, AT.FDCWD, "/data/sub/new/f", AT.FDCWD, "/data/g", 0), 0);
    assert.equal(Deno.readTextFileSync(`${s.vol}/g`), "from container");
    assert.equal(unlinkat(t, AT.FDCWD, "/data/sub/new", AT.REMOVEDIR), 0);
    assert.equal(unlinkat(t, AT.FDCWD, "/data/sub", AT.REMOVEDIR), 0);
    assert.equal(unlinkat(t, AT.FDCWD, "/data/g", AT.REMOVEDIR), Errno.ENOTDIR);
    const dfd = openat(t, AT.FDCWD, "/data", O.RDONLY | O.DIRECTORY, 0) as number;
    const names = (getdents64(t, dfd) as { name: string }[]).map((e) => e.name).sort();
    assert.deepEqual(names, [".", "..", "abs-canary", "etc", "file", "g", "up"]);
    assert.equal(
      (fstatat(t, AT.FDCWD, "/data/..", 0) as Stat).ino,
      (fstatat(t, AT.FDCWD, "/", 0) as Stat).ino,
    );
    s.check();
  } finally {
    await Deno.remove(s.parent, { recursive: true });
  }
});

Deno.test("bind: host symlinks resolve inside the container, never on the host", async () => {
  const s = await setup();
  try {
    const t = s.task;
    assert.equal(readlinkat(t, AT.FDCWD, "/data/etc"), "/etc");
    assert.equal(readAll(t, "/data/etc/passwd"), "container passwd", "the container's /etc");
    assert.equal(readAll(t, "/data/up/canary"), Errno.ENOENT);
    assert.equal(readAll(t, "/data/abs-canary"), Errno.ENOENT);
    assert.equal(openat(t, AT.FDCWD, "/data/abs-canary", O.WRONLY | O.TRUNC, 0), Errno.ENOENT);
    // Writing through a link to /etc writes the container's /etc.
    const fd = openat(t, AT.FDCWD, "/data/etc/hosts", O.CREAT | O.WRONLY, 0o644) as number;
    assert.ok(fd >= 0);
    close(t, fd);
    assert.equal(typeof fstatat(t, AT.FDCWD, "/etc/hosts", 0), "object");
    // A symlink the container plants, then swaps for a directory it used: no host follow.
    assert.equal(mkdirat(t, AT.FDCWD, "/data/d", 0o755), 0);
    const dfd = openat(t, AT.FDCWD, "/data/d", O.RDONLY | O.DIRECTORY, 0) as number;
    assert.equal(renameat2(t, AT.FDCWD, "/data/d", AT.FDCWD, "/data/d2", 0), 0);
    assert.equal(symlinkat(t, s.parent, AT.FDCWD, "/data/d"), 0);
    const via = openat(t, dfd, "x", O.CREAT | O.WRONLY, 0o644) as number;
    assert.ok(via >= 0, "the dirfd follows the directory it was opened on");
    close(t, via);
    assert.ok(Deno.statSync(`${s.vol}/d2/x`).isFile);
    // The host swaps a directory the kernel has cached for a symlink out of the volume.
    assert.equal(mkdirat(t, AT.FDCWD, "/data/e", 0o755), 0);
    assert.equal(typeof fstatat(t, AT.FDCWD, "/data/e", 0), "object");
    const efd = openat(t, AT.FDCWD, "/data/e", O.RDONLY | O.DIRECTORY, 0) as number;
    Deno.removeSync(`${s.vol}/e`);
    Deno.symlinkSync(s.parent, `${s.vol}/e`);
    assert.ok(openat(t, efd, "canary", O.WRONLY | O.TRUNC, 0) as number < 0);
    assert.ok(openat(t, efd, "evil", O.CREAT | O.WRONLY, 0o644) as number < 0);
    s.check();
    assert.equal(
      Deno.readDirSync(s.parent).toArray().map((e) => e.name).sort().join(),
      "canary,vol",
    );
  } finally {
    await Deno.remove(s.parent, { recursive: true });
  }
});

Deno.test("bind :ro: every write is EROFS, reads work", async () => {
  const s = await setup(true);
  try {
    const t = s.task;
    assert.equal(readAll(t, "/data/file"), "host data");
    assert.equal(openat(t, AT.FDCWD, "/data/file", O.WRONLY, 0), Errno.EROFS);
    assert.equal(openat(t, AT.FDCWD, "/data/new", O.CREAT | O.WRONLY, 0o644), Errno.EROFS);
    assert.equal(mkdirat(t, AT.FDCWD, "/data/x", 0o755), Errno.EROFS);
    assert.equal(unlinkat(t, AT.FDCWD, "/data/file", 0), Errno.EROFS);
    assert.equal(renameat2(t, AT.FDCWD, "/data/file", AT.FDCWD, "/data/f2", 0), Errno.EROFS);
    assert.equal(symlinkat(t, "x", AT.FDCWD, "/data/l"), Errno.EROFS);
    assert.equal(Deno.readTextFileSync(`${s.vol}/file`), "host data");
    s.check();
  } finally {
    await Deno.remove(s.parent, { recursive: true });
  }
});

Deno.test("bind of a single file: reads and writes reach the host file, :ro is EROFS, no way out", async () => {
  const parent = await Deno.makeTempDir({ prefix: "berth-bind-file-" });
  try {
    Deno.mkdirSync(`${parent}/real`);
    Deno.writeTextFileSync(`${parent}/real/conf`, "host conf");
    Deno.writeTextFileSync(`${parent}/canary`, "CANARY");
    Deno.symlinkSync(`${parent}/real`, `${parent}/link`);
    const r = testRoot();
    const t = r.task;
    mkdirat(t, AT.FDCWD, "/etc", 0o755);
    mkdirat(t, AT.FDCWD, "/etc/dir", 0o755);
    close(t, openat(t, AT.FDCWD, "/etc/x", O.CREAT | O.WRONLY, 0o644) as number);
    close(t, openat(t, AT.FDCWD, "/etc/ro", O.CREAT | O.WRONLY, 0o644) as number);
    assert.equal(bindHostDir(t, `${parent}/real/conf`, "/etc/dir"), Errno.ENOTDIR);
    assert.equal(bindHostDir(t, `${parent}/real`, "/etc/x"), Errno.ENOTDIR);
    // A symlink in the source path is resolved once, at mount time.
    const fs = bindHostDir(t, `${parent}/link/conf`, "/etc/x");
    assert.ok(typeof fs !== "number");
    assert.equal(fs.hostRoot, `${Deno.realPathSync(parent)}/real/conf`);
    assert.equal(readAll(t, "/etc/x"), "host conf");
    assert.equal((fstatat(t, AT.FDCWD, "/etc/x", 0) as Stat).size, 9);
    assert.equal(openat(t, AT.FDCWD, "/etc/x/y", O.RDONLY, 0), Errno.ENOTDIR);
    const fd = openat(t, AT.FDCWD, "/etc/x", O.WRONLY | O.TRUNC, 0) as number;
    assert.equal(write(t, fd, enc.encode("new")), 3);
    close(t, fd);
    assert.equal(Deno.readTextFileSync(`${parent}/real/conf`), "new");

    assert.ok(
      typeof bindHostDir(t, `${parent}/real/conf`, "/etc/ro", { readonly: true }) !== "number",
    );
    assert.equal(readAll(t, "/etc/ro"), "new");
    assert.equal(openat(t, AT.FDCWD, "/etc/ro", O.WRONLY, 0), Errno.EROFS);
    assert.equal(openat(t, AT.FDCWD, "/etc/ro", O.RDWR | O.TRUNC, 0), Errno.EROFS);

    // The host swaps the file for a symlink to a canary: never followed on the host (the
    // kernel reads the link and resolves it inside the container, where it names nothing).
    Deno.removeSync(`${parent}/real/conf`);
    Deno.symlinkSync(`${parent}/canary`, `${parent}/real/conf`);
    assert.equal(openat(t, AT.FDCWD, "/etc/x", O.WRONLY | O.TRUNC, 0), Errno.ENOENT);
    assert.equal(openat(t, AT.FDCWD, "/etc/x", O.RDONLY, 0), Errno.ENOENT);
    // …or its directory for a symlink to a directory holding a "conf": not reached either.
    Deno.removeSync(`${parent}/real`, { recursive: true });
    Deno.mkdirSync(`${parent}/elsewhere`);
    Deno.writeTextFileSync(`${parent}/elsewhere/conf`, "ELSEWHERE");
    Deno.symlinkSync(`${parent}/elsewhere`, `${parent}/real`);
    assert.ok((openat(t, AT.FDCWD, "/etc/x", O.RDONLY, 0) as number) < 0);
    assert.ok((openat(t, AT.FDCWD, "/etc/x", O.WRONLY | O.TRUNC, 0) as number) < 0);
    assert.equal(Deno.readTextFileSync(`${parent}/elsewhere/conf`), "ELSEWHERE");
    assert.equal(Deno.readTextFileSync(`${parent}/canary`), "CANARY");
  } finally {
    await Deno.remove(parent, { recursive: true });
  }
});

Deno.test("bind: a directory swapped for a symlink out of the volume right before the open never lets the open out", async () => {
  const parent = await Deno.makeTempDir({ prefix: "berth-bind-swap-" });
  try {
    const vol = `${parent}/vol`;
    Deno.mkdirSync(`${vol}/dir`, { recursive: true });
    Deno.writeTextFileSync(`${vol}/dir/secret`, "inside");
    Deno.mkdirSync(`${parent}/canary`);
    Deno.writeTextFileSync(`${parent}/canary/secret`, "CANARY");
    const { task } = testRoot();
    mkdirat(task, AT.FDCWD, "/data", 0o755);
    // The host swaps vol/dir for a symlink to the canary just before the open itself: the
    // last of the touches an open of /data/dir/secret makes (walk, checks, open).
    let touches = 0;
    let armAt = Infinity;
    let swapped = false;
    const fs = bindHostDir(task, vol, "/data", {
      onHostPath: (p) => {
        if (!p.endsWith("/dir/secret") || ++touches !== armAt) return;
        Deno.renameSync(`${vol}/dir`, `${vol}/aside`);
        Deno.symlinkSync(`${parent}/canary`, `${vol}/dir`);
        swapped = true;
      },
    });
    assert.ok(typeof fs !== "number");
    assert.equal(readAll(task, "/data/dir/secret"), "inside");
    armAt = touches * 2; // the same number of touches again: the last one is the open's
    // Pinned (FFI): the file of the directory the walk reached, now moved aside inside the
    // volume; without FFI the check after the open refuses it. Never the canary.
    const got = readAll(task, "/data/dir/secret");
    assert.ok(got === "inside" || got === Errno.ENOENT, String(got));
    assert.ok(swapped, "the swap happened");
    // A write through the swapped chain changes nothing outside either.
    Deno.removeSync(`${vol}/dir`);
    Deno.renameSync(`${vol}/aside`, `${vol}/dir`);
    swapped = false;
    armAt = touches + (armAt / 2);
    const fd = openat(task, AT.FDCWD, "/data/dir/secret", O.WRONLY | O.TRUNC, 0);
    assert.ok(typeof fd === "number");
    if (fd >= 0) close(task, fd);
    assert.ok(swapped);
    assert.equal(Deno.readTextFileSync(`${parent}/canary/secret`), "CANARY");
  } finally {
    await Deno.remove(parent, { recursive: true });
  }
});

/** A volume whose `dir` the host swaps for a symlink to a canary directory at one touch. */
async function swapSetup() {
  const parent = await Deno.makeTempDir({ prefix: "berth-bind-race-" });
  const vol = `${parent}/vol`;
  Deno.mkdirSync(`${vol}/dir`, { recursive: true });
  Deno.writeTextFileSync(`${vol}/dir/f`, "inside");
  Deno.mkdirSync(`${parent}/canary`);
  Deno.writeTextFileSync(`${parent}/canary/f`, "CANARY");
  Deno.chmodSync(`${parent}/canary/f`, 0o600);
  const { task } = testRoot();
  mkdirat(task, AT.FDCWD, "/data", 0o755);
  let arm: string | null = null;
  let nth = 0;
  let swapped = false;
  const fs = bindHostDir(task, vol, "/data", {
    onHostPath: (p) => {
      if (p !== arm || --nth > 0) return;
      arm = null;
      Deno.renameSync(`${vol}/dir`, `${vol}/aside`);
      Deno.symlinkSync(`${parent}/canary`, `${vol}/dir`);
      swapped = true;
    },
  });
  assert.ok(typeof fs !== "number");
  return {
    task,
    parent,
    vol,
    /** Swap when the file system touches `path` for the `n`th time from now. */
    armAt(path: string, n = 1) {
      arm = path;
      nth = n;
      swapped = false;
    },
    swapped: () => swapped,
    canaryIntact() {
      assert.deepEqual(Deno.readDirSync(`${parent}/canary`).toArray().map((e) => e.name), ["f"]);
      assert.equal(Deno.readTextFileSync(`${parent}/canary/f`), "CANARY");
      assert.equal(Deno.statSync(`${parent}/canary/f`).mode! & 0o777, 0o600);
    },
  };
}

Deno.test("bind: a host racing a directory swap cannot make create, mkdir, chmod or readdir act outside the volume", async () => {
  const s = await swapSetup();
  const pinned = hostAt() !== null;
  try {
    const t = s.task;
    // Create: the swap comes after the directory was reached, between the walk's lookup
    // (the first touch of the name) and the creation (the second).
    s.armAt(`${s.vol}/dir/evil`, 2);
    const fd = openat(t, AT.FDCWD, "/data/dir/evil", O.CREAT | O.WRONLY, 0o644);
    assert.ok(s.swapped());
    if (typeof fd === "number" && fd >= 0) close(t, fd);
    s.canaryIntact();
    if (pinned) assert.ok(Deno.statSync(`${s.vol}/aside/evil`).isFile, "made where the walk was");
    Deno.removeSync(`${s.vol}/dir`);
    Deno.renameSync(`${s.vol}/aside`, `${s.vol}/dir`);
    // Mkdir.
    s.armAt(`${s.vol}/dir/sub`, 2);
    mkdirat(t, AT.FDCWD, "/data/dir/sub", 0o755);
    assert.ok(s.swapped());
    s.canaryIntact();
    Deno.removeSync(`${s.vol}/dir`);
    Deno.renameSync(`${s.vol}/aside`, `${s.vol}/dir`);
    // Chmod: the swap comes after the file itself was reached.
    s.armAt(`${s.vol}/dir/f`, 2);
    const r = fchmodat(t, AT.FDCWD, "/data/dir/f", 0o777, 0);
    assert.ok(s.swapped());
    s.canaryIntact();
    if (pinned) {
      assert.equal(r, 0);
      assert.equal(Deno.statSync(`${s.vol}/aside/f`).mode! & 0o777, 0o777, "the file reached");
    }
    Deno.removeSync(`${s.vol}/dir`);
    Deno.renameSync(`${s.vol}/aside`, `${s.vol}/dir`);
    // Readdir: never the canary's names.
    Deno.writeTextFileSync(`${s.parent}/canary/only-outside`, "x");
    const dfd = openat(t, AT.FDCWD, "/data/dir", O.RDONLY | O.DIRECTORY, 0) as number;
    assert.ok(dfd >= 0);
    s.armAt(`${s.vol}/dir`);
    const names = getdents64(t, dfd);
    assert.ok(s.swapped());
    if (Array.isArray(names)) {
      assert.ok(!names.some((e) => e.name === "only-outside"), "no name from outside");
    }
    close(t, dfd);
  } finally {
    await Deno.remove(s.parent, { recursive: true });
  }
});
