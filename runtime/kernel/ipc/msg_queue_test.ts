import assert from "node:assert/strict";
import { fc } from "../../../tests/_property.ts";
import { Errno } from "../errno.ts";
import { IpcNamespace } from "./ipc_namespace.ts";
import {
  IPC_CREAT,
  IPC_EXCL,
  IPC_NOWAIT,
  IPC_PRIVATE,
  IPC_RMID,
  IPC_SET,
  IPC_STAT,
} from "./ipc_perm.ts";
import {
  MSG_EXCEPT,
  MSG_INFO,
  MSG_NOERROR,
  MSG_STAT,
  msgctl,
  msgget,
  msgrcv,
  msgsnd,
} from "./msg_queue.ts";
import { TestCharger, testTask } from "./_test_task.ts";

const enc = (s: string) => new TextEncoder().encode(s);
const dec = (b: Uint8Array) => new TextDecoder().decode(b);

Deno.test("msgget creates by key, finds it again, and honours IPC_EXCL and ENOENT", () => {
  const ns = new IpcNamespace();
  const t = testTask(ns);
  assert.equal(msgget(t, ns, 1234, 0o600), Errno.ENOENT);
  const id = msgget(t, ns, 1234, IPC_CREAT | 0o600);
  assert.ok(id >= 0);
  assert.equal(msgget(t, ns, 1234, 0), id);
  assert.equal(msgget(t, ns, 1234, IPC_CREAT | IPC_EXCL | 0o600), Errno.EEXIST);
  const p1 = msgget(t, ns, IPC_PRIVATE, 0o600);
  const p2 = msgget(t, ns, IPC_PRIVATE, 0o600);
  assert.notEqual(p1, p2);
});

Deno.test("msgrcv selects by type: 0 first, >0 exact, <0 lowest type, MSG_EXCEPT", async () => {
  const ns = new IpcNamespace();
  const t = testTask(ns);
  const id = msgget(t, ns, IPC_PRIVATE, 0o600);
  for (const [ty, s] of [[3, "c"], [1, "a1"], [2, "b"], [1, "a2"]] as const) {
    assert.equal(await msgsnd(t, ns, id, ty, enc(s), 0), 0);
  }
  const take = async (typ: number, flags = 0) => {
    const r = await msgrcv(t, ns, id, 100, typ, flags | IPC_NOWAIT);
    return typeof r === "number" ? r : `${r.type}:${dec(r.data)}`;
  };
  assert.equal(await take(2), "2:b");
  assert.equal(await take(1, MSG_EXCEPT), "3:c");
  assert.equal(await take(-5), "1:a1");
  assert.equal(await take(0), "1:a2");
  assert.equal(await take(0), Errno.ENOMSG);
});

Deno.test("a blocked receiver is woken by a send, a blocked sender by a receive", async () => {
  const ns = new IpcNamespace();
  const a = testTask(ns);
  const b = testTask(ns);
  const id = msgget(a, ns, IPC_PRIVATE, 0o600);
  const pending = msgrcv(b, ns, id, 100, 7, 0);
  assert.ok(pending instanceof Promise);
  assert.equal(await msgsnd(a, ns, id, 5, enc("other"), 0), 0);
  assert.equal(await msgsnd(a, ns, id, 7, enc("mine"), 0), 0);
  const got = await pending;
  assert.ok(typeof got === "object");
  assert.equal(dec(got.data), "mine");

  const small = msgctl(a, ns, id, IPC_STAT);
  assert.ok(typeof small === "object");
  assert.equal(msgctl(a, ns, id, IPC_SET, { ...small, qbytes: 10 }), 0);
  // Queue now holds "other" (5 bytes); 6 more do not fit.
  assert.equal(await msgsnd(a, ns, id, 1, enc("123456"), IPC_NOWAIT), Errno.EAGAIN);
  const blocked = msgsnd(a, ns, id, 1, enc("123456"), 0);
  assert.ok(blocked instanceof Promise);
  await msgrcv(b, ns, id, 100, 0, 0);
  assert.equal(await blocked, 0);
});

Deno.test("IPC_RMID wakes waiters with EIDRM and the id becomes invalid", async () => {
  const ns = new IpcNamespace();
  const t = testTask(ns);
  const id = msgget(t, ns, 77, IPC_CREAT | 0o600);
  const w1 = msgrcv(t, ns, id, 10, 0, 0);
  assert.equal(msgctl(t, ns, id, IPC_RMID), 0);
  assert.equal(await w1, Errno.EIDRM);
  assert.equal(await msgsnd(t, ns, id, 1, enc("x"), 0), Errno.EINVAL);
  const again = msgget(t, ns, 77, IPC_CREAT | 0o600);
  assert.notEqual(again, id, "a new queue gets a new id (sequence number)");
});

Deno.test("a signal interrupts a sleeping msgrcv with EINTR", async () => {
  const ns = new IpcNamespace();
  const t = testTask(ns);
  const id = msgget(t, ns, IPC_PRIVATE, 0o600);
  const p = msgrcv(t, ns, id, 10, 0, 0);
  t.interrupt();
  assert.equal(await p, Errno.EINTR);
  assert.equal(ns.msg.get(id)!.receivers.length, 0, "the waiter unregistered");
});

Deno.test("E2BIG for long messages unless MSG_NOERROR truncates", async () => {
  const ns = new IpcNamespace();
  const t = testTask(ns);
  const id = msgget(t, ns, IPC_PRIVATE, 0o600);
  await msgsnd(t, ns, id, 1, enc("hello"), 0);
  assert.equal(await msgrcv(t, ns, id, 3, 0, IPC_NOWAIT), Errno.E2BIG);
  const r = await msgrcv(t, ns, id, 3, 0, IPC_NOWAIT | MSG_NOERROR);
  assert.ok(typeof r === "object");
  assert.equal(dec(r.data), "hel");
  assert.equal(await msgsnd(t, ns, id, 0, enc("x"), 0), Errno.EINVAL);
  assert.equal(await msgsnd(t, ns, id, 1, new Uint8Array(8193), 0), Errno.EINVAL);
});

Deno.test("permissions: other users need the mode bits; only owner or root may remove", async () => {
  const ns = new IpcNamespace();
  const owner = testTask(ns, { uid: 1000 });
  const other = testTask(ns, { uid: 2000 });
  const id = msgget(owner, ns, 5, IPC_CREAT | 0o640);
  assert.equal(msgget(other, ns, 5, 0o600), Errno.EACCES);
  assert.equal(await msgsnd(other, ns, id, 1, enc("x"), IPC_NOWAIT), Errno.EACCES);
  assert.equal(msgctl(other, ns, id, IPC_RMID), Errno.EPERM);
  assert.equal(msgctl(owner, ns, id, IPC_RMID), 0);
});

Deno.test("message memory is charged to the creator's cgroup and refused over the limit", async () => {
  const ns = new IpcNamespace();
  const mem = new TestCharger(256 + 2 * (100 + 48));
  const t = testTask(ns, { memory: mem });
  const id = msgget(t, ns, IPC_PRIVATE, 0o600);
  assert.equal(await msgsnd(t, ns, id, 1, new Uint8Array(100), 0), 0);
  assert.equal(await msgsnd(t, ns, id, 1, new Uint8Array(100), 0), 0);
  assert.equal(await msgsnd(t, ns, id, 1, new Uint8Array(100), 0), Errno.ENOMEM);
  await msgrcv(t, ns, id, 200, 0, 0);
  assert.equal(mem.current, 256 + 148);
  msgctl(t, ns, id, IPC_RMID);
  assert.equal(mem.current, 0);
});

Deno.test("MSG_INFO and MSG_STAT let ipcs enumerate queues", () => {
  const ns = new IpcNamespace();
  const t = testTask(ns);
  const a = msgget(t, ns, 1, IPC_CREAT | 0o600);
  msgget(t, ns, 2, IPC_CREAT | 0o600);
  const info = msgctl(t, ns, 0, MSG_INFO);
  assert.ok(typeof info === "object");
  assert.equal(info.used, 2);
  assert.equal(info.maxidx, 1);
  const st = msgctl(t, ns, 0, MSG_STAT);
  assert.ok(typeof st === "object");
  assert.equal(st.id, a);
  assert.equal(st.key, 1);
});

Deno.test("property: messages of one type come out in send order; msgtyp<0 yields nondecreasing types", async () => {
  await fc.assert(
    fc.asyncProperty(fc.array(fc.integer({ min: 1, max: 5 }), { maxLength: 40 }), async (types) => {
      const ns = new IpcNamespace();
      const t = testTask(ns);
      const id = msgget(t, ns, IPC_PRIVATE, 0o600);
      for (let i = 0; i < types.length; i++) await msgsnd(t, ns, id, types[i]!, enc(String(i)), 0);
      // Half by exact type, rest by lowest type.
      for (const ty of [1, 2]) {
        const expected = types.map((x, i) => [x, i] as const).filter(([x]) => x === ty).map((
          [, i],
        ) => String(i));
        const got: string[] = [];
        for (;;) {
          const r = await msgrcv(t, ns, id, 100, ty, IPC_NOWAIT);
          if (typeof r === "number") break;
          got.push(dec(r.data));
        }
        assert.deepEqual(got, expected);
      }
      let last = 0;
      let lastIdx = -1;
      for (;;) {
        const r = await msgrcv(t, ns, id, 100, -5, IPC_NOWAIT);
        if (typeof r === "number") break;
        const idx = Number(dec(r.data));
        assert.ok(r.type >= last);
        if (r.type === last) assert.ok(idx > lastIdx);
        last = r.type;
        lastIdx = idx;
      }
      ns.destroy();
    }),
  );
});

Deno.test("a send hands the message straight to a sleeping receiver; a too-small buffer gets E2BIG", async () => {
  const ns = new IpcNamespace();
  const a = testTask(ns);
  const b = testTask(ns);
  const c = testTask(ns);
  const id = msgget(a, ns, IPC_PRIVATE, 0o600);
  const small = msgrcv(b, ns, id, 2, 0, 0);
  const big = msgrcv(c, ns, id, 100, 0, 0);
  assert.equal(await msgsnd(a, ns, id, 4, enc("hello"), 0), 0);
  assert.equal(await small, Errno.E2BIG);
  const got = await big;
  assert.ok(typeof got === "object");
  assert.equal(dec(got.data), "hello");
  assert.equal(ns.msg.get(id)!.messages.length, 0, "never queued");
  const st = msgctl(a, ns, id, IPC_STAT);
  assert.ok(typeof st === "object");
  assert.equal(st.lrpid, c.nsPid);
});

Deno.test("a message handed over to a sleeping receiver is received even if a signal comes next; before it, EINTR", async () => {
  const ns = new IpcNamespace();
  const a = testTask(ns);
  const b = testTask(ns);
  const id = msgget(a, ns, IPC_PRIVATE, 0o600);
  const p = msgrcv(b, ns, id, 100, 0, 0);
  assert.equal(msgsnd(a, ns, id, 1, enc("kept"), 0), 0);
  b.interrupt(); // before the receiver ran again: the message is its already (Linux)
  const got = await p;
  assert.ok(typeof got === "object");
  assert.equal(dec(got.data), "kept");
  assert.equal(msgrcv(a, ns, id, 100, 0, IPC_NOWAIT), Errno.ENOMSG, "not delivered twice");
  // Interrupted before any message: EINTR, and a later message waits in the queue.
  const q = msgrcv(b, ns, id, 100, 0, 0);
  b.interrupt();
  assert.equal(await q, Errno.EINTR);
  assert.equal(msgsnd(a, ns, id, 1, enc("later"), 0), 0);
  const later = await msgrcv(a, ns, id, 100, 0, IPC_NOWAIT);
  assert.ok(typeof later === "object");
  assert.equal(dec(later.data), "later");
});
