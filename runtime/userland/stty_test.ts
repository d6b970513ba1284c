import assert from "node:assert/strict";
import { isErrno } from "../kernel/errno.ts";
import { Kernel } from "../kernel/kernel.ts";
import { minimalRoot } from "../kernel/minimal_root.ts";
import { AT, O, type Syscalls } from "../kernel/syscalls/api.ts";
import { applets } from "./mod.ts";
import { TestMachine } from "./_test_run.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();

/** A person at a terminal: `sh` runs as a session leader on a pty slave; type and watch the master. */
interface Terminal {
  /** Type bytes. */
  type(s: string): Promise<void>;
  /** Read the screen until `want` shows (5 s at most); returns what was read. */
  until(want: string): Promise<string>;
}

async function withShell(main: (t: Terminal, sys: Syscalls) => Promise<number>): Promise<void> {
  const k = new Kernel({ builtins: applets });
  try {
    const h = await k.spawn({
      argv: ["terminal"],
      fs: minimalRoot(k),
      env: ["PATH=/bin", "HOME=/root", "PS1=$ "],
      mounts: [
        { source: "dev", target: "/dev", fstype: "devtmpfs" },
        { source: "devpts", target: "/dev/pts", fstype: "devpts" },
      ],
      program: async (sys) => {
        const m = await sys.openat(AT.FDCWD, "/dev/ptmx", O.RDWR | O.NOCTTY | O.CLOEXEC, 0);
        if (isErrno(m)) return 100;
        sys.ioctl(m, 0x40045431, 0);
        const sh = await sys.spawn({
          path: "/bin/sh",
          argv: ["sh"],
          setsid: true,
          fileActions: [
            { op: "open", fd: 0, path: "/dev/pts/0", flags: O.RDWR, mode: 0 },
            { op: "dup2", fd: 0, newfd: 1 },
            { op: "dup2", fd: 0, newfd: 2 },
          ],
        });
        if (isErrno(sh)) return 101;
        const buf = new Uint8Array(4096);
        const term: Terminal = {
          type: async (s) => void await sys.write(m, enc.encode(s)),
          until: async (want) => {
            let got = "";
            const end = Date.now() + 5000;
            while (!got.includes(want) && Date.now() < end) {
              const fds = [{ fd: m, events: 1, revents: 0 }];
              if ((await sys.poll(fds, 100)) !== 1) continue;
              const n = await sys.read(m, buf);
              if (isErrno(n) || n === 0) break;
              got += dec.decode(buf.subarray(0, n));
            }
            return got;
          },
        };
        if (!(await term.until("$ ")).endsWith("$ ")) return 102;
        const code = await main(term, sys);
        sys.close(m);
        return code;
      },
    });
    const st = await h.wait();
    assert.equal(st.exitCode, 0, `the test program failed at step ${st.exitCode}`);
  } finally {
    await k.shutdown();
  }
}

Deno.test("stty -echo: a password typed at read is not echoed; stty echo brings echo back", async () => {
  await withShell(async (t) => {
    await t.type("stty -echo; echo ready; read x; stty echo; echo got $x\n");
    if (!(await t.until("ready\r\n")).includes("ready\r\n")) return 1;
    await t.type("hunter2\n");
    const out = await t.until("$ ");
    if (out !== "got hunter2\r\n$ ") return 2;
    await t.type("echo seen\n");
    return (await t.until("$ ")).startsWith("echo seen\r\nseen\r\n") ? 0 : 3;
  });
});

Deno.test("stty raw: ^C and CR reach the program as bytes, output has no CR added; stty sane restores", async () => {
  await withShell(async (t) => {
    await t.type("stty raw; echo ready; head -c 3 >/tmp/k; stty sane; od -An -tx1 /tmp/k\n");
    if (!(await t.until("ready\n")).includes("ready\n")) return 1;
    await t.type("a\x03\r");
    const out = await t.until("$ ");
    if (!/61 03 0d/.test(out)) return 2;
    await t.type("stty -a\n");
    const all = await t.until("$ ");
    if (!/\nisig icanon -xcase echo /.test(all)) return 3;
    if (!/intr = \^C; quit = \^\\; erase = \^\?;/.test(all) || !/ icrnl /.test(all)) return 4;
    return 0;
  });
});

Deno.test("stty -icanon: keys are read without Enter (echoed); stty icanon returns to lines", async () => {
  await withShell(async (t) => {
    await t.type(
      "stty -icanon; echo ready; head -c 2 >/tmp/y; stty icanon; echo; echo got $(cat /tmp/y)\n",
    );
    if (!(await t.until("ready\r\n")).includes("ready\r\n")) return 1;
    await t.type("ab");
    const out = await t.until("$ ");
    if (!out.startsWith("ab") || !out.includes("got ab\r\n")) return 2;
    return 0;
  });
});

Deno.test("stty size, rows/cols, -g round trip, and the short form lists what differs from sane", async () => {
  await withShell(async (t) => {
    await t.type("stty size; stty rows 50 cols 132; stty size\n");
    if (!(await t.until("$ ")).includes("24 80\r\n50 132\r\n")) return 1;
    await t.type("s=$(stty -g); stty -echo -isig intr ^X; stty; stty $s; echo back; stty\n");
    const out = await t.until("back\r\nspeed");
    if (!/-isig/.test(out) || !/intr = \^X;/.test(out)) return 2;
    const rest = await t.until("$ ");
    if (/-isig|-echo/.test(rest)) return 3;
    await t.type("stty bogus; echo $?\n");
    return /invalid argument 'bogus'[\s\S]*\r\n1\r\n/.test(await t.until("$ ")) ? 0 : 4;
  });
});

Deno.test("stty on a pipe: not a tty (exit 1)", async () => {
  const m = new TestMachine();
  const r = await m.run(["stty"], { stdin: "" });
  assert.equal(r.code, 1);
  assert.equal(r.stderr, "stty: standard input: Inappropriate ioctl for device\n");
});
