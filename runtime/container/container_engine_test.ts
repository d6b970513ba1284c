import assert from "node:assert/strict";
import { ensureBaseImage, openStore } from "../../image/mod.ts";
import { appletNames } from "../userland/mod.ts";
import { createKernel } from "../daemon/services.ts";
import { parseCreateRequest } from "./container_config.ts";
import { ContainerEngine } from "./container_engine.ts";
import { KernelRuntime } from "./kernel_runtime.ts";
import { OverlayRootfs } from "./overlay_rootfs.ts";
import { readLogs } from "./container_logs.ts";

async function withEngine(
  fn: (engine: ContainerEngine, root: string, events: string[]) => Promise<void>,
  root?: string,
  runtimeOpts: { memoryBudget?: number } = {},
): Promise<void> {
  const dir = root ?? await Deno.makeTempDir();
  const store = await openStore(dir);
  await ensureBaseImage(store, {
    applets: appletNames.filter((n) => /^[A-Za-z0-9_.+-]+$/.test(n)),
  });
  const kernel = createKernel();
  const events: string[] = [];
  const engine = new ContainerEngine({
    root: dir,
    store,
    runtime: new KernelRuntime(kernel, new OverlayRootfs(dir, store), runtimeOpts),
    emit: (_t, action, _id, attrs) => events.push(`${action} ${attrs.name ?? ""}`),
  });
  await engine.load();
  try {
    await fn(engine, dir, events);
  } finally {
    await engine.shutdown();
    if (!root) await Deno.remove(dir, { recursive: true });
  }
}

const req = (cmd: string[], hc: Record<string, unknown> = {}) =>
  parseCreateRequest({ Image: "berth/base", Cmd: cmd, HostConfig: hc });

Deno.test("engine: create/start/wait gives the exit code, logs as json-file, events in order", async () => {
  await withEngine(async (engine, _root, events) => {
    const { Id } = await engine.create(req(["sh", "-c", "echo out; echo err >&2; exit 4"]), "job");
    await engine.start(Id);
    assert.equal(await engine.wait(Id), 4);
    const c = engine.get("job");
    assert.equal(c.record.State.Status, "exited");
    const logs = await readLogs(c.record.LogPath, 1);
    assert.deepEqual(logs.map((r) => [r.stream, r.log]), [["stdout", "out\n"], [
      "stderr",
      "err\n",
    ]]);
    assert.deepEqual(events, ["create job", "start job", "die job"]);
    assert.equal(engine.get(Id.slice(0, 8)), c, "an id prefix finds it");
    assert.throws(() => engine.get("nope"), /No such container: nope/);
  });
});

Deno.test("engine: stop sends SIGTERM then SIGKILL after the timeout; rm -f kills; names conflict with 409", async () => {
  await withEngine(async (engine) => {
    const { Id } = await engine.create(req(["sleep", "100"]), "sleeper");
    await engine.start(Id);
    const t0 = performance.now();
    assert.equal(await engine.stop(Id, 1), true);
    const took = performance.now() - t0;
    assert.ok(took >= 900, `waited the timeout (${took} ms): pid 1 ignores SIGTERM`);
    assert.equal(engine.get(Id).record.State.ExitCode, 137);
    assert.equal(await engine.stop(Id, 1), false, "already stopped: Docker's 304");
    await assert.rejects(() => engine.create(req(["true"]), "sleeper"), /already in use/);
    await engine.start(Id);
    await assert.rejects(() => engine.remove(Id), /stop the container before removing/);
    await engine.remove(Id, { force: true });
    assert.throws(() => engine.get("sleeper"));
  });
});

Deno.test("engine: a daemon that went away leaves running containers exited (255) for the next one", async () => {
  const root = await Deno.makeTempDir();
  try {
    let id = "";
    await withEngine(async (engine) => {
      ({ Id: id } = await engine.create(req(["sleep", "100"], { Init: true }), "orphan"));
      await engine.start(id);
      // Simulate a crash: the record says running, as it does when the daemon dies.
      const rec = JSON.parse(await Deno.readTextFile(`${root}/containers/${id}/container.json`));
      assert.equal(rec.State.Status, "running");
      // --init: a stop right after the start is forwarded, not lost (pid 1 has a handler at once).
      const t0 = performance.now();
      await engine.stop(id, 20);
      assert.ok(performance.now() - t0 < 10_000, "SIGTERM reached the child");
      assert.equal(engine.get(id).record.State.ExitCode, 143);
    }, root);
    // shutdown() stopped it cleanly above; write the "running" state back as a crash would.
    const path = `${root}/containers/${id}/container.json`;
    const rec = JSON.parse(await Deno.readTextFile(path));
    rec.State = { ...rec.State, Status: "running", Running: true, Pid: 9 };
    await Deno.writeTextFile(path, JSON.stringify(rec));
    await withEngine((engine) => {
      const c = engine.get("orphan");
      assert.equal(c.record.State.Status, "exited");
      assert.equal(c.record.State.ExitCode, 255);
      return Promise.resolve();
    }, root);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("engine: an --rm container's directory is made by its first output, logs as json-file, and goes with it", async () => {
  await withEngine(async (engine, root) => {
    const { Id } = await engine.create(
      req(["sh", "-c", "echo hello; sleep 100"], { AutoRemove: true }),
    );
    const dir = `${root}/containers/${Id}`;
    assert.throws(() => Deno.statSync(dir), Deno.errors.NotFound, "no directory at create");
    const gone = engine.wait(Id, "removed");
    await engine.start(Id);
    const path = engine.get(Id).record.LogPath;
    for (let i = 0; i < 200 && (await readLogs(path, 1)).length === 0; i++) {
      await new Promise((r) => setTimeout(r, 10));
    }
    assert.deepEqual((await readLogs(path, 1)).map((r) => r.log), ["hello\n"]);
    assert.equal(Deno.statSync(dir).mode! & 0o777, 0o700, "made private, as at create");
    engine.kill(Id, "KILL");
    await gone;
    for (let i = 0; i < 200; i++) {
      try {
        Deno.statSync(dir);
      } catch {
        break;
      }
      await new Promise((r) => setTimeout(r, 10));
    }
    assert.throws(() => Deno.statSync(dir), Deno.errors.NotFound, "removed with it");
  });
});

Deno.test("engine: an --rm container is never written down, and a daemon that went away leaves nothing of it", async () => {
  const root = await Deno.makeTempDir();
  try {
    let id = "";
    await withEngine(async (engine) => {
      ({ Id: id } = await engine.create(req(["sleep", "100"], { AutoRemove: true })));
      await engine.start(id);
      // Nothing written down, and no directory either until it writes something.
      assert.throws(() => Deno.statSync(`${root}/containers/${id}`), Deno.errors.NotFound);
      assert.equal(engine.get(id).record.State.Status, "running", "the engine holds it");
      await engine.stop(id, 0);
    }, root);
    // The directory a crash would leave behind (shutdown already removed this one).
    await Deno.mkdir(`${root}/containers/${id}/spill`, { recursive: true });
    await Deno.writeTextFile(`${root}/containers/${id}/${id}-json.log`, "");
    await withEngine(async (engine) => {
      assert.equal(engine.all().length, 0);
      await assert.rejects(() => Deno.stat(`${root}/containers/${id}`), Deno.errors.NotFound);
    }, root);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("engine: containers together stay within the memory budget; past it the OOM killer takes the largest process, its neighbour runs on", async () => {
  await withEngine(
    async (engine) => {
      const { Id: quiet } = await engine.create(req(["sleep", "100"]), "quiet");
      await engine.start(quiet);
      // No -m: only the budget of all containers (32 MiB here) bounds the doubling shell.
      const { Id: hog } = await engine.create(
        req(["sh", "-c", "x=a; while true; do x=$x$x; done"]),
        "hog",
      );
      await engine.start(hog);
      assert.equal(await engine.wait(hog), 137);
      // The kill counts in the container's own memory.events, so it is marked OOMKilled.
      assert.equal(engine.get("hog").record.State.OOMKilled, true);
      assert.equal(engine.get("quiet").record.State.Running, true);
      await engine.remove(quiet, { force: true });
    },
    undefined,
    { memoryBudget: 32 * 1024 * 1024 },
  );
});
