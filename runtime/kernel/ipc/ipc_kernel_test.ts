import assert from "node:assert/strict";
import { Kernel } from "../kernel.ts";
import type { BuiltinMain } from "../executor.ts";
import { CLONE } from "../syscalls/api.ts";
import type { Syscalls } from "../syscalls/api.ts";
import { isErrno } from "../errno.ts";
import { minimalRoot } from "../minimal_root.ts";

const IPC_CREAT = 0o1000;
const IPC_STAT = 2;
const enc = new TextEncoder();
const dec = new TextDecoder();

async function say(sys: Syscalls, text: string): Promise<void> {
  await sys.write(1, enc.encode(text));
}

async function run(k: Kernel, argv: string[], cloneFlags = 0, cgroup?: string) {
  const h = await k.spawn({ argv, cloneFlags, cgroup, fs: minimalRoot(k) });
  const out = new Response(h.stdout).text();
  const st = await h.wait();
  return { code: st.exitCode, out: await out, handle: h };
}

Deno.test("SysV message queue: producer and consumer processes exchange typed messages", async () => {
  const producer: BuiltinMain = async (sys) => {
    const q = sys.msgget(0x51, IPC_CREAT | 0o600);
    if (isErrno(q)) return 2;
    for (let i = 1; i <= 50; i++) {
      const r = await sys.msgsnd(q, (i % 3) + 1, enc.encode(`m${i}`), 0);
      if (r !== 0) return 3;
    }
    await sys.msgsnd(q, 9, enc.encode("end"), 0);
    return 0;
  };
  const consumer: BuiltinMain = async (sys) => {
    const q = sys.msgget(0x51, IPC_CREAT | 0o600);
    if (isErrno(q)) return 2;
    let n = 0;
    for (;;) {
      const m = await sys.msgrcv(q, 100, 0, 0);
      if (isErrno(m)) return 4;
      if (m.type === 9) break;
      n++;
    }
    await say(sys, `got ${n}\n`);
    return 0;
  };
  const both: BuiltinMain = async (sys) => {
    const c = await sys.spawn({ path: "consumer", argv: ["consumer"] });
    const p = await sys.spawn({ path: "producer", argv: ["producer"] });
    if (isErrno(c) || isErrno(p)) return 1;
    await sys.wait4(p, 0);
    await sys.wait4(c, 0);
    return 0;
  };
  const k = new Kernel({ builtins: { producer, consumer, both } });
  try {
    const r = await run(k, ["both"]);
    assert.equal(r.code, 0);
    assert.equal(r.out, "got 50\n");
  } finally {
    await k.shutdown();
  }
});

Deno.test("separate IPC namespaces: the same key names different objects; a namespace is freed with its last process", async () => {
  const probe: BuiltinMain = async (sys) => {
    const q = sys.msgget(0x77, IPC_CREAT | 0o600);
    if (isErrno(q)) return 2;
    await sys.msgsnd(q, 1, new Uint8Array(1000), 0);
    const st = sys.msgctl(q, IPC_STAT);
    if (typeof st !== "object") return 3;
    await say(sys, `qnum=${st.qnum}\n`);
    return 0;
  };
  const k = new Kernel({ builtins: { probe } });
  try {
    k.cgroups.create("/c1");
    const a = await run(k, ["probe"], CLONE.NEWIPC, "/c1");
    const b = await run(k, ["probe"], CLONE.NEWIPC, "/c1");
    assert.equal(a.out, "qnum=1\n");
    assert.equal(b.out, "qnum=1\n", "the second namespace does not see the first one's message");
    const mem = k.cgroups.readFile("/c1", "memory.stat");
    const ipcLine = typeof mem === "string" ? /^ipc (\d+)/m.exec(mem) : null;
    if (ipcLine) {
      assert.equal(ipcLine[1], "0", "namespaces died with their process: IPC memory uncharged");
    }
  } finally {
    await k.shutdown();
  }
});

Deno.test("SEM_UNDO: a lock held by a killed process is released for the waiter", async () => {
  const holder: BuiltinMain = async (sys) => {
    const s = sys.semget(0x99, 1, IPC_CREAT | 0o600);
    if (isErrno(s)) return 2;
    sys.semctl(s, 0, 16, 1);
    await sys.semop(s, [{ num: 0, op: -1, flags: 0x1000 }]);
    await say(sys, "locked\n");
    await sys.pause();
    return 0;
  };
  const waiter: BuiltinMain = async (sys) => {
    const s = sys.semget(0x99, 1, 0);
    if (isErrno(s)) return 2;
    const r = await sys.semop(s, [{ num: 0, op: -1, flags: 0 }]);
    await say(sys, r === 0 ? "acquired\n" : `error ${r}\n`);
    return 0;
  };
  const k = new Kernel({ builtins: { holder, waiter } });
  try {
    const h = await k.spawn({ argv: ["holder"] });
    const reader = h.stdout!.getReader();
    const first = await reader.read();
    assert.equal(dec.decode(first.value), "locked\n");
    const w = await k.spawn({ argv: ["waiter"] });
    const wout = new Response(w.stdout).text();
    h.kill(9);
    assert.equal((await h.wait()).signal, 9);
    assert.equal(await wout, "acquired\n");
    assert.equal((await w.wait()).exitCode, 0);
    reader.releaseLock();
    await h.stdout!.cancel();
  } finally {
    await k.shutdown();
  }
});

Deno.test("shared memory and a POSIX queue between two processes", async () => {
  const writer: BuiltinMain = async (sys) => {
    const id = sys.shmget(0x5, 4096, IPC_CREAT | 0o600);
    if (isErrno(id)) return 2;
    const view = sys.shmat(id, 0);
    if (isErrno(view)) return 3;
    view.set(enc.encode("shared!"), 0);
    const mq = sys.mq_open("/ready", 0o100 | 1, 0o600);
    if (isErrno(mq)) return 4;
    await sys.mq_send(mq, enc.encode("go"), 5);
    sys.shmdt(view);
    return 0;
  };
  const reader: BuiltinMain = async (sys) => {
    const mq = sys.mq_open("/ready", 0o100 | 0, 0o600);
    if (isErrno(mq)) return 4;
    const m = await sys.mq_receive(mq, 8192);
    if (isErrno(m)) return 5;
    const id = sys.shmget(0x5, 0, 0);
    if (isErrno(id)) return 2;
    const view = sys.shmat(id, 0o10000);
    if (isErrno(view)) return 3;
    await say(sys, `${dec.decode(m.data)} p${m.prio} ${dec.decode(view.subarray(0, 7))}\n`);
    return 0;
  };
  const both: BuiltinMain = async (sys) => {
    const r = await sys.spawn({ path: "reader", argv: ["reader"] });
    const w = await sys.spawn({ path: "writer", argv: ["writer"] });
    if (isErrno(r) || isErrno(w)) return 1;
    await sys.wait4(w, 0);
    await sys.wait4(r, 0);
    return 0;
  };
  const k = new Kernel({ builtins: { writer, reader, both } });
  try {
    const r = await run(k, ["both"]);
    assert.equal(r.out, "go p5 shared!\n");
  } finally {
    await k.shutdown();
  }
});
