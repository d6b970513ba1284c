import assert from "node:assert/strict";
import { Kernel } from "../kernel/kernel.ts";
import { minimalRoot } from "../kernel/minimal_root.ts";
import { applets } from "../userland/mod.ts";
import { FORWARDED, makeInit } from "./container_init.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();

Deno.test("--init on a terminal: the child leads its own process group, the foreground one, so ^C reaches it once", async () => {
  const k = new Kernel({ builtins: applets });
  try {
    const init = makeInit();
    const h = await k.spawn({
      argv: ["berth-init", "sh"],
      fs: minimalRoot(k),
      env: ["PATH=/bin", "PS1=$ "],
      mounts: [
        { source: "dev", target: "/dev", fstype: "devtmpfs" },
        { source: "devpts", target: "/dev/pts", fstype: "devpts" },
        { source: "proc", target: "/proc", fstype: "proc" },
      ],
      terminal: true,
      program: init.main,
    });
    for (const s of FORWARDED) h.process.handlers.set(s, init.early);
    const t = h.terminal!;
    const r = t.output.getReader();
    let screen = "";
    const until = async (want: RegExp) => {
      const end = Date.now() + 10_000;
      while (!want.test(screen) && Date.now() < end) {
        const { value, done } = await r.read();
        if (done) break;
        screen += dec.decode(value);
      }
      return want.test(screen);
    };
    assert.ok(await until(/\$ $/), screen);
    // Fields after "(comm)": state ppid pgrp session tty_nr tpgid. The init hands the
    // terminal to the child's group right after its spawn returns, which may be after the
    // shell's first prompt on a loaded machine: ask again until it has.
    let pgrp = "";
    let tpgid = "";
    let pid = "";
    for (let i = 0; i < 50 && !(pid !== "" && tpgid === pid); i++) {
      if (i > 0) await new Promise((res) => setTimeout(res, 20));
      screen = "";
      t.type(enc.encode("cut -d' ' -f5,8 /proc/$$/stat; echo $$\r"));
      assert.ok(await until(/(\d+) (\d+)\r\n(\d+)\r\n\$ $/), screen);
      const m = /(\d+) (\d+)\r\n(\d+)\r\n\$ $/.exec(screen)!;
      [pgrp, tpgid, pid] = [m[1]!, m[2]!, m[3]!];
    }
    assert.equal(pgrp, pid);
    assert.equal(tpgid, pid);
    screen = "";
    t.type(enc.encode("\x03"));
    t.type(enc.encode("echo after\r"));
    assert.ok(await until(/after\r\n\$ $/), screen);
    // One SIGINT: one fresh prompt, not two.
    assert.equal(screen.split("$ ").length, 3, screen);
    t.type(enc.encode("exit 6\r"));
    assert.equal((await h.wait()).exitCode, 6);
    t.close();
  } finally {
    await k.shutdown();
  }
});
