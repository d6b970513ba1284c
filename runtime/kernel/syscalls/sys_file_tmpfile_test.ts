import assert from "node:assert/strict";
import { Errno, isErrno } from "../errno.ts";
import { AT, O, O_TMPFILE, type Stat } from "./api.ts";
import { close, fstat, openat, pread, pwrite, write } from "./sys_file.ts";
import { fstatat, linkat, mkdirat, unlinkat } from "./sys_file_meta.ts";
import { mount } from "./sys_mount.ts";
import { CountingCharger, testRoot, type TestTask } from "../vfs/_test_task.ts";
import { overlayRoot } from "../fs/overlay/_test_tree.ts";
import { mergedOf } from "../fs/overlay/_test_layers.ts";
import { overlayChanges } from "../fs/overlay/overlay_diff.ts";
import { Kernel } from "../kernel.ts";
import { minimalRoot } from "../minimal_root.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();

function stat(task: TestTask, path: string): Stat {
  const s = fstatat(task, AT.FDCWD, path, 0);
  if (typeof s === "number") throw new Error(`stat ${path}: ${s}`);
  return s;
}

function readAt(task: TestTask, fd: number, n = 64): string {
  const buf = new Uint8Array(n);
  const got = pread(task, fd, buf, 0) as number;
  return dec.decode(buf.subarray(0, got));
}

/** A tmpfs root task and an overlay root task, each with a /tmp directory. */
async function roots(): Promise<[string, TestTask, CountingCharger][]> {
  const tm = new CountingCharger();
  const t = testRoot(tm).task;
  mkdirat(t, AT.FDCWD, "/tmp", 0o1777);
  const om = new CountingCharger();
  const { merged } = await mergedOf([[{ type: "dir", path: "/tmp", mode: 0o1777 }]]);
  const o = overlayRoot(merged, om).task;
  return [["tmpfs", t, tm], ["overlay", o, om]];
}

Deno.test("O_TMPFILE: flag and path errors as Linux", async () => {
  for (const [, task] of await roots()) {
    assert.equal(openat(task, AT.FDCWD, "/tmp", O_TMPFILE | O.RDONLY, 0o600), Errno.EINVAL);
    assert.equal(
      openat(task, AT.FDCWD, "/tmp", O_TMPFILE | O.RDWR | O.CREAT, 0o600),
      Errno.EINVAL,
    );
    assert.equal(
      openat(task, AT.FDCWD, "/tmp", (O_TMPFILE & ~O.DIRECTORY) | O.RDWR, 0o600),
      Errno.EINVAL,
      "__O_TMPFILE without O_DIRECTORY",
    );
    assert.equal(openat(task, AT.FDCWD, "/nope", O_TMPFILE | O.RDWR, 0o600), Errno.ENOENT);
    const f = openat(task, AT.FDCWD, "/tmp/file", O.CREAT | O.WRONLY, 0o644) as number;
    close(task, f);
    assert.equal(openat(task, AT.FDCWD, "/tmp/file", O_TMPFILE | O.RDWR, 0o600), Errno.ENOTDIR);
  }
});

Deno.test("O_TMPFILE: an unnamed file, freed (memory uncharged) at its last close", async () => {
  for (const [name, task, mem] of await roots()) {
    // Copy-up of /tmp (overlay) happens on the first call; measure after it.
    close(task, openat(task, AT.FDCWD, "/tmp", O_TMPFILE | O.RDWR, 0o600) as number);
    const before = mem.current;
    const fd = openat(task, AT.FDCWD, "/tmp", O_TMPFILE | O.RDWR, 0o640) as number;
    assert.ok(fd >= 0, `${name}: ${fd}`);
    assert.equal(write(task, fd, new Uint8Array(100_000).fill(1)), 100_000);
    assert.equal(pwrite(task, fd, enc.encode("hello"), 0), 5);
    assert.equal(readAt(task, fd, 5), "hello");
    const st = fstat(task, fd) as Stat;
    assert.equal(st.nlink, 0);
    assert.equal(st.mode, 0o100640);
    assert.ok(mem.current >= before + 100_000, `${name}: data charged`);
    assert.deepEqual(
      (openat(task, AT.FDCWD, "/tmp", O.RDONLY | O.DIRECTORY, 0) as number) >= 0,
      true,
    );
    close(task, fd);
    // The probe directory fd above stays open; it charges nothing.
    assert.equal(mem.current, before, `${name}: everything given back`);
  }
});

Deno.test("O_TMPFILE: linkat(AT_EMPTY_PATH) names it; with O_EXCL it cannot be named", async () => {
  for (const [name, task, mem] of await roots()) {
    const fd = openat(task, AT.FDCWD, "/tmp", O_TMPFILE | O.WRONLY, 0o600) as number;
    assert.equal(write(task, fd, enc.encode("kept")), 4);
    assert.equal(linkat(task, fd, "", AT.FDCWD, "/tmp/named", AT.EMPTY_PATH), 0, name);
    assert.equal((fstat(task, fd) as Stat).nlink, 1);
    const charged = mem.current;
    close(task, fd);
    assert.equal(mem.current, charged, `${name}: a named file stays`);
    const rfd = openat(task, AT.FDCWD, "/tmp/named", O.RDONLY, 0) as number;
    assert.equal(readAt(task, rfd), "kept");
    close(task, rfd);
    assert.equal(stat(task, "/tmp/named").nlink, 1);

    const ex = openat(task, AT.FDCWD, "/tmp", O_TMPFILE | O.RDWR | O.EXCL, 0o600) as number;
    assert.ok(ex >= 0);
    assert.equal(linkat(task, ex, "", AT.FDCWD, "/tmp/never", AT.EMPTY_PATH), Errno.ENOENT);
    close(task, ex);
    // An ordinary file unlinked while open cannot be linked back either (Linux).
    const o = openat(task, AT.FDCWD, "/tmp/gone", O.CREAT | O.RDWR, 0o600) as number;
    assert.equal(unlinkat(task, AT.FDCWD, "/tmp/gone", 0), 0);
    assert.equal(linkat(task, o, "", AT.FDCWD, "/tmp/back", AT.EMPTY_PATH), Errno.ENOENT);
    close(task, o);
  }
});

Deno.test("O_TMPFILE on the overlay: the named file is an upper file and shows in the diff", async () => {
  const { merged } = await mergedOf([[{ type: "dir", path: "/data" }]]);
  const { task, ovl } = overlayRoot(merged);
  const fd = openat(task, AT.FDCWD, "/data", O_TMPFILE | O.RDWR, 0o644) as number;
  assert.ok(fd >= 0);
  write(task, fd, enc.encode("x"));
  assert.deepEqual(overlayChanges(ovl).changes, [{ kind: "C", path: "/data" }]);
  assert.equal(linkat(task, fd, "", AT.FDCWD, "/data/f", AT.EMPTY_PATH), 0);
  close(task, fd);
  assert.deepEqual(overlayChanges(ovl).changes, [
    { kind: "C", path: "/data" },
    { kind: "A", path: "/data/f" },
  ]);
});

Deno.test("O_TMPFILE: file systems without it say EOPNOTSUPP; read-only mounts EROFS", () => {
  const { task, fs } = testRoot();
  mkdirat(task, AT.FDCWD, "/sys", 0o755);
  assert.equal(
    mount(task, "sysfs", "/sys", "cgroup2", 0, ""),
    fs.mountNs.fsTypes.has("cgroup2") ? 0 : Errno.ENODEV,
  );
  if (fs.mountNs.fsTypes.has("cgroup2")) {
    assert.equal(openat(task, AT.FDCWD, "/sys", O_TMPFILE | O.RDWR, 0o600), Errno.EOPNOTSUPP);
  }
  mkdirat(task, AT.FDCWD, "/ro", 0o755);
  assert.equal(mount(task, "tmpfs", "/ro", "tmpfs", 1, ""), 0);
  assert.equal(openat(task, AT.FDCWD, "/ro", O_TMPFILE | O.RDWR, 0o600), Errno.EROFS);
});

Deno.test("O_TMPFILE: a process names it through /proc/self/fd/N with AT_SYMLINK_FOLLOW", async () => {
  const k = new Kernel({ builtins: {} });
  try {
    const h = await k.spawn({
      argv: ["probe"],
      fs: minimalRoot(k),
      program: async (sys) => {
        const m = await sys.mount("proc", "/proc", "proc", 0, "");
        if (m !== 0 && m !== Errno.EBUSY) return 10;
        const fd = await sys.openat(AT.FDCWD, "/tmp", O_TMPFILE | O.RDWR, 0o600);
        if (isErrno(fd)) return 1;
        if ((await sys.write(fd, enc.encode("via proc"))) !== 8) return 2;
        const shown = await sys.readlinkat(AT.FDCWD, `/proc/self/fd/${fd}`);
        if (typeof shown !== "string" || !/^\/tmp\/#\d+ \(deleted\)$/.test(shown)) return 5;
        const r = await sys.linkat(
          AT.FDCWD,
          `/proc/self/fd/${fd}`,
          AT.FDCWD,
          "/tmp/p",
          AT.SYMLINK_FOLLOW,
        );
        if (r !== 0) return 100 + -r;
        await sys.close(fd);
        const rfd = await sys.openat(AT.FDCWD, "/tmp/p", O.RDONLY, 0);
        if (isErrno(rfd)) return 3;
        const buf = new Uint8Array(16);
        const n = await sys.read(rfd, buf);
        return typeof n === "number" && dec.decode(buf.subarray(0, n)) === "via proc" ? 0 : 4;
      },
    });
    assert.equal((await h.wait()).exitCode, 0);
  } finally {
    await k.shutdown();
  }
});
