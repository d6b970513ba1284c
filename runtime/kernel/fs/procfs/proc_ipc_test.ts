import assert from "node:assert/strict";
import { Kernel } from "../../kernel.ts";
import type { BuiltinMain } from "../../executor.ts";
import { errnoName, isErrno } from "../../errno.ts";
import { CLONE } from "../../syscalls/api.ts";
import { minimalRoot } from "../../minimal_root.ts";
import type { ProcessHandle } from "../../process_handle.ts";
import { applets } from "../../../userland/mod.ts";

const IPC_CREAT = 0o1000;
const IPC_NOWAIT = 0o4000;
const IPC_STAT = 2;
const enc = new TextEncoder();
const dec = new TextDecoder();

/** `msgfill KEY SIZE`: a queue by key, then messages of SIZE bytes with IPC_NOWAIT until refused. */
const msgfill: BuiltinMain = async (sys, argv) => {
  const q = sys.msgget(Number(argv[1]), IPC_CREAT | 0o600);
  if (isErrno(q)) {
    await sys.write(1, enc.encode(`msgget ${errnoName(q)}\n`));
    return 1;
  }
  let sent = 0;
  let why = "";
  for (; sent < 100; sent++) {
    const r = await sys.msgsnd(q, 1, new Uint8Array(Number(argv[2])), IPC_NOWAIT);
    if (r !== 0) {
      why = errnoName(r);
      break;
    }
  }
  const st = sys.msgctl(q, IPC_STAT);
  const qbytes = typeof st === "object" ? st.qbytes : -1;
  await sys.write(1, enc.encode(`qbytes=${qbytes} sent=${sent} ${why}\n`));
  return 0;
};

/** `asuser UID CMD...`: drop to UID (after root made the mounts), then exec CMD. */
const asuser: BuiltinMain = async (sys, argv) => {
  if (sys.setuid(Number(argv[1])) !== 0) return 1;
  return await sys.execve(`/bin/${argv[2]}`, argv.slice(2), ["PATH=/bin"]);
};

/** The kernel with the real userland, and a root per "container". */
function machine(): Kernel {
  return new Kernel({ builtins: { ...applets, msgfill, asuser } });
}

/** `sh -c script` as a container would run it: its own root, /proc, /dev/mqueue. */
async function start(
  k: Kernel,
  script: string,
  opts: { cloneFlags?: number; uid?: number; stdin?: boolean } = {},
): Promise<{ h: ProcessHandle; out: Promise<string>; err: Promise<string> }> {
  const h = await k.spawn({
    argv: opts.uid ? ["asuser", String(opts.uid), "sh", "-c", script] : ["sh", "-c", script],
    fs: minimalRoot(k),
    cloneFlags: opts.cloneFlags ?? CLONE.NEWIPC | CLONE.NEWNS | CLONE.NEWPID,
    env: ["PATH=/bin"],
    stdin: opts.stdin ? "pipe" : "null",
    mounts: [
      { source: "proc", target: "/proc", fstype: "proc" },
      { source: "mqueue", target: "/dev/mqueue", fstype: "mqueue" },
    ],
  });
  return { h, out: new Response(h.stdout).text(), err: new Response(h.stderr).text() };
}

async function sh(k: Kernel, script: string, opts: { cloneFlags?: number; uid?: number } = {}) {
  const { h, out, err } = await start(k, script, opts);
  const st = await h.wait();
  return { code: st.exitCode, out: await out, err: await err };
}

/** Read stdout of a running process until `want` has been seen. */
async function until(r: ReadableStreamDefaultReader<Uint8Array>, want: string): Promise<string> {
  let seen = "";
  while (!seen.includes(want)) {
    const { value, done } = await r.read();
    if (done) break;
    seen += dec.decode(value);
  }
  return seen;
}

Deno.test("IPC sysctls belong to the IPC namespace of the process that reads or writes them", async () => {
  const k = machine();
  try {
    // Container A sets its limits and stays alive (its namespace with it) until told to go on.
    const a = await k.spawn({
      argv: [
        "sh",
        "-c",
        "echo 1024 > /proc/sys/kernel/msgmnb && echo '250 32000 32 128' > /proc/sys/kernel/sem" +
        " && echo 3 > /proc/sys/fs/mqueue/msg_max && echo set && read x &&" +
        " cat /proc/sys/kernel/msgmnb /proc/sys/kernel/sem /proc/sys/fs/mqueue/msg_max",
      ],
      fs: minimalRoot(k),
      cloneFlags: CLONE.NEWIPC | CLONE.NEWNS,
      env: ["PATH=/bin"],
      stdin: "pipe",
      stderr: "null",
      mounts: [{ source: "proc", target: "/proc", fstype: "proc" }],
    });
    const reader = a.stdout!.getReader();
    assert.equal(await until(reader, "set\n"), "set\n");
    // Container B, in its own namespace meanwhile: Linux defaults, and its own write.
    const b = await sh(
      k,
      "cat /proc/sys/kernel/msgmnb /proc/sys/kernel/sem /proc/sys/fs/mqueue/msg_max;" +
        " echo 2048 > /proc/sys/kernel/msgmnb; cat /proc/sys/kernel/msgmnb",
    );
    assert.equal(b.err, "");
    assert.equal(b.out, "16384\n32000\t1024000000\t500\t32000\n10\n2048\n");
    // The kernel's own (host) namespace is untouched by either.
    const host = await sh(k, "cat /proc/sys/kernel/msgmnb", { cloneFlags: CLONE.NEWNS });
    assert.equal(host.out, "16384\n");
    const w = a.stdin!.getWriter();
    await w.write(enc.encode("go\n"));
    await w.close();
    let rest = "";
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      rest += dec.decode(value);
    }
    assert.equal((await a.wait()).exitCode, 0);
    assert.equal(rest, "1024\n250\t32000\t32\t128\n3\n");
  } finally {
    await k.shutdown();
  }
});

Deno.test("lowered limits are enforced: msgmnb on new queues (EAGAIN), msgmni (ENOSPC), ipcs -l", async () => {
  const k = machine();
  try {
    const r = await sh(
      k,
      [
        "msgfill 1 400", // made before the change: keeps Linux's default 16384 bytes
        "echo 1000 > /proc/sys/kernel/msgmnb",
        "msgfill 2 400", // new queues get the new msg_qbytes
        "msgfill 1 400",
        "echo 2 > /proc/sys/kernel/msgmni",
        "msgfill 3 10",
        "ipcs -q -l | grep 'max queues'",
        "echo 8 > /proc/sys/kernel/msgmax",
        "msgfill 2 9",
      ].join("\n"),
    );
    assert.equal(r.err, "");
    assert.equal(
      r.out,
      "qbytes=16384 sent=40 EAGAIN\n" +
        "qbytes=1000 sent=2 EAGAIN\n" +
        "qbytes=16384 sent=0 EAGAIN\n" +
        "msgget ENOSPC\n" +
        "max queues system wide = 2\n" +
        "qbytes=1000 sent=0 EINVAL\n",
    );
  } finally {
    await k.shutdown();
  }
});

Deno.test("IPC sysctls refuse bad values with EINVAL and writes by non-root, leaving the value", async () => {
  const k = machine();
  try {
    const bad = [
      "abc",
      "-1",
      "12abc",
      "40000", // msgmni above IPCMNI
      "1 2",
      "",
    ].map((v) => `put '${v}' /proc/sys/kernel/msgmni`);
    const r = await sh(
      k,
      [
        `put() { echo "$1" | cat > "$2" || echo refused; }`,
        ...bad,
        "put 0x20 /proc/sys/kernel/msgmni; cat /proc/sys/kernel/msgmni",
        "put '1 2 3 4 5' /proc/sys/kernel/sem",
        "put '1 2 3 40000' /proc/sys/kernel/sem",
        "put 100 /proc/sys/kernel/sem; cat /proc/sys/kernel/sem",
        "put 0 /proc/sys/fs/mqueue/msg_max",
        "put 127 /proc/sys/fs/mqueue/msgsize_max",
        "put 2147483648 /proc/sys/kernel/msgmax",
        "cat /proc/sys/fs/mqueue/msg_max /proc/sys/fs/mqueue/msgsize_max /proc/sys/kernel/msgmax",
      ].join("\n"),
    );
    assert.equal(
      r.out,
      "refused\n".repeat(6) + "32\n" + "refused\n".repeat(2) + "100\t1024000000\t500\t32000\n" +
        "refused\n".repeat(3) + "10\n8192\n8192\n",
    );
    assert.match(r.err, /Invalid argument/);
    // The shell's echo and an applet writing stdout report a refused write and fail (dash,
    // coreutils).
    const direct = await sh(
      k,
      "echo 40000 > /proc/sys/kernel/msgmni || echo refused-echo;" +
        " seq 40000 40000 > /proc/sys/kernel/msgmni || echo refused-seq;" +
        " echo 31000 > /proc/sys/kernel/msgmni && cat /proc/sys/kernel/msgmni",
    );
    assert.equal(direct.out, "refused-echo\nrefused-seq\n31000\n");
    assert.match(direct.err, /echo: I\/O error/);
    assert.match(direct.err, /seq: write error: Invalid argument/);
    const user = await sh(
      k,
      "echo 5 > /proc/sys/kernel/msgmni || echo refused; cat /proc/sys/kernel/msgmni;" +
        " ls -l /proc/sys/kernel/msgmni | cut -c1-10",
      { uid: 1000, cloneFlags: CLONE.NEWNS },
    );
    assert.equal(user.out, "refused\n32000\n-rw-r--r--\n");
    assert.match(user.err, /Permission denied/);
  } finally {
    await k.shutdown();
  }
});

Deno.test("/proc/sysvipc lists the reader's namespace's objects in Linux's columns", async () => {
  const k = machine();
  try {
    const a = await sh(
      k,
      "msgfill 4660 400 >/dev/null; ipcmk -S 3 -M 5000 >/dev/null;" +
        " cat /proc/sysvipc/msg /proc/sysvipc/sem /proc/sysvipc/shm",
    );
    const lines = a.out.trimEnd().split("\n");
    assert.equal(lines.length, 6, a.out);
    assert.match(lines[0]!, /^ {7}key {6}msqid perms {6}cbytes {7}qnum lspid lrpid/);
    // key 4660, id 0, mode 600, 40 messages of 400 bytes (the 41st is over 16384).
    assert.match(lines[1]!, /^ {6}4660 {10}0 {3}600 {7}16000 {9}40 /);
    assert.match(lines[2]!, /^ {7}key {6}semid perms {6}nsems/);
    assert.match(lines[3]!, /^ *\d+ +0 +644 +3 +0 +0 +0 +0 /);
    assert.match(lines[4]!, /^ {7}key {6}shmid perms {18}size {2}cpid {2}lpid nattch/);
    assert.match(lines[5]!, /^ *\d+ +0 +644 +5000 /);
    // Another namespace reads only the headers.
    const b = await sh(k, "cat /proc/sysvipc/msg /proc/sysvipc/sem /proc/sysvipc/shm | wc -l");
    assert.equal(b.out.trim(), "3");
  } finally {
    await k.shutdown();
  }
});
