import assert from "node:assert/strict";
import { Errno } from "../../errno.ts";
import { AT, O } from "../../syscalls/api.ts";
import { close, getdents64, openat, read, write } from "../../syscalls/sys_file.ts";
import { mkdirat, unlinkat } from "../../syscalls/sys_file_meta.ts";
import { mount } from "../../syscalls/sys_mount.ts";
import { makeTask, testRoot, type TestTask } from "../../vfs/_test_task.ts";
import { CgroupTree } from "../../cgroup_tree.ts";
import { cgroupFsType } from "./cgroupfs.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();

function readAll(task: TestTask, path: string): string | number {
  const fd = openat(task, AT.FDCWD, path, O.RDONLY, 0);
  if (typeof fd !== "number" || fd < 0) return fd as number;
  const buf = new Uint8Array(4096);
  const n = read(task, fd, buf) as number;
  close(task, fd);
  return dec.decode(buf.subarray(0, n));
}

function writeFile(task: TestTask, path: string, text: string): number {
  const fd = openat(task, AT.FDCWD, path, O.WRONLY | O.TRUNC, 0);
  if (typeof fd !== "number" || fd < 0) return fd as number;
  const r = write(task, fd, enc.encode(text)) as number;
  close(task, fd);
  return r;
}

/** The kernel's real cgroup tree with a container cgroup /berth/c1 mounted as the root. */
function setup() {
  const attached: number[] = [];
  const tree = new CgroupTree({
    attachPid: (pid) => (attached.push(pid), 0),
    pidsIn: () => [],
    globalPid: (pid) => pid,
    refreshGroup: () => {},
  });
  tree.create("/berth/c1", { memoryMax: 64 << 20, cpuMax: "50000 100000" });
  const r = testRoot();
  r.fs.mountNs.fsTypes.set(
    "cgroup2",
    cgroupFsType(tree, () => ({ root: "/berth/c1", pidNs: null })),
  );
  for (const d of ["/sys", "/sys/fs", "/sys/fs/cgroup"]) mkdirat(r.task, AT.FDCWD, d, 0o755);
  assert.equal(mount(r.task, "cgroup", "/sys/fs/cgroup", "cgroup2", 0, ""), 0);
  return { ...r, tree, attached };
}

Deno.test("cgroupfs: the container's cgroup is the root; files read the kernel's values", () => {
  const { task } = setup();
  assert.equal(readAll(task, "/sys/fs/cgroup/memory.max"), "67108864\n");
  assert.equal(readAll(task, "/sys/fs/cgroup/cpu.max"), "50000 100000\n");
  const fd = openat(task, AT.FDCWD, "/sys/fs/cgroup", O.RDONLY | O.DIRECTORY, 0) as number;
  const names = (getdents64(task, fd) as { name: string }[]).map((e) => e.name);
  assert.ok(names.includes("cgroup.procs") && names.includes("memory.current"));
  assert.ok(!names.includes("berth") && !names.includes("c1"), "nothing above the root");
});

Deno.test("cgroupfs: a container cannot raise its own limits, but configures its children", () => {
  const { task, tree } = setup();
  assert.equal(writeFile(task, "/sys/fs/cgroup/memory.max", "max"), Errno.EACCES);
  assert.equal(writeFile(task, "/sys/fs/cgroup/cpu.max", "max 100000"), Errno.EACCES);
  assert.equal(tree.get("/berth/c1")?.memoryMax, 64 << 20);
  assert.equal(mkdirat(task, AT.FDCWD, "/sys/fs/cgroup/worker", 0o755), 0);
  assert.ok(tree.get("/berth/c1/worker"));
  assert.equal(writeFile(task, "/sys/fs/cgroup/worker/memory.max", "8M"), 2);
  assert.equal(tree.get("/berth/c1/worker")?.memoryMax, 8 << 20);
  assert.equal(writeFile(task, "/sys/fs/cgroup/worker/memory.max", "nonsense"), Errno.EINVAL);
  assert.equal(writeFile(task, "/sys/fs/cgroup/worker/memory.current", "1"), Errno.EACCES);
  assert.equal(unlinkat(task, AT.FDCWD, "/sys/fs/cgroup/worker", AT.REMOVEDIR), 0);
  assert.equal(tree.get("/berth/c1/worker"), undefined);
});

Deno.test("cgroupfs: cgroup.procs writes go to the kernel; non-root users cannot write", () => {
  const { task, fs, attached } = setup();
  mkdirat(task, AT.FDCWD, "/sys/fs/cgroup/w", 0o755);
  assert.equal(writeFile(task, "/sys/fs/cgroup/w/cgroup.procs", "7\n"), 2);
  assert.deepEqual(attached, [7]);
  const user = makeTask(fs.fork(), { uid: 1000 });
  assert.equal(writeFile(user, "/sys/fs/cgroup/w/cgroup.procs", "7\n"), Errno.EACCES);
});
