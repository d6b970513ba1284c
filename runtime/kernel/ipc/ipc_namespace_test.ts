import assert from "node:assert/strict";
import { Errno } from "../errno.ts";
import { O } from "../syscalls/api.ts";
import { IpcNamespace } from "./ipc_namespace.ts";
import { IPC_CREAT } from "./ipc_perm.ts";
import { msgget, msgrcv, msgsnd } from "./msg_queue.ts";
import { semget } from "./sem_set.ts";
import { shmget } from "./shm_segment.ts";
import { mqOpen } from "./mqueue.ts";
import { readIpcSysctl, writeIpcSysctl } from "./ipc_limits.ts";
import { sysvipcText } from "./sysvipc.ts";
import { ipcSwitch, onProcessExit } from "../syscalls/sys_ipc.ts";
import { TestCharger, testFds, testTask } from "./_test_task.ts";

Deno.test("the same key in two namespaces names two different objects", async () => {
  const ns1 = new IpcNamespace();
  const ns2 = new IpcNamespace();
  const a = testTask(ns1);
  const b = testTask(ns2);
  const q1 = msgget(a, ns1, 0x42, IPC_CREAT | 0o600);
  const q2 = msgget(b, ns2, 0x42, IPC_CREAT | 0o600);
  await msgsnd(a, ns1, q1, 1, new Uint8Array([1]), 0);
  assert.equal(await msgrcv(b, ns2, q2, 10, 0, 0o4000), Errno.ENOMSG);
  assert.equal(sysvipcText(ns2, "msg").split("\n").filter(Boolean).length, 2);
  assert.match(sysvipcText(ns1, "msg"), /^\s+66\s/m);
});

Deno.test("the last process leaving frees every object, uncharges memory and wakes sleepers", async () => {
  const ns = new IpcNamespace();
  const mem = new TestCharger();
  const a = testTask(ns, { memory: mem });
  const b = testTask(ns, { memory: mem });
  const q = msgget(a, ns, 1, IPC_CREAT | 0o600);
  semget(a, ns, 2, 4, IPC_CREAT | 0o600);
  shmget(a, ns, 3, 10000, IPC_CREAT | 0o600);
  mqOpen(a, ns, testFds(), "/m", O.CREAT | O.RDWR, 0o600);
  await msgsnd(a, ns, q, 1, new Uint8Array(100), 0);
  const sleeping = msgrcv(b, ns, q, 10, 99, 0);
  assert.ok(mem.current > 0);
  onProcessExit(a);
  assert.equal(ns.dead, false);
  onProcessExit(b);
  assert.equal(ns.dead, true);
  assert.equal(mem.current, 0);
  assert.equal(await sleeping, Errno.EIDRM);
});

Deno.test("ipcSwitch leaves the old namespace and enters the new one", () => {
  const old = new IpcNamespace();
  const t = testTask(old);
  const next = new IpcNamespace();
  ipcSwitch(t, next);
  assert.equal(old.dead, true);
  assert.equal(next.members, 1);
});

Deno.test("limits read and write as /proc/sys files", () => {
  const ns = new IpcNamespace();
  assert.equal(readIpcSysctl(ns.limits, "kernel/msgmnb"), "16384\n");
  assert.equal(readIpcSysctl(ns.limits, "kernel/sem"), "32000\t1024000000\t500\t32000\n");
  assert.equal(writeIpcSysctl(ns.limits, "kernel/msgmnb", "100\n"), 0);
  assert.equal(ns.limits.msgmnb, 100);
  assert.equal(writeIpcSysctl(ns.limits, "kernel/msgmnb", "x"), Errno.EINVAL);
  assert.equal(readIpcSysctl(ns.limits, "kernel/nope"), Errno.ENOENT);
  const t = testTask(ns);
  writeIpcSysctl(ns.limits, "kernel/msgmni", "1");
  assert.ok(msgget(t, ns, 1, IPC_CREAT | 0o600) >= 0);
  assert.equal(msgget(t, ns, 2, IPC_CREAT | 0o600), Errno.ENOSPC);
});
