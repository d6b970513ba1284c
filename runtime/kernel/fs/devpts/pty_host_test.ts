import assert from "node:assert/strict";
import { Kernel } from "../../kernel.ts";
import { minimalRoot } from "../../minimal_root.ts";
import { applets } from "../../../userland/mod.ts";
import type { HostTerminal } from "./pty_host.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();

/** Read the terminal's output until `want` shows (10 s at most). */
async function until(
  reader: ReadableStreamDefaultReader<Uint8Array>,
  want: string | RegExp,
): Promise<string> {
  let got = "";
  const end = Date.now() + 10_000;
  const seen = () => typeof want === "string" ? got.includes(want) : want.test(got);
  while (!seen() && Date.now() < end) {
    const { value, done } = await reader.read();
    if (done) break;
    got += dec.decode(value);
  }
  return got;
}

Deno.test("spawn({ terminal: true }): sh gets /dev/pts/0 on fds 0-2 as its controlling terminal; the host types, resizes and reads", async () => {
  const k = new Kernel({ builtins: applets });
  try {
    const h = await k.spawn({
      argv: ["sh"],
      fs: minimalRoot(k),
      env: ["PATH=/bin", "PS1=$ "],
      mounts: [
        { source: "dev", target: "/dev", fstype: "devtmpfs" },
        { source: "devpts", target: "/dev/pts", fstype: "devpts" },
        { source: "proc", target: "/proc", fstype: "proc" },
      ],
      terminal: true,
    });
    const t = h.terminal as HostTerminal;
    assert.equal(t.index, 0);
    const r = t.output.getReader();
    assert.match(await until(r, "$ "), /\$ $/);
    t.type(
      enc.encode("tty; readlink /proc/$$/fd/0 /proc/$$/fd/1 /proc/$$/fd/2; echo x >/dev/tty\r"),
    );
    const out = await until(r, /x\r\n\$ $/);
    assert.match(out, /\r\n(\/dev\/pts\/0\r\n){4}x\r\n/);
    t.resize(33, 99);
    t.type(enc.encode("stty size\r"));
    assert.match(await until(r, "33 99\r\n"), /33 99\r\n/);
    // ^C goes to the foreground group through the line discipline.
    t.type(enc.encode("sleep 30\r"));
    await new Promise((res) => setTimeout(res, 200));
    t.type(enc.encode("\x03"));
    t.type(enc.encode("echo after $?\r"));
    assert.match(await until(r, "after 130"), /after 130/);
    t.type(enc.encode("exit 4\r"));
    assert.equal((await h.wait()).exitCode, 4);
    // Every slave is closed: the output ends.
    while (!(await r.read()).done) { /* the rest of the screen */ }
    t.close();
  } finally {
    await k.shutdown();
  }
});
