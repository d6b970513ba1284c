import assert from "node:assert/strict";
import { Errno } from "../errno.ts";
import { IpcNamespace } from "./ipc_namespace.ts";
import { IPC_CREAT, IPC_NOWAIT, IPC_PRIVATE, IPC_RMID, IPC_STAT } from "./ipc_perm.ts";
import { SEM, SEM_UNDO, semctl, semget, semop } from "./sem_set.ts";
import { onProcessExit } from "../syscalls/sys_ipc.ts";
import { testTask } from "./_test_task.ts";

Deno.test("semop applies a multi-op array atomically or not at all", async () => {
  const ns = new IpcNamespace();
  const t = testTask(ns);
  const id = semget(t, ns, IPC_PRIVATE, 2, 0o600);
  assert.equal(semctl(t, ns, id, 0, SEM.SETALL, [1, 0]), 0);
  const r = await semop(t, ns, id, [{ num: 0, op: -1, flags: 0 }, {
    num: 1,
    op: -1,
    flags: IPC_NOWAIT,
  }]);
  assert.equal(r, Errno.EAGAIN);
  assert.deepEqual(semctl(t, ns, id, 0, SEM.GETALL), [1, 0], "the first op was not applied");
  assert.equal(
    await semop(t, ns, id, [{ num: 0, op: -1, flags: 0 }, { num: 1, op: 2, flags: 0 }]),
    0,
  );
  assert.deepEqual(semctl(t, ns, id, 0, SEM.GETALL), [0, 2]);
  assert.equal(semctl(t, ns, id, 1, SEM.GETPID), t.nsPid);
});

Deno.test("a waiter sleeps until the whole array can proceed; GETNCNT and GETZCNT count sleepers", async () => {
  const ns = new IpcNamespace();
  const a = testTask(ns);
  const b = testTask(ns);
  const id = semget(a, ns, IPC_PRIVATE, 2, 0o600);
  const waitDec = semop(b, ns, id, [{ num: 0, op: -1, flags: 0 }, { num: 1, op: -1, flags: 0 }]);
  assert.ok(waitDec instanceof Promise);
  semctl(a, ns, id, 1, SEM.SETVAL, 5);
  const waitZero = semop(a, ns, id, [{ num: 1, op: 0, flags: 0 }]);
  await Promise.resolve();
  assert.equal(semctl(a, ns, id, 0, SEM.GETNCNT), 1);
  assert.equal(semctl(a, ns, id, 1, SEM.GETZCNT), 1);
  assert.equal(await semop(a, ns, id, [{ num: 0, op: 1, flags: 0 }]), 0);
  assert.equal(await waitDec, 0);
  assert.deepEqual(semctl(a, ns, id, 0, SEM.GETALL), [0, 4]);
  semctl(a, ns, id, 1, SEM.SETVAL, 0);
  assert.equal(await waitZero, 0);
});

Deno.test("SEM_UNDO is applied when the process exits (a killed holder releases its lock)", async () => {
  const ns = new IpcNamespace();
  const holder = testTask(ns);
  const waiter = testTask(ns);
  const id = semget(holder, ns, 42, 1, IPC_CREAT | 0o600);
  semctl(holder, ns, id, 0, SEM.SETVAL, 1);
  assert.equal(await semop(holder, ns, id, [{ num: 0, op: -1, flags: SEM_UNDO }]), 0);
  const p = semop(waiter, ns, id, [{ num: 0, op: -1, flags: 0 }]);
  assert.ok(p instanceof Promise);
  onProcessExit(holder);
  assert.equal(await p, 0);
  assert.equal(semctl(waiter, ns, id, 0, SEM.GETVAL), 0);
});

Deno.test("semtimedop times out with EAGAIN; RMID wakes with EIDRM; EINTR on a signal", async () => {
  const ns = new IpcNamespace();
  const t = testTask(ns);
  const id = semget(t, ns, IPC_PRIVATE, 1, 0o600);
  assert.equal(
    await semop(t, ns, id, [{ num: 0, op: -1, flags: 0 }], { sec: 0, nsec: 20e6 }),
    Errno.EAGAIN,
  );
  const p = semop(t, ns, id, [{ num: 0, op: -1, flags: 0 }]);
  semctl(t, ns, id, 0, IPC_RMID);
  assert.equal(await p, Errno.EIDRM);
  const id2 = semget(t, ns, IPC_PRIVATE, 1, 0o600);
  const q = semop(t, ns, id2, [{ num: 0, op: -1, flags: 0 }]);
  t.interrupt();
  assert.equal(await q, Errno.EINTR);
  assert.equal(semctl(t, ns, id2, 0, SEM.GETNCNT), 0);
});

Deno.test("semctl validates: ERANGE, EFBIG, EINVAL on nsems, IPC_STAT nsems", async () => {
  const ns = new IpcNamespace();
  const t = testTask(ns);
  const id = semget(t, ns, 9, 3, IPC_CREAT | 0o600);
  assert.equal(semctl(t, ns, id, 0, SEM.SETVAL, 40000), Errno.ERANGE);
  assert.equal(await semop(t, ns, id, [{ num: 3, op: 1, flags: 0 }]), Errno.EFBIG);
  assert.equal(semget(t, ns, 9, 4, 0), Errno.EINVAL);
  assert.equal(semget(t, ns, IPC_PRIVATE, 0, 0o600), Errno.EINVAL);
  const st = semctl(t, ns, id, 0, IPC_STAT);
  assert.ok(typeof st === "object" && !Array.isArray(st));
  assert.equal(st.nsems, 3);
});
