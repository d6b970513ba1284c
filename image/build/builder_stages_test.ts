import assert from "node:assert/strict";
import { build } from "./builder.ts";
import type { BuildEvent } from "./build_progress.ts";
import { imageFiles, ScriptRunner, tempContext, tempStore } from "./_test_support.ts";

const MULTI = `
ARG BASE=scratch
FROM \${BASE} AS tools
RUN write /tools/cc compiler
FROM scratch AS unused
RUN write /never 1
FROM scratch AS build
COPY --from=tools /tools/cc /usr/bin/cc
COPY src/ /src/
RUN write /out/app.wasm wasm-bytes
FROM scratch
COPY --from=build /out/app.wasm /app.wasm
COPY --from=0 /tools /t
CMD ["/app.wasm"]
`;

Deno.test("multi-stage: only the stages the target needs are built, in order; COPY --from", async () => {
  const { store, dispose } = await tempStore();
  const dir = await tempContext({ "Dockerfile": MULTI, "src/main.c": "int main(){}" });
  try {
    const runner = new ScriptRunner();
    const events: BuildEvent[] = [];
    const r = await build({
      store,
      contextDir: dir,
      runner,
      tags: ["app:1"],
      onEvent: (e) => events.push(e),
    });
    const scripts = runner.steps.map((s) => s.argv.at(-1));
    assert.deepEqual(scripts, ["write /tools/cc compiler", "write /out/app.wasm wasm-bytes"]);
    const stagesSeen = [...new Set(events.flatMap((e) => e.type === "step" ? [e.stage] : []))];
    assert.deepEqual(stagesSeen, ["tools", "build", "stage-3"]);
    const fs = await imageFiles(store, r.image);
    try {
      assert.equal(await fs.text("/app.wasm"), "wasm-bytes");
      assert.equal(await fs.text("/t/cc"), "compiler");
      assert.equal(fs.tree.lookup("/src"), undefined, "only what was copied from the build stage");
    } finally {
      await fs.close();
    }
    assert.equal(r.image.config.rootfs.diff_ids.length, 2);

    // --target builds that stage and what it needs, nothing after it.
    const t = await build({ store, contextDir: dir, runner: new ScriptRunner(), target: "build" });
    const tfs = await imageFiles(store, t.image);
    try {
      assert.equal(await tfs.text("/usr/bin/cc"), "compiler");
      assert.equal(await tfs.text("/src/main.c"), "int main(){}");
    } finally {
      await tfs.close();
    }
    await assert.rejects(
      () => build({ store, contextDir: dir, runner, target: "nope" }),
      /target stage "nope" could not be found/,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
    await dispose();
  }
});

Deno.test("FROM a stage or an image in the store inherits its files and config", async () => {
  const { store, dispose } = await tempStore();
  const dir = await tempContext({ "a": "A", "b": "B" });
  try {
    await build({
      store,
      contextDir: dir,
      tags: ["base:1"],
      dockerfileText: 'FROM scratch\nCOPY a /a\nENV FROM_BASE=1\nCMD ["/a"]\nWORKDIR /work\n',
    });
    const r = await build({
      store,
      contextDir: dir,
      dockerfileText: 'FROM base:1 AS one\nCOPY b /b\nFROM one\nENTRYPOINT ["/b"]\n',
    });
    assert.ok(r.image.config.config?.Env?.includes("FROM_BASE=1"));
    assert.equal(r.image.config.config?.WorkingDir, "/work");
    assert.deepEqual(r.image.config.config?.Entrypoint, ["/b"]);
    assert.equal(r.image.config.config?.Cmd, null, "ENTRYPOINT resets an inherited CMD");
    const fs = await imageFiles(store, r.image);
    try {
      assert.equal(await fs.text("/a"), "A");
      assert.equal(await fs.text("/b"), "B");
    } finally {
      await fs.close();
    }
    const keep = await build({
      store,
      contextDir: dir,
      dockerfileText: 'FROM base:1\nCMD ["/x"]\nENTRYPOINT ["/e"]\n',
    });
    assert.deepEqual(
      keep.image.config.config?.Cmd,
      ["/x"],
      "a CMD of this stage survives ENTRYPOINT",
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
    await dispose();
  }
});

Deno.test("ONBUILD triggers are recorded, run in the child build, and not inherited further", async () => {
  const { store, dispose } = await tempStore();
  const dir = await tempContext({ "app.txt": "app" });
  try {
    const base = await build({
      store,
      contextDir: dir,
      tags: ["onbuild-base:1"],
      dockerfileText:
        "FROM scratch\nONBUILD COPY app.txt /from-trigger.txt\nONBUILD ENV TRIGGERED=yes\n",
    });
    const onBuild = (base.image.config.config as { OnBuild?: string[] }).OnBuild;
    assert.deepEqual(onBuild, ["COPY app.txt /from-trigger.txt", "ENV TRIGGERED=yes"]);
    const steps: { index: number; total: number; text: string }[] = [];
    const child = await build({
      store,
      contextDir: dir,
      dockerfileText: "FROM onbuild-base:1\nENV CHILD=1\n",
      onEvent: (e) => {
        if (e.type === "step") steps.push({ index: e.index, total: e.total, text: e.text });
      },
    });
    assert.deepEqual(steps, [
      { index: 1, total: 2, text: "FROM onbuild-base:1" },
      { index: 2, total: 2, text: "COPY app.txt /from-trigger.txt" },
    ], "the step total counts the triggers that make layers");
    assert.ok(child.image.config.config?.Env?.includes("TRIGGERED=yes"));
    assert.equal((child.image.config.config as { OnBuild?: string[] }).OnBuild, undefined);
    const fs = await imageFiles(store, child.image);
    try {
      assert.equal(await fs.text("/from-trigger.txt"), "app");
    } finally {
      await fs.close();
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
    await dispose();
  }
});

Deno.test("ARG: global ARGs feed FROM, stages redeclare them, --build-arg overrides, unused args warn", async () => {
  const { store, dispose } = await tempStore();
  const dir = await tempContext({ "v1.txt": "one", "v2.txt": "two" });
  try {
    const text = `
ARG V=1
ARG STAGE=scratch
FROM $STAGE
ARG V
ARG OTHER=x-\${V}
COPY v\${V}.txt /v.txt
ENV OTHER=$OTHER
LABEL proxy=\${HTTP_PROXY:-none}
`;
    const a = await build({ store, contextDir: dir, dockerfileText: text });
    assert.ok(a.image.config.config?.Env?.includes("OTHER=x-1"));
    const b = await build({
      store,
      contextDir: dir,
      dockerfileText: text,
      buildArgs: { V: "2", UNUSED: "u", HTTP_PROXY: "http://proxy" },
    });
    assert.ok(b.image.config.config?.Env?.includes("OTHER=x-2"));
    assert.equal(
      b.image.config.config?.Labels?.proxy,
      "none",
      "proxy args are not ARGs unless declared",
    );
    assert.deepEqual(b.warnings, ["One or more build-args [UNUSED] were not consumed"]);
    const fs = await imageFiles(store, b.image);
    try {
      assert.equal(await fs.text("/v.txt"), "two");
    } finally {
      await fs.close();
    }
    const history = JSON.stringify(b.image.config.history);
    assert.ok(!history.includes("http://proxy"), "proxy values stay out of history");
  } finally {
    await Deno.remove(dir, { recursive: true });
    await dispose();
  }
});
