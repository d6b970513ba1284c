/**
 * Per-container IPC through the real CLI: `/proc/sys/kernel` IPC limits and `/dev/mqueue`
 * belong to the container's IPC namespace (seen by `exec` and by `--ipc container:X`
 * joiners, not by other containers).
 */
import assert from "node:assert/strict";
import { tempBerth } from "./cli_harness.ts";

const QSIZE0 = "QSIZE:0          NOTIFY:0     SIGNO:0     NOTIFY_PID:0     \n";

Deno.test("berth run: IPC sysctls and /dev/mqueue are the container's own", async () => {
  const b = await tempBerth();
  try {
    const holder = await b.run([
      "run",
      "-d",
      "--name",
      "holder",
      "--ipc",
      "shareable",
      "berth/base",
      "sh",
      "-c",
      "echo 999 > /proc/sys/kernel/msgmnb && touch /dev/mqueue/q && echo ready && exec sleep 100",
    ]);
    assert.equal(holder.code, 0, holder.stderr);
    let logs = "";
    for (let i = 0; i < 400 && !logs.includes("ready"); i++) {
      logs = (await b.run(["logs", "holder"])).stdout;
      if (!logs.includes("ready")) await new Promise((r) => setTimeout(r, 50));
    }
    assert.equal(logs, "ready\n");
    const look = "cat /proc/sys/kernel/msgmnb; ls /dev/mqueue; cat /dev/mqueue/q";
    const inside = await b.run(["exec", "holder", "sh", "-c", look]);
    assert.equal(inside.code, 0, inside.stderr);
    assert.equal(inside.stdout, `999\nq\n${QSIZE0}`);
    const joiner = await b.run([
      "run",
      "--rm",
      "--ipc",
      "container:holder",
      "berth/base",
      "sh",
      "-c",
      look,
    ]);
    assert.equal(joiner.code, 0, joiner.stderr);
    assert.equal(joiner.stdout, `999\nq\n${QSIZE0}`);
    const other = await b.run([
      "run",
      "--rm",
      "berth/base",
      "sh",
      "-c",
      "cat /proc/sys/kernel/msgmnb; ls -A /dev/mqueue | wc -l; grep mqueue /proc/mounts",
    ]);
    assert.equal(other.code, 0, other.stderr);
    assert.equal(
      other.stdout,
      "16384\n0\nmqueue /dev/mqueue mqueue rw,nosuid,nodev,noexec,relatime 0 0\n",
    );
    assert.equal((await b.run(["rm", "-f", "holder"])).code, 0);
  } finally {
    await b.cleanup();
  }
});
