import assert from "node:assert/strict";
import { Kernel } from "../kernel/kernel.ts";
import { minimalRoot } from "../kernel/minimal_root.ts";
import { CLONE } from "../kernel/syscalls/api.ts";
import { TestMachine } from "./_test_run.ts";
import { applets } from "./mod.ts";

Deno.test("ipcmk creates, ipcs lists and ipcrm removes System V objects", async () => {
  const m = new TestMachine();
  const r = await m.run([
    "sh",
    "-c",
    "ipcmk -Q; ipcmk -M 100 -p 600; ipcmk -S 3; ipcs; ipcrm -q 0 -m 32768; ipcrm -s 999; echo rc=$?; ipcs -q",
  ]);
  const lines = r.stdout.split("\n");
  assert.equal(lines[0], "Message queue id: 0");
  assert.equal(lines[1], "Shared memory id: 0");
  assert.equal(lines[2], "Semaphore id: 0");
  assert.match(
    r.stdout,
    /------ Message Queues --------\nkey +msqid +owner +perms +used-bytes +messages +\n0x[0-9a-f]{8} 0 +root +644 +0 +0 +\n/,
  );
  assert.match(
    r.stdout,
    /------ Shared Memory Segments --------\n.*\n0x[0-9a-f]{8} 0 +root +600 +100 +0 +/,
  );
  assert.match(r.stdout, /------ Semaphore Arrays --------\n.*\n0x[0-9a-f]{8} 0 +root +644 +3 +\n/);
  assert.equal(r.stderr, "ipcrm: invalid id (32768)\nipcrm: invalid id (999)\n");
  assert.match(
    r.stdout,
    /rc=1\n\n------ Message Queues --------\nkey +msqid +owner +perms +used-bytes +messages +\n\n$/,
  );
});

Deno.test("ipcs in one IPC namespace never sees another's objects", async () => {
  const k = new Kernel({ builtins: applets });
  try {
    const runIn = async (script: string) => {
      const h = await k.spawn({
        argv: ["sh", "-c", script],
        cloneFlags: CLONE.NEWIPC,
        fs: minimalRoot(k),
      });
      const out = new Response(h.stdout).text();
      await h.wait();
      return await out;
    };
    const a = await runIn("ipcmk -Q >/dev/null; ipcmk -Q >/dev/null; ipcs -q | grep -c ^0x");
    const b = await runIn("ipcs -q | grep -c ^0x");
    assert.equal(a, "2\n");
    assert.equal(b, "0\n");
  } finally {
    await k.shutdown();
  }
});

Deno.test("ipcs -l prints the namespace's limits", async () => {
  const m = new TestMachine();
  const r = await m.run(["ipcs", "-l", "-q"]);
  assert.equal(
    r.stdout,
    "\n------ Messages Limits --------\nmax queues system wide = 32000\nmax size of message (bytes) = 8192\ndefault max size of queue (bytes) = 16384\n\n",
  );
});
