import assert from "node:assert/strict";
import * as nfs from "node:fs";
import { fc, runs } from "../../../../tests/_property.ts";
import { Errno } from "../../errno.ts";
import { AT, O, type Stat } from "../../syscalls/api.ts";
import { close, openat, pread, read, write } from "../../syscalls/sys_file.ts";
import {
  fstatat,
  linkat,
  mkdirat,
  mknodat,
  renameat2,
  unlinkat,
} from "../../syscalls/sys_file_meta.ts";
import type { LayerChange } from "../../../../image/layer/layer_writer.ts";
import { mergeLayers } from "../../../../image/layer/merged_layers.ts";
import { CountingCharger, makeTask } from "../../vfs/_test_task.ts";
import { FsState } from "../../vfs/fs_state.ts";
import { Mount, MountNamespace } from "../../vfs/mount.ts";
import { OverlayFs } from "./overlay.ts";
import { memLayerFromTar, mergedOf } from "./_test_layers.ts";
import { hostTree, overlayRoot, vfsTree } from "./_test_tree.ts";
import { applyHost, applyVfs, type FileOp } from "./_test_ops.ts";
import { overlayChanges, overlayDiffTar } from "./overlay_diff.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();

/** A 3-layer image with whiteouts, an opaque directory and a symlink. */
const IMAGE: LayerChange[][] = [
  [
    { type: "dir", path: "/etc", mode: 0o755 },
    { type: "file", path: "/etc/passwd", data: "root:x:0:0\n" },
    { type: "file", path: "/etc/hosts", data: "127.0.0.1 localhost\n" },
    { type: "dir", path: "/bin", mode: 0o755 },
    { type: "file", path: "/bin/sh", data: "#!sh", mode: 0o755 },
    { type: "symlink", path: "/bin/ls", target: "sh" },
    { type: "dir", path: "/usr", mode: 0o755 },
    { type: "dir", path: "/usr/share", mode: 0o755 },
    { type: "dir", path: "/usr/share/doc", mode: 0o755 },
    { type: "file", path: "/usr/share/doc/a", data: "doc a" },
    { type: "file", path: "/usr/share/doc/b", data: "doc b" },
    { type: "dir", path: "/var", mode: 0o755 },
    { type: "dir", path: "/var/lib", mode: 0o755 },
    { type: "file", path: "/var/lib/x", data: "x" },
  ],
  [
    { type: "whiteout", path: "/etc/hosts" },
    { type: "file", path: "/etc/group", data: "root:x:0:\n" },
    { type: "opaque", path: "/usr/share/doc" },
    { type: "dir", path: "/usr/share/doc", mode: 0o755 },
    { type: "file", path: "/usr/share/doc/c", data: "doc c" },
    { type: "dir", path: "/opt", mode: 0o755 },
    { type: "dir", path: "/opt/app", mode: 0o755 },
    { type: "file", path: "/opt/app/run", data: "v1", mode: 0o755 },
  ],
  [
    { type: "file", path: "/opt/app/run", data: "v2", mode: 0o755 },
    { type: "whiteout", path: "/var/lib" },
    { type: "dir", path: "/home", mode: 0o755 },
    { type: "dir", path: "/home/user", mode: 0o700, uid: 1000, gid: 1000 },
    { type: "file", path: "/home/user/.profile", data: "PS1=$\n" },
  ],
];

/** Unpack change sets into a host directory the way `docker load` would (OCI rules). */
function unpack(dir: string, sets: LayerChange[][]): void {
  for (const set of sets) {
    for (const c of set) {
      if (c.type === "opaque") {
        for (const e of nfs.readdirSync(dir + c.path)) {
          nfs.rmSync(`${dir}${c.path}/${e}`, { recursive: true });
        }
      }
    }
    for (const c of set) {
      if (c.type === "whiteout") nfs.rmSync(dir + c.path, { recursive: true, force: true });
    }
    for (const c of set) {
      const p = dir + c.path;
      if (c.type === "dir") {
        nfs.mkdirSync(p, { recursive: true });
        nfs.chmodSync(p, c.mode ?? 0o755);
      } else if (c.type === "file") {
        nfs.rmSync(p, { force: true, recursive: true });
        nfs.writeFileSync(p, c.data as string);
        nfs.chmodSync(p, c.mode ?? 0o644);
      } else if (c.type === "symlink") {
        nfs.rmSync(p, { force: true, recursive: true });
        nfs.symlinkSync(c.target, p);
      }
    }
  }
}

Deno.test("lookup() sees the merged layers: whiteouts and opaque dirs applied", async () => {
  const { merged } = await mergedOf(IMAGE);
  const { task } = overlayRoot(merged);
  const tree = vfsTree(task);
  assert.equal(tree.get("/etc/hosts"), undefined);
  assert.deepEqual(tree.get("/etc/group"), { t: "file", mode: 0o644, data: "root:x:0:\n" });
  assert.equal(tree.get("/usr/share/doc/a"), undefined, "opaque dir hides lower entries");
  assert.ok(tree.get("/usr/share/doc/c"));
  assert.equal(tree.get("/var/lib"), undefined);
  assert.deepEqual(tree.get("/opt/app/run"), { t: "file", mode: 0o755, data: "v2" });
  assert.deepEqual(tree.get("/bin/ls"), { t: "link", target: "sh" });
  const st = fstatat(task, AT.FDCWD, "/home/user", 0) as Stat;
  assert.equal(st.uid, 1000);
  assert.equal(st.mode, 0o040700);
});

Deno.test("a write copies the file up; the layer tars are never modified", async () => {
  const { merged, tars } = await mergedOf(IMAGE);
  const before = tars.map((t) => t.slice());
  const mem = new CountingCharger();
  const { task, ovl } = overlayRoot(merged, mem);
  const fd = openat(task, AT.FDCWD, "/etc/passwd", O.WRONLY | O.APPEND, 0) as number;
  assert.ok(fd >= 0);
  assert.equal(write(task, fd, enc.encode("u:x:1:1\n")), 8);
  close(task, fd);
  const buf = new Uint8Array(64);
  const rfd = openat(task, AT.FDCWD, "/etc/passwd", O.RDONLY, 0) as number;
  const n = pread(task, rfd, buf, 0) as number;
  assert.equal(dec.decode(buf.subarray(0, n)), "root:x:0:0\nu:x:1:1\n");
  assert.deepEqual(tars, before);
  assert.ok(mem.current > 0, "upper data is charged");
  assert.deepEqual(overlayChanges(ovl).changes, [
    { kind: "C", path: "/etc" },
    { kind: "C", path: "/etc/passwd" },
  ]);
});

Deno.test("delete leaves a whiteout; mkdir over a deleted lower dir is opaque", async () => {
  const { merged } = await mergedOf(IMAGE);
  const { task, ovl } = overlayRoot(merged);
  assert.equal(unlinkat(task, AT.FDCWD, "/usr/share/doc", AT.REMOVEDIR), Errno.ENOTEMPTY);
  assert.equal(unlinkat(task, AT.FDCWD, "/usr/share/doc/c", 0), 0);
  assert.equal(unlinkat(task, AT.FDCWD, "/usr/share/doc", AT.REMOVEDIR), 0);
  assert.equal(fstatat(task, AT.FDCWD, "/usr/share/doc", 0), Errno.ENOENT);
  assert.equal(mkdirat(task, AT.FDCWD, "/usr/share/doc", 0o755), 0);
  assert.deepEqual([...vfsTree(task, "/usr/share/doc").keys()], []);
  assert.equal(unlinkat(task, AT.FDCWD, "/bin/ls", 0), 0);
  const { changes, layer } = overlayChanges(ovl);
  assert.deepEqual(
    changes,
    [
      { kind: "D", path: "/bin/ls" },
      { kind: "C", path: "/bin" },
      { kind: "C", path: "/usr" },
      { kind: "C", path: "/usr/share" },
      { kind: "C", path: "/usr/share/doc" },
    ].sort((a, b) => a.path < b.path ? -1 : 1),
  );
  assert.ok(layer.some((c) => c.type === "opaque" && c.path === "/usr/share/doc"));
  assert.ok(layer.some((c) => c.type === "whiteout" && c.path === "/bin/ls"));
});

Deno.test("rename: lower directories give EXDEV, files and upper-only dirs move", async () => {
  const { merged } = await mergedOf(IMAGE);
  const { task } = overlayRoot(merged);
  assert.equal(renameat2(task, AT.FDCWD, "/etc", AT.FDCWD, "/etc2", 0), Errno.EXDEV);
  assert.equal(renameat2(task, AT.FDCWD, "/etc/passwd", AT.FDCWD, "/passwd", 0), 0);
  assert.equal(fstatat(task, AT.FDCWD, "/etc/passwd", 0), Errno.ENOENT);
  assert.equal(mkdirat(task, AT.FDCWD, "/new", 0o755), 0);
  assert.equal(mkdirat(task, AT.FDCWD, "/new/sub", 0o755), 0);
  assert.equal(renameat2(task, AT.FDCWD, "/new", AT.FDCWD, "/opt/moved", 0), 0);
  assert.equal((fstatat(task, AT.FDCWD, "/opt/moved/sub", 0) as Stat).mode, 0o040755);
  // Moving an upper dir over a lower (empty) dir hides the lower one.
  assert.equal(mkdirat(task, AT.FDCWD, "/empty", 0o755), 0);
  assert.equal(renameat2(task, AT.FDCWD, "/opt/moved", AT.FDCWD, "/home", 0), Errno.ENOTEMPTY);
});

Deno.test("rename() from one hard link of a file onto another does nothing (as Linux)", async () => {
  const { merged } = await mergedOf(IMAGE);
  const { task } = overlayRoot(merged);
  assert.equal(linkat(task, AT.FDCWD, "/etc/passwd", AT.FDCWD, "/etc/pw2", 0), 0);
  assert.equal(renameat2(task, AT.FDCWD, "/etc/passwd", AT.FDCWD, "/etc/pw2", 0), 0);
  assert.equal((fstatat(task, AT.FDCWD, "/etc/passwd", 0) as Stat).nlink, 2);
  assert.equal((fstatat(task, AT.FDCWD, "/etc/pw2", 0) as Stat).nlink, 2);
});

Deno.test("the same operations on the overlay and on an unpacked directory give the same tree", async () => {
  const { merged } = await mergedOf(IMAGE);
  const dir = await Deno.makeTempDir({ prefix: "berth-ovl-" });
  try {
    unpack(dir, IMAGE);
    const { task } = overlayRoot(merged);
    assert.deepEqual(vfsTree(task), hostTree(dir), "freshly mounted");
    const script: FileOp[] = [
      { op: "write", path: "/etc/passwd", data: "u:x\n", append: true },
      { op: "mkdir", path: "/etc/new", mode: 0o750 },
      { op: "write", path: "/etc/new/f", data: "n" },
      { op: "unlink", path: "/bin/ls" },
      { op: "rename", from: "/opt/app/run", to: "/opt/app/run.old" },
      { op: "unlink", path: "/usr/share/doc/c" },
      { op: "rmdir", path: "/usr/share/doc" },
      { op: "mkdir", path: "/usr/share/doc", mode: 0o755 },
      { op: "write", path: "/usr/share/doc/z", data: "zz" },
      { op: "chmod", path: "/bin/sh", mode: 0o700 },
      { op: "symlink", target: "passwd", path: "/etc/pw" },
      { op: "link", from: "/etc/group", to: "/etc/group2" },
      { op: "rmdir", path: "/etc" },
      { op: "unlink", path: "/nope" },
      { op: "mkdir", path: "/bin/sh/x", mode: 0o755 },
      { op: "rename", from: "/etc/new", to: "/etc/new2" },
    ];
    for (const op of script) {
      assert.equal(applyVfs(task, op), applyHost(dir, op), JSON.stringify(op));
    }
    assert.deepEqual(vfsTree(task), hostTree(dir));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

const NAMES = ["a", "b", "doc"];
const DIRS = ["/etc", "/opt/app", "/usr/share/doc", "/x"];
const pathArb = fc.tuple(fc.constantFrom(...DIRS), fc.constantFrom(...NAMES)).map(([d, n]) =>
  `${d}/${n}`
);
const opArb: fc.Arbitrary<FileOp> = fc.oneof(
  fc.record({
    op: fc.constant("write" as const),
    path: pathArb,
    data: fc.string({ maxLength: 6 }),
    append: fc.boolean(),
  }),
  fc.record({
    op: fc.constant("mkdir" as const),
    path: pathArb,
    mode: fc.constantFrom(0o755, 0o700),
  }),
  fc.record({ op: fc.constant("unlink" as const), path: pathArb }),
  fc.record({
    op: fc.constant("rmdir" as const),
    path: fc.oneof(pathArb, fc.constantFrom(...DIRS)),
  }),
  fc.record({ op: fc.constant("rename" as const), from: pathArb, to: pathArb }),
  // Relative targets only: the host side must never follow a link out of its temp dir.
  fc.record({
    op: fc.constant("symlink" as const),
    target: fc.constantFrom("a", "b", "../a", "doc/a", "doc"),
    path: pathArb,
  }),
  fc.record({
    op: fc.constant("chmod" as const),
    path: pathArb,
    mode: fc.constantFrom(0o600, 0o755),
  }),
  fc.record({ op: fc.constant("link" as const), from: pathArb, to: pathArb }),
  fc.record({
    op: fc.constant("write" as const),
    path: fc.constantFrom("/etc/passwd", "/opt/app/run", "/usr/share/doc/c"),
    data: fc.string({ maxLength: 4 }),
    append: fc.boolean(),
  }),
);

Deno.test("property: random operations match the host, and diff → re-apply gives the same tree", async () => {
  const { merged, tars } = await mergedOf(IMAGE);
  const base = tars.map((t, i) => memLayerFromTar(t, `layer${i}`));
  const dir = await Deno.makeTempDir({ prefix: "berth-ovl-prop-" });
  try {
    await fc.assert(
      fc.asyncProperty(fc.array(opArb, { maxLength: 20, size: "max" }), async (ops) => {
        nfs.rmSync(dir, { recursive: true, force: true });
        nfs.mkdirSync(dir);
        unpack(dir, IMAGE);
        const { task, ovl } = overlayRoot(merged);
        for (const op of ops) {
          const got = applyVfs(task, op);
          if (got === Errno.EXDEV) continue; // overlayfs without redirect_dir
          assert.equal(got, applyHost(dir, op), JSON.stringify(op));
        }
        const tree = vfsTree(task);
        assert.deepEqual(tree, hostTree(dir));
        const diff = new Uint8Array(await new Response(overlayDiffTar(ovl)).arrayBuffer());
        const again = mergeLayers([...base, memLayerFromTar(diff, "diff")]);
        const { task: t2 } = overlayRoot(again);
        assert.deepEqual(vfsTree(t2), tree);
      }),
      { numRuns: runs(100) },
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("upper data over the memory limit fails with ENOMEM and charges nothing", async () => {
  const { merged } = await mergedOf(IMAGE);
  const mem = new CountingCharger(64 * 1024);
  const { task } = overlayRoot(merged, mem);
  const fd = openat(task, AT.FDCWD, "/big", O.CREAT | O.WRONLY, 0o644) as number;
  assert.equal(write(task, fd, new Uint8Array(16 * 1024)), 16 * 1024);
  assert.equal(write(task, fd, new Uint8Array(128 * 1024)), Errno.ENOMEM);
  close(task, fd);
  assert.ok(mem.current <= 64 * 1024);
});

Deno.test("upper files over the spill threshold live on disk, not in memory, and diff streams them", async () => {
  const big = "B".repeat(3 << 20);
  const { merged, tars } = await mergedOf([[{ type: "file", path: "/lowbig", data: big }]]);
  const spillDir = await Deno.makeTempDir({ prefix: "berth-spill-" });
  try {
    const mem = new CountingCharger();
    const fs = new OverlayFs({ lower: merged, memory: mem, spillDir, spillThreshold: 1 << 20 });
    const ns = new MountNamespace(new Mount(fs, fs.root, 0, "overlay"));
    const task = makeTask(new FsState(ns), {}, mem);
    const fd = openat(task, AT.FDCWD, "/new", O.CREAT | O.RDWR, 0o644) as number;
    const chunk = new Uint8Array(1 << 20).fill(7);
    for (let i = 0; i < 4; i++) assert.equal(write(task, fd, chunk), chunk.length);
    assert.ok(mem.current < 1 << 20, `memory charged: ${mem.current}`);
    assert.equal([...Deno.readDirSync(spillDir)].length, 1);
    const back = new Uint8Array(16);
    assert.equal(pread(task, fd, back, (3 << 20) + 5), 16);
    assert.ok(back.every((b) => b === 7));
    close(task, fd);
    // Appending to a big lower file copies it up straight to disk.
    const lf = openat(task, AT.FDCWD, "/lowbig", O.WRONLY | O.APPEND, 0) as number;
    assert.equal(write(task, lf, enc.encode("!")), 1);
    close(task, lf);
    assert.equal([...Deno.readDirSync(spillDir)].length, 2);
    const diff = new Uint8Array(await new Response(overlayDiffTar(fs)).arrayBuffer());
    const again = mergeLayers([
      memLayerFromTar(tars[0] as Uint8Array, "l0"),
      memLayerFromTar(diff, "d"),
    ]);
    const t2 = overlayRoot(again).task;
    assert.equal((fstatat(t2, AT.FDCWD, "/new", 0) as Stat).size, 4 << 20);
    assert.equal((fstatat(t2, AT.FDCWD, "/lowbig", 0) as Stat).size, (3 << 20) + 1);
    assert.equal(unlinkat(task, AT.FDCWD, "/new", 0), 0);
    assert.equal([...Deno.readDirSync(spillDir)].length, 1, "spill file removed with the file");
  } finally {
    await Deno.remove(spillDir, { recursive: true });
  }
});

Deno.test("inode numbers stay the same across copy-up; hard links share one", async () => {
  const { merged } = await mergedOf(IMAGE);
  const { task } = overlayRoot(merged);
  const before = (fstatat(task, AT.FDCWD, "/etc/passwd", 0) as Stat).ino;
  const fd = openat(task, AT.FDCWD, "/etc/passwd", O.WRONLY | O.APPEND, 0) as number;
  write(task, fd, enc.encode("x"));
  close(task, fd);
  assert.equal((fstatat(task, AT.FDCWD, "/etc/passwd", 0) as Stat).ino, before);
  assert.equal(linkatOk(task), 0);
  assert.equal(
    (fstatat(task, AT.FDCWD, "/etc/pw2", 0) as Stat).ino,
    (fstatat(task, AT.FDCWD, "/etc/passwd", 0) as Stat).ino,
  );
  assert.equal((fstatat(task, AT.FDCWD, "/etc/pw2", 0) as Stat).nlink, 2);
});

function linkatOk(task: Parameters<typeof fstatat>[0]): number {
  return linkat(task, AT.FDCWD, "/etc/passwd", AT.FDCWD, "/etc/pw2", 0);
}

Deno.test("O_TRUNC of a lower file copies no data up; a FIFO made in the overlay works", async () => {
  const big = "x".repeat(1 << 20);
  const { merged } = await mergedOf([[{ type: "file", path: "/big", data: big }]]);
  const mem = new CountingCharger();
  const { task } = overlayRoot(merged, mem);
  const fd = openat(task, AT.FDCWD, "/big", O.WRONLY | O.TRUNC, 0) as number;
  assert.ok(fd >= 0);
  assert.ok((mem.byKind.file ?? 0) === 0, `data charged: ${mem.byKind.file}`);
  assert.equal((fstatat(task, AT.FDCWD, "/big", 0) as Stat).size, 0);
  close(task, fd);
  assert.equal(mknodat(task, AT.FDCWD, "/fifo", 0o010644, 0), 0);
  const rw = openat(task, AT.FDCWD, "/fifo", O.RDWR, 0) as number;
  assert.equal(write(task, rw, enc.encode("hi")), 2);
  const buf = new Uint8Array(4);
  assert.equal(read(task, rw, buf), 2);
});

Deno.test("upperFs.destroy() frees memory and deletes spill files", async () => {
  const { merged } = await mergedOf([[{ type: "dir", path: "/d" }]]);
  const spillDir = await Deno.makeTempDir({ prefix: "berth-spill-" });
  try {
    const mem = new CountingCharger();
    const fs = new OverlayFs({ lower: merged, memory: mem, spillDir, spillThreshold: 1 << 16 });
    const task = makeTask(
      new FsState(new MountNamespace(new Mount(fs, fs.root, 0, "ovl"))),
      {},
      mem,
    );
    for (const [name, size] of [["/small", 100], ["/d/big", 1 << 18]] as const) {
      const fd = openat(task, AT.FDCWD, name, O.CREAT | O.WRONLY, 0o644) as number;
      assert.equal(write(task, fd, new Uint8Array(size)), size);
      close(task, fd);
    }
    assert.equal([...Deno.readDirSync(spillDir)].length, 1);
    assert.ok(mem.current > 0);
    fs.upperFs.destroy();
    assert.equal([...Deno.readDirSync(spillDir)].length, 0);
    assert.equal(mem.byKind.file ?? 0, 0);
  } finally {
    await Deno.remove(spillDir, { recursive: true });
  }
});
