import assert from "node:assert/strict";
import { isErrno } from "../../errno.ts";
import { Kernel } from "../../kernel.ts";
import { minimalRoot } from "../../minimal_root.ts";
import { AT, O, type Syscalls, W } from "../../syscalls/api.ts";
import { applets } from "../../../userland/mod.ts";
import { TIOC } from "./pty.ts";

const dec = new TextDecoder();

async function readFile(sys: Syscalls, path: string): Promise<string | null> {
  const fd = await sys.openat(AT.FDCWD, path, O.RDONLY, 0);
  if (isErrno(fd)) return null;
  const buf = new Uint8Array(4096);
  const n = await sys.read(fd, buf);
  sys.close(fd);
  return isErrno(n) ? null : dec.decode(buf.subarray(0, n));
}

/** Fields 3.. of a /proc/PID/stat line (state, ppid, pgrp, session, tty_nr, tpgid, …). */
function statFields(line: string): string[] {
  return line.slice(line.lastIndexOf(")") + 2).trim().split(/\s+/);
}

Deno.test("session leader exit: SIGHUP to the foreground group at once, the terminal is freed; /proc stat tty_nr/tpgid and ps show pts/N", async () => {
  const k = new Kernel({ builtins: applets });
  try {
    const h = await k.spawn({
      argv: ["holder"],
      fs: minimalRoot(k),
      env: ["PATH=/bin"],
      mounts: [
        { source: "dev", target: "/dev", fstype: "devtmpfs" },
        { source: "devpts", target: "/dev/pts", fstype: "devpts" },
        { source: "proc", target: "/proc", fstype: "proc" },
      ],
      program: async (sys) => {
        const m = await sys.openat(AT.FDCWD, "/dev/ptmx", O.RDWR | O.NOCTTY | O.CLOEXEC, 0);
        if (isErrno(m)) return 1;
        sys.ioctl(m, TIOC.SPTLCK, 0);
        const script =
          "sleep 30 & echo $! >/tmp/hup; trap '' HUP; sleep 30 & echo $! >/tmp/nohup; " +
          "cat /proc/$$/stat >/tmp/stat; echo $$ >/tmp/sh; ps -o tty,comm >/tmp/ps; exit 0";
        const sh = await sys.spawn({
          path: "/bin/sh",
          argv: ["sh", "-c", script],
          setsid: true,
          fileActions: [
            { op: "open", fd: 0, path: "/dev/pts/0", flags: O.RDWR, mode: 0 },
            { op: "dup2", fd: 0, newfd: 1 },
            { op: "dup2", fd: 0, newfd: 2 },
          ],
        });
        if (isErrno(sh)) return 2;
        const w = await sys.wait4(sh, 0);
        if (isErrno(w) || W.EXITSTATUS(w.status) !== 0) return 3;
        // While it ran, the shell's terminal was pts/0 (136:0) and its group the foreground.
        const stat = statFields((await readFile(sys, "/tmp/stat")) ?? "");
        const shPid = Number((await readFile(sys, "/tmp/sh"))?.trim());
        if (stat[4] !== String(136 << 8) || stat[5] !== String(shPid)) return 4;
        const ps = (await readFile(sys, "/tmp/ps")) ?? "";
        if (!/^pts\/0 +sh$/m.test(ps) || !/^TT/.test(ps)) return 5;
        // The leader's exit hung the terminal up for its foreground group, at once.
        const hup = Number((await readFile(sys, "/tmp/hup"))?.trim());
        const nohup = Number((await readFile(sys, "/tmp/nohup"))?.trim());
        let gone = false;
        for (let i = 0; i < 200 && !gone; i++) {
          const st = await readFile(sys, `/proc/${hup}/stat`);
          gone = st === null || statFields(st)[0] === "Z";
          if (!gone) await sys.nanosleep({ sec: 0, nsec: 10e6 });
        }
        if (!gone) return 6;
        // The one that ignores SIGHUP lives on, with no controlling terminal.
        const left = await readFile(sys, `/proc/${nohup}/stat`);
        if (left === null) return 7;
        const f = statFields(left);
        if (f[4] !== "0" || f[5] !== "-1") return 8;
        sys.kill(nohup, 9);
        return 0;
      },
    });
    assert.equal((await h.wait()).exitCode, 0);
  } finally {
    await k.shutdown();
  }
});
