import assert from "node:assert/strict";
import { createTarPacker } from "modern-tar";
import type { BuildJsonMessage } from "./build_progress.ts";
import { engineBuild, engineBuildPrune } from "./engine_build.ts";
import { join } from "node:path";
import { ScriptRunner, tempStore } from "./_test_support.ts";

async function contextTar(files: Record<string, string>): Promise<Uint8Array> {
  const { readable, controller } = createTarPacker();
  const done = (async () => {
    for (const [name, text] of Object.entries(files)) {
      const bytes = new TextEncoder().encode(text);
      const w = controller.add({ name, size: bytes.length, mode: 0o644 }).getWriter();
      await w.write(bytes);
      await w.close();
    }
    controller.finalize();
  })();
  const out = new Uint8Array(await new Response(readable).arrayBuffer());
  await done;
  return out;
}

Deno.test("engineBuild() serves POST /build: tags, buildargs, labels, q, SOURCE_DATE_EPOCH arg", async () => {
  const { root, store, dispose } = await tempStore();
  try {
    const body = await contextTar({
      "build/Containerfile":
        "FROM scratch\nARG WHO\nCOPY hi.txt /hi.txt\nLABEL who=$WHO\nRUN write /ran yes\n",
      "hi.txt": "hi",
    });
    const q = new URLSearchParams();
    q.append("t", "api:1");
    q.append("t", "api:latest");
    q.set("dockerfile", "build/Containerfile");
    q.set("buildargs", JSON.stringify({ WHO: "api", SOURCE_DATE_EPOCH: "0" }));
    q.set("labels", JSON.stringify({ extra: "x" }));
    q.set("memory", String(64 << 20));
    q.set("cpuquota", "50000");
    const messages: BuildJsonMessage[] = [];
    const runner = new ScriptRunner();
    const r = await engineBuild({
      store,
      query: q,
      body,
      runner,
      write: (m) => void messages.push(m),
    });
    assert.ok(r);
    assert.deepEqual(r.tags.sort(), ["docker.io/library/api:1", "docker.io/library/api:latest"]);
    assert.deepEqual(r.image.config.config?.Labels, { who: "api", extra: "x" });
    assert.equal(r.image.config.created, "1970-01-01T00:00:00.000Z");
    assert.deepEqual(runner.steps[0]?.limits, { memoryBytes: 64 << 20, cpus: 0.5 });
    assert.ok(
      messages.some((m) => "stream" in m && m.stream.includes("[2/3] COPY hi.txt /hi.txt")),
    );
    assert.deepEqual(messages.at(-1), { aux: { ID: r.id } });
    const inBuilder = (await Array.fromAsync(Deno.readDir(join(root, "builder")))).map((e) =>
      e.name
    );
    assert.ok(!inBuilder.includes("digests"), "no digest memo for throw-away contexts");

    // docker's legacy client sends every limit, 0 when not given: 0 is no limit.
    const zeros = new URLSearchParams(q);
    for (const k of ["memory", "memswap", "cpuquota", "cpuperiod", "cpushares"]) zeros.set(k, "0");
    zeros.set("nocache", "1");
    const unlimited = new ScriptRunner();
    assert.ok(await engineBuild({ store, query: zeros, body, runner: unlimited, write: () => {} }));
    assert.equal(unlimited.steps.length, 1);
    assert.equal(unlimited.steps[0]!.limits, undefined);

    q.set("q", "1");
    const quiet: BuildJsonMessage[] = [];
    await engineBuild({ store, query: q, body, runner, write: (m) => void quiet.push(m) });
    assert.deepEqual(quiet, [{ stream: `${r.id}\n` }, { aux: { ID: r.id } }]);

    const bad: BuildJsonMessage[] = [];
    const failed = await engineBuild({
      store,
      query: new URLSearchParams({ dockerfile: "build/Containerfile", buildargs: "[1]" }),
      body,
      write: (m) => void bad.push(m),
    });
    assert.equal(failed, undefined);
    assert.match((bad[0] as { error: string }).error, /Invalid buildargs parameter/);
  } finally {
    await dispose();
  }
});

Deno.test("engineBuildPrune() answers POST /build/prune with CachesDeleted and SpaceReclaimed", async () => {
  const { store, dispose } = await tempStore();
  try {
    const body = await contextTar({ "Dockerfile": "FROM scratch\nCOPY a /a\n", "a": "A" });
    assert.ok(await engineBuild({ store, query: new URLSearchParams(), body, write: () => {} }));
    const recent = await engineBuildPrune(
      store,
      new URLSearchParams({ filters: '{"until":["1h"]}' }),
    );
    assert.deepEqual(recent.CachesDeleted, [], "nothing is older than an hour");
    const all = await engineBuildPrune(store, new URLSearchParams({ all: "1" }));
    assert.equal(all.CachesDeleted.length, 1);
    assert.match(all.CachesDeleted[0]!, /^[0-9a-f]{64}$/);
    assert.ok(all.SpaceReclaimed >= 0);
  } finally {
    await dispose();
  }
});
