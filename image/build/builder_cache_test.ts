import assert from "node:assert/strict";
import { join } from "node:path";
import { build } from "./builder.ts";
import { BuildCache } from "./build_cache.ts";
import type { BuildEvent } from "./build_progress.ts";
import { RunFailedError } from "./step_run.ts";
import { openStore } from "../store/store.ts";
import { ScriptRunner, tempContext, tempStore, writeFiles } from "./_test_support.ts";

const DOCKERFILE = `
FROM scratch
COPY a.txt /a.txt
RUN write /made-by-run 1
COPY b.txt /b.txt
RUN write /after-b 2
CMD ["/a"]
`;

Deno.test("an unchanged rebuild is all CACHED and gives the same image ID", async () => {
  const { store, dispose } = await tempStore();
  const dir = await tempContext({ "Dockerfile": DOCKERFILE, "a.txt": "A", "b.txt": "B" });
  try {
    const runner = new ScriptRunner();
    const first = await build({ store, contextDir: dir, runner, tags: ["c:1"] });
    assert.deepEqual(first.steps, { total: 5, cached: 0 });
    const events: BuildEvent[] = [];
    const second = await build({
      store,
      contextDir: dir,
      runner,
      tags: ["c:1"],
      onEvent: (e) => events.push(e),
    });
    assert.deepEqual(second.steps, { total: 5, cached: 4 });
    assert.equal(second.id, first.id);
    assert.equal(runner.steps.length, 2, "cached RUN steps do not run");
    assert.equal(events.filter((e) => e.type === "cached").length, 4);
  } finally {
    await Deno.remove(dir, { recursive: true });
    await dispose();
  }
});

Deno.test("changing one copied file rebuilds from that step only; mtimes alone change nothing", async () => {
  const { store, dispose } = await tempStore();
  const dir = await tempContext({ "Dockerfile": DOCKERFILE, "a.txt": "A", "b.txt": "B" });
  try {
    const runner = new ScriptRunner();
    await build({ store, contextDir: dir, runner });
    // Touch a.txt: same content, new mtime → still cached.
    await Deno.utime(join(dir, "a.txt"), new Date(), new Date(2001, 1, 1));
    const touched = await build({ store, contextDir: dir, runner });
    assert.equal(touched.steps.cached, 4);
    await Deno.writeTextFile(join(dir, "b.txt"), "B2");
    const changed = await build({ store, contextDir: dir, runner });
    assert.deepEqual(
      changed.steps,
      { total: 5, cached: 2 },
      "COPY a.txt and the first RUN stay cached",
    );
    assert.equal(runner.steps.length, 3, "only the RUN after the changed COPY ran again");
    // A mode change is an input too.
    await Deno.chmod(join(dir, "a.txt"), 0o600);
    assert.equal((await build({ store, contextDir: dir, runner })).steps.cached, 0);
    // --no-cache runs everything.
    const all = await build({ store, contextDir: dir, runner, noCache: true });
    assert.equal(all.steps.cached, 0);
  } finally {
    await Deno.remove(dir, { recursive: true });
    await dispose();
  }
});

Deno.test("build args are cache inputs: a changed ARG value reruns the RUN after it, a proxy arg does not", async () => {
  const { store, dispose } = await tempStore();
  const dir = await tempContext({
    "Dockerfile": "FROM scratch\nCOPY a.txt /a.txt\nARG V\nRUN write /v $V\n",
    "a.txt": "A",
  });
  try {
    const runner = new ScriptRunner();
    const v = (value: string, extra: Record<string, string> = {}) =>
      build({ store, contextDir: dir, runner, buildArgs: { V: value, ...extra } });
    const first = await v("1");
    assert.deepEqual(first.steps, { total: 3, cached: 0 });
    assert.deepEqual((await v("1")).steps, { total: 3, cached: 2 });
    assert.equal(runner.steps.length, 1);
    const proxied = await v("1", { HTTP_PROXY: "http://proxy:3128" });
    assert.deepEqual(proxied.steps, { total: 3, cached: 2 }, "proxy args stay out of the key");
    assert.equal(proxied.id, first.id);
    const changed = await v("2");
    assert.deepEqual(changed.steps, { total: 3, cached: 1 }, "COPY before the ARG stays cached");
    assert.equal(runner.steps.length, 2, "the RUN ran again with the new value");
    assert.ok(runner.steps[1]!.env.includes("V=2"), runner.steps[1]!.env.join(" "));
    assert.notEqual(changed.id, first.id);
  } finally {
    await Deno.remove(dir, { recursive: true });
    await dispose();
  }
});

Deno.test("the cache survives a restart (a new store object on the same root)", async () => {
  const { root, store, dispose } = await tempStore();
  const dir = await tempContext({ "Dockerfile": DOCKERFILE, "a.txt": "A", "b.txt": "B" });
  try {
    const first = await build({ store, contextDir: dir, runner: new ScriptRunner() });
    const reopened = await openStore(root);
    const runner = new ScriptRunner();
    const again = await build({ store: reopened, contextDir: dir, runner });
    assert.equal(again.steps.cached, 4);
    assert.equal(runner.steps.length, 0);
    assert.equal(again.id, first.id);
  } finally {
    await Deno.remove(dir, { recursive: true });
    await dispose();
  }
});

Deno.test("SOURCE_DATE_EPOCH: same digest from two context copies with different mtimes", async () => {
  const files = {
    "Dockerfile": DOCKERFILE + "ENV X=1\nWORKDIR /srv/app\n",
    "a.txt": "A",
    "b.txt": "B",
  };
  const one = await tempStore();
  const two = await tempStore();
  const dirA = await tempContext(files);
  const dirB = await tempContext(files);
  try {
    await Deno.utime(join(dirB, "a.txt"), new Date(1e12), new Date(1.5e12));
    await Deno.utime(join(dirB, "b.txt"), new Date(1e12), new Date(1.2e12));
    const a = await build({
      store: one.store,
      contextDir: dirA,
      runner: new ScriptRunner(),
      sourceDateEpoch: 1700000000,
    });
    await new Promise((r) => setTimeout(r, 20));
    const b = await build({
      store: two.store,
      contextDir: dirB,
      runner: new ScriptRunner(),
      sourceDateEpoch: 1700000000,
    });
    assert.equal(a.id, b.id);
    assert.equal(a.manifestDigest, b.manifestDigest);
    assert.equal(a.image.config.created, "2023-11-14T22:13:20.000Z");
    assert.ok(
      (a.image.config.history ?? []).every((h) => h.created === "2023-11-14T22:13:20.000Z"),
    );
    const history = JSON.stringify(a.image.config.history);
    assert.ok(!history.includes(dirA), "no host paths in history");
  } finally {
    for (const d of [dirA, dirB]) await Deno.remove(d, { recursive: true });
    await one.dispose();
    await two.dispose();
  }
});

Deno.test("SOURCE_DATE_EPOCH: an empty build arg means no epoch (BuildKit), a malformed one is refused", async () => {
  const { store, dispose } = await tempStore();
  const dir = await tempContext({ "Dockerfile": DOCKERFILE, "a.txt": "A", "b.txt": "B" });
  try {
    const runner = new ScriptRunner();
    const empty = await build({
      store,
      contextDir: dir,
      runner,
      buildArgs: { SOURCE_DATE_EPOCH: "" },
    });
    assert.notEqual(empty.image.config.created, "1970-01-01T00:00:00.000Z");
    assert.ok(Date.parse(empty.image.config.created ?? "") > Date.parse("2024-01-01"));
    await assert.rejects(
      build({ store, contextDir: dir, runner, buildArgs: { SOURCE_DATE_EPOCH: "soon" } }),
      /Invalid SOURCE_DATE_EPOCH "soon"/,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
    await dispose();
  }
});

Deno.test("a failing RUN shows command, exit code and last output, and tags nothing", async () => {
  const { store, dispose } = await tempStore();
  const dir = await tempContext({
    "Dockerfile": "FROM scratch\nCOPY a.txt /a\nRUN echo compiling\\\n  && echo oops\n",
    "a.txt": "A",
  });
  try {
    await build({
      store,
      contextDir: dir,
      tags: ["keep:1"],
      dockerfileText: "FROM scratch\nCOPY a.txt /kept\n",
    });
    const before = (await store.readIndex()).manifests;
    const err = await build({
      store,
      contextDir: dir,
      runner: new ScriptRunner(),
      tags: ["keep:1", "new:1"],
      dockerfileText: "FROM scratch\nCOPY a.txt /a\nRUN echo compiling\n",
    }).then(() => undefined, (e) => e);
    assert.equal(err, undefined, "sanity: this one succeeds");
    const failed = await build({
      store,
      contextDir: dir,
      runner: new ScriptRunner(),
      tags: ["keep:1", "broken:1"],
      dockerfileText:
        "FROM scratch\nCOPY a.txt /a\nRUN echo compiling\nRUN frobnicate\\\n  --now\n",
    }).then(() => undefined, (e) => e);
    assert.ok(failed instanceof RunFailedError);
    assert.equal(failed.exitCode, 127);
    assert.match(
      failed.message,
      /Dockerfile:4: process "\/bin\/sh -c frobnicate {2}--now" did not complete.*exit code: 127\n {2}unknown: frobnicate {2}--now/s,
    );
    const exit = await build({
      store,
      contextDir: dir,
      runner: new ScriptRunner(),
      tags: ["broken:1"],
      dockerfileText: "FROM scratch\nRUN <<EOF\necho first line\necho last line\nexit 3\nEOF\n",
    }).then(() => undefined, (e) => e);
    assert.ok(exit instanceof RunFailedError);
    assert.equal(exit.exitCode, 3);
    assert.deepEqual(exit.lastOutput, ["first line", "last line"]);
    assert.match(exit.message, /exit code: 3\n {2}first line\n {2}last line$/);
    const tags = (await store.images()).flatMap((i) => i.tags).sort();
    assert.deepEqual(tags, ["docker.io/library/keep:1", "docker.io/library/new:1"]);
    assert.ok(before.length > 0);
  } finally {
    await Deno.remove(dir, { recursive: true });
    await dispose();
  }
});

Deno.test("BuildCache.prune() unpins cached layers so GC can reclaim them; tagged images stay", async () => {
  const { store, dispose } = await tempStore();
  const dir = await tempContext({ "Dockerfile": DOCKERFILE, "a.txt": "A", "b.txt": "B" });
  try {
    const runner = new ScriptRunner();
    const kept = await build({ store, contextDir: dir, runner, tags: ["kept:1"] });
    // A second, untagged build whose layers only the cache holds.
    await writeFiles(dir, { "b.txt": "other" });
    await build({ store, contextDir: dir, runner });
    await store.gc();
    const cache = new BuildCache(store);
    assert.ok((await cache.size()) > 0);
    const report = await cache.prune();
    assert.ok(report.records > 0);
    assert.ok(report.bytesReclaimed > 0);
    assert.equal(await cache.size(), 0);
    // What is left is exactly what the tagged image references.
    const blobs: string[] = [];
    for await (const e of Deno.readDir(store.blobsDir)) blobs.push(`sha256:${e.name}`);
    // (the untagged second image stays too: it is a dangling image, as in Docker)
    const images = await store.images();
    assert.equal(images.length, 2);
    assert.ok(images.some((i) => i.id === kept.id));
    const want = new Set(
      images.flatMap((i) => [i.manifestDigest, i.id, ...i.manifest.layers.map((l) => l.digest)]),
    );
    assert.deepEqual(blobs.sort(), [...want].sort());
    // After the prune the image still rebuilds (from scratch, nothing cached).
    await writeFiles(dir, { "b.txt": "B" });
    const again = await build({ store, contextDir: dir, runner });
    assert.equal(again.steps.cached, 0);
  } finally {
    await Deno.remove(dir, { recursive: true });
    await dispose();
  }
});

Deno.test("after a failing build and a builder prune the store holds exactly what it held before", async () => {
  const { store, dispose } = await tempStore();
  const dir = await tempContext({ "a.txt": "A", "new.txt": "never shipped" });
  const blobs = async () => {
    const out: string[] = [];
    for await (const e of Deno.readDir(store.blobsDir)) out.push(e.name);
    return out.sort();
  };
  try {
    await build({
      store,
      contextDir: dir,
      tags: ["keep:1"],
      dockerfileText: "FROM scratch\nCOPY a.txt /a\n",
    });
    await new BuildCache(store).prune();
    const before = await blobs();
    const index = await Deno.readTextFile(join(store.layoutDir, "index.json"));
    await assert.rejects(() =>
      build({
        store,
        contextDir: dir,
        runner: new ScriptRunner(),
        tags: ["keep:1", "other:1"],
        dockerfileText: "FROM scratch\nCOPY new.txt /n\nRUN write /x 1\nRUN exit 1\n",
      }), RunFailedError);
    assert.equal(
      await Deno.readTextFile(join(store.layoutDir, "index.json")),
      index,
      "no tag moved",
    );
    await new BuildCache(store).prune();
    assert.deepEqual(await blobs(), before);
  } finally {
    await Deno.remove(dir, { recursive: true });
    await dispose();
  }
});
