import assert from "node:assert/strict";
import { Errno } from "../errno.ts";
import { IpcNamespace } from "./ipc_namespace.ts";
import { IPC_CREAT, IPC_PRIVATE, IPC_RMID, IPC_STAT } from "./ipc_perm.ts";
import { shmat, shmctl, shmdt, shmget } from "./shm_segment.ts";
import { onProcessExit } from "../syscalls/sys_ipc.ts";
import { TestCharger, testTask } from "./_test_task.ts";

Deno.test("two attachers see the same bytes", () => {
  const ns = new IpcNamespace();
  const a = testTask(ns);
  const b = testTask(ns);
  const id = shmget(a, ns, 0x1234, 100, IPC_CREAT | 0o600);
  const va = shmat(a, ns, id, 0);
  const vb = shmat(b, ns, shmget(b, ns, 0x1234, 0, 0), 0);
  assert.ok(va instanceof Uint8Array && vb instanceof Uint8Array);
  assert.equal(va.length, 100);
  va[5] = 42;
  assert.equal(vb[5], 42);
  const st = shmctl(a, ns, id, IPC_STAT);
  assert.ok(typeof st === "object");
  assert.equal(st.nattch, 2);
  assert.equal(st.segsz, 100);
});

Deno.test("IPC_RMID of an attached segment waits for the last detach; exit detaches", () => {
  const ns = new IpcNamespace();
  const mem = new TestCharger();
  const a = testTask(ns, { memory: mem });
  const b = testTask(ns);
  const id = shmget(a, ns, 7, 5000, IPC_CREAT | 0o600);
  assert.equal(mem.current, 8192, "rounded to pages and charged");
  const va = shmat(a, ns, id, 0) as Uint8Array;
  shmat(b, ns, id, 0);
  assert.equal(shmctl(a, ns, id, IPC_RMID), 0);
  assert.equal(shmget(a, ns, 7, 0, 0), Errno.ENOENT, "the key is gone at once");
  assert.equal(shmdt(a, ns, va), 0);
  assert.equal(shmdt(a, ns, va), Errno.EINVAL);
  assert.equal(mem.current, 8192, "still attached by b");
  onProcessExit(b);
  assert.equal(mem.current, 0);
  assert.equal(shmat(a, ns, id, 0), Errno.EINVAL);
});

Deno.test("shmget checks size against the limit and an existing segment; memory.max gives ENOMEM", () => {
  const ns = new IpcNamespace();
  const t = testTask(ns, { memory: new TestCharger(4096) });
  assert.equal(shmget(t, ns, IPC_PRIVATE, 0, 0o600), Errno.EINVAL);
  assert.equal(shmget(t, ns, IPC_PRIVATE, 8192, 0o600), Errno.ENOMEM);
  const id = shmget(t, ns, 3, 100, IPC_CREAT | 0o600);
  assert.ok(id >= 0);
  assert.equal(shmget(t, ns, 3, 200, 0), Errno.EINVAL);
});
