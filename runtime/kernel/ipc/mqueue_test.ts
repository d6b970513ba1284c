import assert from "node:assert/strict";
import { fc } from "../../../tests/_property.ts";
import { Errno } from "../errno.ts";
import { O } from "../syscalls/api.ts";
import { IpcNamespace } from "./ipc_namespace.ts";
import { mqGetattr, mqOpen, mqReceive, mqSend, mqUnlink } from "./mqueue.ts";
import { TestCharger, testFds, testTask } from "./_test_task.ts";

const enc = (s: string) => new TextEncoder().encode(s);
const dec = (b: Uint8Array) => new TextDecoder().decode(b);

Deno.test("mq: highest priority first, FIFO within a priority", async () => {
  const ns = new IpcNamespace();
  const t = testTask(ns);
  const fds = testFds();
  const fd = mqOpen(t, ns, fds, "/q", O.RDWR | O.CREAT, 0o600, { maxmsg: 10, msgsize: 64 });
  assert.ok(fd >= 0);
  for (const [p, s] of [[1, "a"], [5, "b"], [1, "c"], [5, "d"], [0, "e"]] as const) {
    assert.equal(await mqSend(t, fds, fd, enc(s), p), 0);
  }
  const out: string[] = [];
  for (let i = 0; i < 5; i++) {
    const r = await mqReceive(t, fds, fd, 64);
    assert.ok(typeof r === "object");
    out.push(`${r.prio}${dec(r.data)}`);
  }
  assert.deepEqual(out, ["5b", "5d", "1a", "1c", "0e"]);
});

Deno.test("mq: O_NONBLOCK gives EAGAIN when empty or full; blocking calls wake each other", async () => {
  const ns = new IpcNamespace();
  const a = testTask(ns);
  const b = testTask(ns);
  const fds = testFds();
  const w = mqOpen(a, ns, fds, "/q", O.WRONLY | O.CREAT | O.NONBLOCK, 0o600, {
    maxmsg: 1,
    msgsize: 8,
  });
  const r = mqOpen(b, ns, fds, "/q", O.RDONLY, 0);
  assert.equal(await mqSend(a, fds, w, enc("1"), 0), 0);
  assert.equal(await mqSend(a, fds, w, enc("2"), 0), Errno.EAGAIN);
  assert.equal(await mqSend(a, fds, w, enc("toolong!!"), 0), Errno.EMSGSIZE);
  assert.equal(await mqReceive(b, fds, r, 4), Errno.EMSGSIZE);
  assert.equal(await mqReceive(b, fds, w, 8), Errno.EBADF, "write-only descriptor");
  await mqReceive(b, fds, r, 8);
  const pending = mqReceive(b, fds, r, 8);
  assert.ok(pending instanceof Promise);
  await mqSend(a, fds, w, enc("x"), 3);
  const got = await pending;
  assert.ok(typeof got === "object");
  assert.equal(dec(got.data), "x");
  const attr = mqGetattr(fds, w);
  assert.deepEqual(attr, { flags: O.NONBLOCK, maxmsg: 1, msgsize: 8, curmsgs: 0 });
});

Deno.test("mq: timed receive gives ETIMEDOUT; unlink keeps an open queue until closed", async () => {
  const ns = new IpcNamespace();
  const mem = new TestCharger();
  const t = testTask(ns, { memory: mem });
  const fds = testFds();
  const fd = mqOpen(t, ns, fds, "/q", O.RDWR | O.CREAT, 0o600);
  const now = Date.now() + 20;
  assert.equal(
    await mqReceive(t, fds, fd, 8192, { sec: Math.floor(now / 1000), nsec: (now % 1000) * 1e6 }),
    Errno.ETIMEDOUT,
  );
  await mqSend(t, fds, fd, enc("kept"), 0);
  assert.equal(mqUnlink(t, ns, "/q"), 0);
  assert.equal(mqOpen(t, ns, fds, "/q", O.RDONLY, 0), Errno.ENOENT);
  const r = await mqReceive(t, fds, fd, 8192);
  assert.ok(typeof r === "object");
  assert.equal(dec(r.data), "kept");
  fds.close(fd);
  assert.equal(mem.current, 0);
  assert.equal(mqOpen(t, ns, fds, "bad", O.RDONLY | O.CREAT, 0o600), Errno.EINVAL);
  assert.equal(mqOpen(t, ns, fds, "/a/b", O.RDONLY | O.CREAT, 0o600), Errno.EINVAL);
});

Deno.test("property: mq delivers by descending priority, FIFO within equal priority", async () => {
  await fc.assert(
    fc.asyncProperty(fc.array(fc.integer({ min: 0, max: 4 }), { maxLength: 10 }), async (prios) => {
      const ns = new IpcNamespace();
      const t = testTask(ns);
      const fds = testFds();
      const fd = mqOpen(t, ns, fds, "/p", O.RDWR | O.CREAT | O.NONBLOCK, 0o600, {
        maxmsg: 10,
        msgsize: 8,
      });
      for (let i = 0; i < prios.length; i++) await mqSend(t, fds, fd, enc(String(i)), prios[i]!);
      const expected = prios.map((p, i) => ({ p, i })).sort((x, y) => y.p - x.p || x.i - y.i).map((
        x,
      ) => String(x.i));
      const got: string[] = [];
      for (;;) {
        const r = await mqReceive(t, fds, fd, 8);
        if (typeof r === "number") break;
        got.push(dec(r.data));
      }
      assert.deepEqual(got, expected);
      ns.destroy();
    }),
  );
});

Deno.test("mq: a send hands over to a sleeping receiver; an interrupted one gets the message back in the queue", async () => {
  const ns = new IpcNamespace();
  const a = testTask(ns);
  const b = testTask(ns);
  const fds = testFds();
  const fd = mqOpen(a, ns, fds, "/h", O.RDWR | O.CREAT, 0o600, { maxmsg: 2, msgsize: 8 });
  const p = mqReceive(b, fds, fd, 8);
  assert.ok(p instanceof Promise);
  assert.equal(mqSend(a, fds, fd, enc("one"), 1), 0);
  const got = await p;
  assert.ok(typeof got === "object");
  assert.equal(dec(got.data), "one");
  const q = mqReceive(b, fds, fd, 8);
  assert.equal(mqSend(a, fds, fd, enc("two"), 2), 0);
  b.interrupt();
  assert.equal(await q, Errno.EINTR);
  const back = await mqReceive(a, fds, fd, 8);
  assert.ok(typeof back === "object");
  assert.equal(dec(back.data), "two");
  assert.equal(back.prio, 2);
});
