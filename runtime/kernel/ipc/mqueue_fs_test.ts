import assert from "node:assert/strict";
import { Kernel } from "../kernel.ts";
import type { BuiltinMain } from "../executor.ts";
import { minimalRoot } from "../minimal_root.ts";
import { isErrno } from "../errno.ts";
import { O } from "../syscalls/api.ts";
import { FsState } from "../vfs/fs_state.ts";
import { mqueueFsType } from "./mqueue_fs.ts";

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
    const fs = minimalRoot(k);
    if (fs instanceof FsState) fs.mountNs.fsTypes.set("mqueue", mqueueFsType);
    const h = await k.spawn({
      argv: ["prog"],
      fs,
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
