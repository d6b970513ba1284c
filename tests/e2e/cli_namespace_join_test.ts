/**
 * `--ipc container:X`, `--pid container:X` and `--ipc host` through the real CLI: the
 * joiner sees the donor's queues and processes, the donor must be running and (for IPC)
 * shareable, and `inspect` shows the modes.
 */
import assert from "node:assert/strict";
import { request } from "../../runtime/daemon/http_client.ts";
import { tempBerth } from "./cli_harness.ts";

Deno.test("run --ipc container:X shares X's System V queues; --pid container:X shows X's processes", async () => {
  const b = await tempBerth();
  try {
    const donor = await b.run([
      "run",
      "-d",
      "--name",
      "donor",
      "--ipc",
      "shareable",
      "berth/base",
      "sh",
      "-c",
      "ipcmk -Q; touch /dev/mqueue/q1; exec sleep 100",
    ]);
    assert.equal(donor.code, 0, donor.stderr);
    let qid: string | undefined;
    for (let i = 0; i < 400 && qid === undefined; i++) {
      const logs = await b.run(["logs", "donor"]);
      qid = /Message queue id: (\d+)/.exec(logs.stdout)?.[1];
      if (qid === undefined) await new Promise((r) => setTimeout(r, 50));
    }
    assert.ok(qid !== undefined, "the donor made a queue");

    const joined = await b.run([
      "run",
      "--name",
      "joiner",
      "--ipc",
      "container:donor",
      "berth/base",
      "ipcs",
      "-q",
    ]);
    assert.equal(joined.code, 0, joined.stderr);
    assert.match(joined.stdout, new RegExp(`^0x[0-9a-f]+ +${qid} `, "m"), joined.stdout);
    const mq = await b.run([
      "run",
      "--rm",
      "--ipc",
      "container:donor",
      "berth/base",
      "ls",
      "/dev/mqueue",
    ]);
    assert.equal(mq.stdout, "q1\n", "POSIX queues too");
    const alone = await b.run(["run", "--rm", "berth/base", "ipcs", "-q"]);
    assert.doesNotMatch(alone.stdout, new RegExp(`^0x[0-9a-f]+ +${qid} `, "m"), alone.stdout);

    const ps = await b.run([
      "run",
      "--rm",
      "--pid",
      "container:donor",
      "berth/base",
      "ps",
      "-e",
      "-o",
      "pid,comm",
    ]);
    assert.equal(ps.code, 0, ps.stderr);
    assert.match(ps.stdout, /^ +1 sleep$/m, `the donor's main process is pid 1: ${ps.stdout}`);
    assert.match(ps.stdout, /^ +\d+ ps$/m, ps.stdout);

    const modes = await b.run([
      "inspect",
      "--format",
      "{{.HostConfig.IpcMode}} {{.HostConfig.PidMode}}",
      "joiner",
    ]);
    assert.equal(modes.stdout.trim(), "container:donor");

    const priv = await b.run(["run", "-d", "--name", "priv", "berth/base", "sleep", "100"]);
    assert.equal(priv.code, 0, priv.stderr);
    const privMode = await b.run(["inspect", "--format", "{{.HostConfig.IpcMode}}", "priv"]);
    assert.equal(privMode.stdout.trim(), "private", "Docker's default IPC mode is recorded");
    const refused = await b.run(["run", "--rm", "--ipc", "container:priv", "berth/base", "true"]);
    assert.equal(refused.code, 125);
    assert.match(refused.stderr, /non-shareable IPC \(hint: use IpcMode:shareable/);
    assert.match(refused.stderr, /Run the other container with "--ipc shareable"/);
    const missing = await b.run(["run", "--rm", "--pid", "container:nope", "berth/base", "true"]);
    assert.equal(missing.code, 125);
    assert.match(missing.stderr, /No such container: nope/);

    // The Engine API takes the modes in HostConfig, with an id as well as a name.
    const api = async (method: string, path: string, body?: unknown) => {
      const res = await request(b.socket, method, path, {
        body: body === undefined ? undefined : new TextEncoder().encode(JSON.stringify(body)),
        contentType: "application/json",
      });
      const text = await res.text();
      return { status: res.status, body: text ? JSON.parse(text) : undefined };
    };
    const donorId = (await api("GET", "/v1.47/containers/donor/json")).body.Id as string;
    const made = await api("POST", "/v1.47/containers/create?name=viaapi", {
      Image: "berth/base",
      Cmd: ["ipcs", "-q"],
      HostConfig: { IpcMode: `container:${donorId}`, PidMode: "container:donor" },
    });
    assert.equal(made.status, 201, JSON.stringify(made.body));
    const inspected = await api("GET", "/v1.47/containers/viaapi/json");
    assert.equal(inspected.body.HostConfig.IpcMode, `container:${donorId}`);
    assert.equal(inspected.body.HostConfig.PidMode, "container:donor");
    assert.equal((await api("POST", "/v1.47/containers/viaapi/start")).status, 204);
    assert.equal((await api("POST", "/v1.47/containers/viaapi/wait")).body.StatusCode, 0);
    const apiLogs = await b.run(["logs", "viaapi"]);
    assert.match(apiLogs.stdout, new RegExp(`^0x[0-9a-f]+ +${qid} `, "m"), apiLogs.stdout);
    const bogus = await api("POST", "/v1.47/containers/create", {
      Image: "berth/base",
      HostConfig: { IpcMode: "bogus" },
    });
    assert.equal(bogus.status, 400);
    assert.match(bogus.body.message, /invalid IPC mode: bogus/);

    assert.equal((await b.run(["stop", "-t", "0", "donor", "priv"])).code, 0);
    const stopped = await b.run(["run", "--rm", "--ipc", "container:donor", "berth/base", "true"]);
    assert.equal(stopped.code, 125);
    assert.match(stopped.stderr, /cannot join IPC of a non running container: donor/);
    assert.match(stopped.stderr, /Start it first \("berth start donor"\)/);
  } finally {
    await b.cleanup();
  }
});

Deno.test("run --ipc host and --pid host use the kernel's initial namespaces", async () => {
  const b = await tempBerth();
  try {
    const a = await b.run(["run", "--rm", "--ipc", "host", "berth/base", "ipcmk", "-Q"]);
    assert.equal(a.code, 0, a.stderr);
    const qid = /Message queue id: (\d+)/.exec(a.stdout)?.[1];
    const seen = await b.run(["run", "--rm", "--ipc", "host", "berth/base", "ipcs", "-q"]);
    assert.match(seen.stdout, new RegExp(`^0x[0-9a-f]+ +${qid} `, "m"), seen.stdout);
    const c = await b.run(["run", "-d", "--name", "other", "berth/base", "sleep", "100"]);
    assert.equal(c.code, 0, c.stderr);
    const ps = await b.run([
      "run",
      "--rm",
      "--pid",
      "host",
      "berth/base",
      "ps",
      "-e",
      "-o",
      "comm",
    ]);
    assert.match(ps.stdout, /^sleep$/m, `another container's process is visible: ${ps.stdout}`);
    assert.equal((await b.run(["rm", "-f", "other"])).code, 0);
  } finally {
    await b.cleanup();
  }
});
