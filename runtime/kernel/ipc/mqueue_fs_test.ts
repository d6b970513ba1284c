import assert from "node:assert/strict";
import { Kernel } from "../kernel.ts";
import type { BuiltinMain } from "../executor.ts";
import { minimalRoot } from "../minimal_root.ts";
import { errnoName, isErrno } from "../errno.ts";
import { CLONE, O } from "../syscalls/api.ts";
import type { Kernel as KernelT } from "../kernel.ts";
import { applets } from "../../userland/mod.ts";

const dec = new TextDecoder();

Deno.test("/dev/mqueue lists the namespace's queues; reading shows QSIZE; unlink removes", async () => {
  const lines: string[] = [];
  const prog: BuiltinMain = async (sys) => {
    if (sys.mount("mqueue", "/dev/mqueue", "mqueue", 0, "") !== 0) return 2;
    const q = sys.mq_open("/jobs", O.CREAT | O.RDWR, 0o640);
    if (isErrno(q)) return 3;
    await sys.mq_send(q, new Uint8Array(5), 1);
    const dir = await sys.openat(-100, "/dev/mqueue", O.RDONLY | O.DIRECTORY, 0);
    const names = sys.getdents64(dir as number);
    if (isErrno(names)) return 4;
    lines.push(names.map((d) => d.name).filter((n) => !n.startsWith(".")).join(","));
    const st = sys.fstatat(-100, "/dev/mqueue/jobs", 0);
    if (isErrno(st)) return 5;
    lines.push((st.mode & 0o777).toString(8));
    const f = await sys.openat(-100, "/dev/mqueue/jobs", O.RDONLY, 0);
    const buf = new Uint8Array(200);
    const n = await sys.read(f as number, buf);
    lines.push(dec.decode(buf.subarray(0, n as number)).trim());
    // The file descriptor is a queue descriptor.
    const m = await sys.mq_receive(f as number, 8192);
    lines.push(isErrno(m) ? `err ${m}` : `got ${m.data.length}`);
    lines.push(String(sys.unlinkat(-100, "/dev/mqueue/jobs", 0)));
    lines.push(String(sys.mq_open("/jobs", O.RDONLY, 0)));
    return 0;
  };
  const k = new Kernel({ builtins: { prog } });
  try {
    // "mqueue" is one of the kernel's file-system types (kernel.fsTypes).
    const h = await k.spawn({
      argv: ["prog"],
      fs: minimalRoot(k),
      mounts: [{ source: "tmpfs", target: "/dev/mqueue", fstype: "tmpfs" }],
    });
    const st = await h.wait();
    assert.equal(st.exitCode, 0, lines.join("\n"));
    assert.deepEqual(lines, [
      "jobs",
      "640",
      "QSIZE:5          NOTIFY:0     SIGNO:0     NOTIFY_PID:0",
      "got 5",
      "0",
      "-2",
    ]);
  } finally {
    await k.shutdown();
  }
});

/** `mqsend NAME BYTES PRIO`: create (or open) a POSIX queue and send one message. */
const mqsend: BuiltinMain = async (sys, argv) => {
  const q = sys.mq_open(argv[1]!, O.CREAT | O.WRONLY, 0o644);
  if (isErrno(q)) return 1;
  return await sys.mq_send(q, new Uint8Array(Number(argv[2])), Number(argv[3])) === 0 ? 0 : 2;
};

/** `sh -c script` in its own IPC, mount and PID namespaces with /proc and /dev/mqueue. */
async function container(k: KernelT, script: string, stdin = false) {
  const h = await k.spawn({
    argv: ["sh", "-c", script],
    fs: minimalRoot(k),
    cloneFlags: CLONE.NEWIPC | CLONE.NEWNS | CLONE.NEWPID,
    env: ["PATH=/bin"],
    stdin: stdin ? "pipe" : "null",
    mounts: [
      { source: "proc", target: "/proc", fstype: "proc" },
      { source: "mqueue", target: "/dev/mqueue", fstype: "mqueue" },
    ],
  });
  // With stdin the caller reads stdout itself, as the output arrives.
  const out = stdin ? Promise.resolve("") : new Response(h.stdout).text();
  return { h, out, err: new Response(h.stderr).text() };
}

Deno.test("the userland sees /dev/mqueue: ls, cat QSIZE, rm unlinks, /proc/mounts lists it; other namespaces see their own", async () => {
  const k = new Kernel({ builtins: { ...applets, mqsend } });
  try {
    // Container A holds a queue (and its namespace) until B has looked.
    const a = await container(
      k,
      "mqsend /jobs 5 1 && mqsend /jobs 7 3 && mqsend /other 1 0 && ls /dev/mqueue && " +
        "cat /dev/mqueue/jobs && ls -l /dev/mqueue/jobs | cut -c1-10 && " +
        "grep mqueue /proc/mounts && mount | grep -c mqueue && echo ready && read x && " +
        "rm /dev/mqueue/jobs && ls /dev/mqueue && mqsend /jobs 1 0 && cat /dev/mqueue/jobs",
      true,
    );
    const reader = a.h.stdout!.getReader();
    let seen = "";
    while (!seen.includes("ready\n")) {
      const { value, done } = await reader.read();
      if (done) break;
      seen += dec.decode(value);
    }
    assert.equal(
      seen,
      "jobs\nother\n" +
        "QSIZE:12         NOTIFY:0     SIGNO:0     NOTIFY_PID:0     \n" +
        "-rw-r--r--\n" +
        "mqueue /dev/mqueue mqueue rw,nosuid,nodev,noexec,relatime 0 0\n" +
        "1\nready\n",
    );
    const b = await container(
      k,
      "ls -A /dev/mqueue | wc -l; mqsend /jobs 2 0; cat /dev/mqueue/jobs;" +
        " touch /dev/mqueue/t && chmod 600 /dev/mqueue/t && ls -l /dev/mqueue/t | cut -c1-10",
    );
    assert.equal(
      await b.out,
      "0\nQSIZE:2          NOTIFY:0     SIGNO:0     NOTIFY_PID:0     \n-rw-------\n",
    );
    assert.equal((await b.h.wait()).exitCode, 0);
    const w = a.h.stdin!.getWriter();
    await w.write(new TextEncoder().encode("go\n"));
    await w.close();
    let rest = "";
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      rest += dec.decode(value);
    }
    const st = await a.h.wait();
    assert.equal(await a.err, "");
    assert.equal(st.exitCode, 0);
    // rm removed A's queue only; a new one of that name starts empty.
    assert.equal(rest, "other\nQSIZE:1          NOTIFY:0     SIGNO:0     NOTIFY_PID:0     \n");
  } finally {
    await k.shutdown();
  }
});

/** `mqlimits`: as uid 1000, default queues (attributes shown), then one queue too many. */
const mqlimits: BuiltinMain = async (sys) => {
  if (sys.setuid(1000) !== 0) return 1;
  const say = (t: string) => sys.write(1, new TextEncoder().encode(t + "\n"));
  const a = sys.mq_open("/a", O.CREAT | O.RDWR, 0o600);
  if (isErrno(a)) return 2;
  const at = sys.mq_getattr(a);
  if (isErrno(at)) return 3;
  await say(`maxmsg=${at.maxmsg} msgsize=${at.msgsize}`);
  await say(
    `big=${
      errnoName(sys.mq_open("/big", O.CREAT | O.RDWR, 0o600, { maxmsg: 3, msgsize: 8 }) as number)
    }`,
  );
  await say(`second=${errnoName(sys.mq_open("/b", O.CREAT | O.RDWR, 0o600) as number)}`);
  return 0;
};

Deno.test("/proc/sys/fs/mqueue limits written by root bind users: defaults capped by msg_max, queues_max gives ENOSPC", async () => {
  const k = new Kernel({ builtins: { ...applets, mqlimits } });
  try {
    const c = await container(
      k,
      "echo 2 > /proc/sys/fs/mqueue/msg_max && echo 1024 > /proc/sys/fs/mqueue/msgsize_max &&" +
        " echo 1 > /proc/sys/fs/mqueue/queues_max && mqlimits && ls -l /dev/mqueue | cut -c1-10",
    );
    assert.equal(await c.err, "");
    assert.equal(
      await c.out,
      "maxmsg=2 msgsize=1024\nbig=EINVAL\nsecond=ENOSPC\ntotal 0\n-rw-------\n",
    );
  } finally {
    await k.shutdown();
  }
});
