import assert from "node:assert/strict";
import { ensureBaseImage, openStore } from "../../image/mod.ts";
import { appletNames } from "../userland/mod.ts";
import { createKernel } from "../daemon/services.ts";
import { parseCreateRequest } from "./container_config.ts";
import { ContainerEngine } from "./container_engine.ts";
import { KernelRuntime } from "./kernel_runtime.ts";
import { OverlayRootfs } from "./overlay_rootfs.ts";
import { readLogs } from "./container_logs.ts";
import { namespaceJoins } from "./container_join.ts";

async function withEngine(fn: (engine: ContainerEngine) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir();
  const store = await openStore(dir);
  await ensureBaseImage(store, {
    applets: appletNames.filter((n) => /^[A-Za-z0-9_.+-]+$/.test(n)),
  });
  const engine = new ContainerEngine({
    root: dir,
    store,
    runtime: new KernelRuntime(createKernel(), new OverlayRootfs(dir, store)),
    emit: () => {},
  });
  await engine.load();
  try {
    await fn(engine);
  } finally {
    await engine.shutdown();
    await Deno.remove(dir, { recursive: true });
  }
}

const req = (cmd: string[], hc: Record<string, unknown> = {}) =>
  parseCreateRequest({ Image: "berth/base", Cmd: cmd, HostConfig: hc });

/** Run a command in a running container and return its stdout. */
async function execOut(engine: ContainerEngine, ref: string, argv: string[]): Promise<string> {
  const running = engine.get(ref).running;
  assert.ok(running, `${ref} runs`);
  let out = "";
  const dec = new TextDecoder();
  const p = await running.exec(
    { argv, env: [], workdir: "", user: "", tty: false, stdin: false },
    { stdout: (d) => (out += dec.decode(d)), stderr: (d) => (out += dec.decode(d)) },
  );
  await p.exited;
  return out;
}

async function logText(engine: ContainerEngine, ref: string): Promise<string> {
  const recs = await readLogs(engine.get(ref).record.LogPath, 1);
  return recs.map((r) => r.log).join("");
}

/** Wait until a container's log contains `text` (it was written by the container). */
async function waitLog(engine: ContainerEngine, ref: string, text: string): Promise<string> {
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    const t = await logText(engine, ref);
    if (t.includes(text)) return t;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`${ref} never logged ${text}: ${await logText(engine, ref)}`);
}

Deno.test("namespaceJoins() refuses a stopped, restarting or non-shareable donor as Docker does", () => {
  const hc = { IpcMode: "container:db", PidMode: "" };
  const base = { id: "abc", ipcMode: "shareable", restarting: false };
  assert.throws(
    () => namespaceJoins(hc, () => base),
    (e: Error & { httpStatus?: number }) =>
      /cannot join IPC of a non running container: db/.test(e.message) && e.httpStatus === 409,
  );
  assert.throws(
    () => namespaceJoins(hc, () => ({ ...base, pid: 3, ipcMode: "private" })),
    /non-shareable IPC \(hint: use IpcMode:shareable/,
  );
  assert.throws(
    () => namespaceJoins(hc, () => ({ ...base, pid: 3, restarting: true })),
    /is restarting/,
  );
  assert.throws(
    () =>
      namespaceJoins({ IpcMode: "", PidMode: "container:x" }, (r) => {
        throw new Error(`No such container: ${r}`);
      }),
    (e: Error & { httpStatus?: number }) =>
      e.httpStatus === 400 && /No such container: x/.test(e.message),
  );
  assert.deepEqual(
    namespaceJoins(
      { IpcMode: "", PidMode: "container:x" },
      () => ({ ...base, pid: 9, ipcMode: "" }),
    ),
    {
      pid: 9,
    },
  );
});

Deno.test("engine: --ipc container:X sees X's queues, a private container does not, and the namespace outlives X", async () => {
  await withEngine(async (engine) => {
    await assert.rejects(
      () => engine.create(req(["true"], { IpcMode: "container:nope" })),
      /No such container: nope/,
    );
    await engine.create(
      req(["sh", "-c", "ipcmk -Q; sleep 100"], { IpcMode: "shareable" }),
      "donor",
    );
    await engine.start("donor");
    const made = await waitLog(engine, "donor", "Message queue id:");
    const qid = /Message queue id: (\d+)/.exec(made)?.[1];
    assert.ok(qid !== undefined);

    await engine.create(req(["sleep", "100"], { IpcMode: "container:donor" }), "joiner");
    await engine.create(req(["sleep", "100"], { User: "1000" }), "private");
    await engine.create(req(["sleep", "100"], { IpcMode: "container:donor" }), "late");
    await engine.start("joiner");
    await engine.start("private");
    const donorPid = engine.get("donor").running?.pid;
    assert.deepEqual(
      engine.get("joiner").record.Spec.linux.namespaces.find((n) => n.type === "ipc"),
      { type: "ipc", path: `/proc/${donorPid}/ns/ipc` },
      "the spec names the joined namespace as runc would get it",
    );
    const seen = await execOut(engine, "joiner", ["ipcs", "-q"]);
    assert.match(seen, new RegExp(`\\s${qid}\\s`), `the joiner lists the donor's queue: ${seen}`);
    const own = await execOut(engine, "private", ["ipcs", "-q"]);
    assert.doesNotMatch(own, new RegExp(`0x[0-9a-f]+ +${qid} `), `a private one does not: ${own}`);
    assert.equal(
      await execOut(engine, "joiner", ["sh", "-c", "echo $(cat /proc/1/comm)"]),
      "sleep\n",
      "its own PID namespace: its main process is pid 1",
    );

    await engine.stop("donor", 0);
    assert.equal(engine.get("joiner").record.State.Running, true, "the joiner keeps running");
    const after = await execOut(engine, "joiner", ["ipcs", "-q"]);
    assert.match(after, new RegExp(`\\s${qid}\\s`), "the namespace lives while it is used");
    await assert.rejects(
      () => engine.start("late"),
      /cannot join IPC of a non running container: donor/,
    );
    await engine.stop("joiner", 0);
    await engine.stop("private", 0);
  });
});

Deno.test("engine: --pid container:X shows X's processes, and X's exit kills the joiner (137)", async () => {
  await withEngine(async (engine) => {
    await engine.create(req(["sleep", "100"]), "target");
    await engine.create(
      req(["sh", "-c", "echo ready; sleep 100"], { PidMode: "container:target", User: "1000" }),
      "peer",
    );
    await assert.rejects(() => engine.start("peer"), /cannot join PID of a non running container/);
    await engine.start("target");
    await engine.start("peer");
    await waitLog(engine, "peer", "ready");
    const ps = await execOut(engine, "peer", ["ps", "-e", "-o", "pid,comm"]);
    assert.match(ps, /^ +1 sleep$/m, `the target's main process is pid 1 for the peer: ${ps}`);
    assert.match(ps, /^ +\d+ sh$/m, ps);
    assert.equal(engine.get("peer").record.HostConfig.PidMode, "container:target");
    // A joiner's exit takes its other processes with it (they are not in a namespace of
    // their own that would die with them).
    await engine.create(
      req([
        "sh",
        "-c",
        // The background job is a forked shell until it execs `timeout`: wait for that.
        'timeout 100 sleep 100 & until [ "$(cat /proc/$!/comm)" = timeout ]; do sleep 0.01; done; exit 3',
      ], { PidMode: "container:target" }),
      "brief",
    );
    await engine.start("brief");
    assert.equal(await engine.wait("brief"), 3);
    // Killed: zombies of the target's init (a `sleep` that never reaps them, as on Linux).
    const left = await execOut(engine, "target", ["ps", "-e", "-o", "stat,comm"]);
    assert.match(left, /^Z +timeout$/m, left);
    assert.doesNotMatch(left, /^[^Z]\S* +timeout$/m, left);
    await engine.stop("target", 0);
    assert.equal(await engine.wait("peer"), 137, "the namespace died with its init");
  });
});
