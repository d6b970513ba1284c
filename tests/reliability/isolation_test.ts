/**
 * Isolation between containers: one container's processes, environment, open files and
 * root are invisible to another, and its kill attempts reach nothing outside its own
 * PID namespace.
 */
import assert from "node:assert/strict";
import { tempBerth } from "../e2e/cli_harness.ts";

Deno.test("a container sees neither the processes nor the files of another", async () => {
  const berth = await tempBerth();
  try {
    const marker = "MARK-" + crypto.randomUUID();
    const bg = await berth.run([
      "run",
      "-d",
      "--name",
      "victim",
      "-e",
      `SECRET_ENV=${marker}`,
      "berth/base",
      "sh",
      "-c",
      `echo ${marker} > /tmp/victim-file; sleep 60`,
    ]);
    assert.equal(bg.code, 0, bg.stderr);
    const probe = await berth.run([
      "run",
      "--rm",
      "berth/base",
      "sh",
      "-c",
      "ls /proc; cat /proc/*/environ; cat /proc/*/cmdline; ls /proc/*/fd; " +
      "cat /proc/*/root/tmp/victim-file; cat /tmp/victim-file; kill -9 -1; kill -9 2; echo probe-done",
    ]);
    const all = probe.stdout + probe.stderr;
    assert.match(probe.stdout, /probe-done/, all);
    assert.doesNotMatch(all, new RegExp(marker), `another container leaked into this one:\n${all}`);
    const ps = await berth.run(["ps", "--filter", "name=victim", "--format", "{{.Status}}"]);
    assert.match(
      ps.stdout,
      /^Up/,
      `the victim must survive the probe's kill attempts: ${ps.stdout}`,
    );
    const rm = await berth.run(["rm", "-f", "victim"]);
    assert.equal(rm.code, 0, rm.stderr);
  } finally {
    await berth.cleanup();
  }
});
