import assert from "node:assert/strict";
import { join } from "node:path";
import { build, type BuildOptions } from "./builder.ts";
import type { BuildEvent } from "./build_progress.ts";
import { BuildStepError } from "./stage_state.ts";
import { imageFiles, ScriptRunner, tempContext, tempStore } from "./_test_support.ts";
import type { Store } from "../store/store.ts";

async function withBuild(
  files: Record<string, string>,
  fn: (
    ctx: { store: Store; dir: string; opts: (o?: Partial<BuildOptions>) => BuildOptions },
  ) => Promise<void>,
): Promise<void> {
  const { store, dispose } = await tempStore();
  const dir = await tempContext(files);
  try {
    await fn({
      store,
      dir,
      opts: (o = {}) => ({ store, contextDir: dir, runner: new ScriptRunner(), ...o }),
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
    await dispose();
  }
}

Deno.test("build() FROM scratch: files and metadata equal what the Dockerfile implies", async () => {
  await withBuild({
    "Dockerfile": `
FROM scratch
ENV APP=/app GREETING="hello world"
WORKDIR $APP
COPY hello.txt ./
COPY conf/ /etc/app/
LABEL maintainer="berth" version=1
USER 1000:1000
EXPOSE 8080 53/udp 9000-9001
VOLUME /data
STOPSIGNAL SIGINT
HEALTHCHECK --interval=10s --retries=2 CMD ["/app/check"]
SHELL ["/bin/bash", "-c"]
ENTRYPOINT echo
`,
    "hello.txt": "hi\n",
    "conf/a.conf": "a=1",
    "conf/sub/b.conf": "b=2",
  }, async ({ store, opts }) => {
    const r = await build(opts({ tags: ["t/basic:1"] }));
    assert.deepEqual(r.tags, ["docker.io/t/basic:1"]);
    const c = r.image.config as typeof r.image.config & {
      config: { Healthcheck?: unknown; Shell?: string[] };
    };
    assert.equal(c.os, "wasi");
    assert.deepEqual(c.config.Env, [
      "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
      "APP=/app",
      "GREETING=hello world",
    ]);
    assert.equal(c.config.WorkingDir, "/app");
    assert.equal(c.config.User, "1000:1000");
    assert.deepEqual(c.config.Labels, { maintainer: "berth", version: "1" });
    assert.deepEqual(Object.keys(c.config.ExposedPorts ?? {}).sort(), [
      "53/udp",
      "8080/tcp",
      "9000/tcp",
      "9001/tcp",
    ]);
    assert.deepEqual(c.config.Volumes, { "/data": {} });
    assert.equal(c.config.StopSignal, "SIGINT");
    assert.deepEqual(c.config.Healthcheck, {
      Test: ["CMD", "/app/check"],
      Interval: 10e9,
      Retries: 2,
    });
    assert.deepEqual(c.config.Shell, ["/bin/bash", "-c"]);
    assert.deepEqual(c.config.Entrypoint, ["/bin/bash", "-c", "echo"]);
    assert.equal(c.config.Cmd, null);
    // WORKDIR, COPY, COPY make layers; the rest are empty_layer history entries.
    assert.equal(c.rootfs.diff_ids.length, 3);
    assert.equal(c.history?.filter((h) => !h.empty_layer).length, 3);
    assert.equal(c.history?.length, 12);
    assert.ok(c.history?.find((h) => h.created_by === "COPY hello.txt ./"));

    const fs = await imageFiles(store, r.image);
    try {
      assert.equal(await fs.text("/app/hello.txt"), "hi\n");
      assert.equal(await fs.text("/etc/app/a.conf"), "a=1");
      assert.equal(await fs.text("/etc/app/sub/b.conf"), "b=2");
      assert.equal(
        fs.tree.lookup("/etc/app/conf"),
        undefined,
        "directory contents, not the directory",
      );
      const hello = fs.tree.lookup("/app/hello.txt")!;
      assert.equal(hello.uid, 0);
      assert.equal(fs.tree.lookup("/app")?.type, "dir");
    } finally {
      await fs.close();
    }
  });
});

Deno.test("COPY: trailing-slash rules, globs, several sources, --chown by name, --chmod", async () => {
  await withBuild({
    "Dockerfile": `
FROM scratch
COPY passwd /etc/passwd
COPY group /etc/group
COPY a.txt /file-as-name
COPY a.txt /dir/
COPY *.txt /many/
COPY --chown=app:staff --chmod=600 a.txt /owned
COPY --chown=app b.txt /owned-primary
COPY --chown=42 b.txt /owned-number
COPY ["a.txt", "b.txt", "/json/"]
COPY --chmod=600 a.txt /deep/x/a
`,
    "passwd": "root:x:0:0::/root:/bin/sh\napp:x:1000:1001::/home/app:/bin/sh\n",
    "group": "root:x:0:\nstaff:x:50:\n",
    "a.txt": "A",
    "b.txt": "B",
  }, async ({ store, opts }) => {
    const r = await build(opts());
    const fs = await imageFiles(store, r.image);
    try {
      assert.equal(await fs.text("/file-as-name"), "A");
      assert.equal(await fs.text("/dir/a.txt"), "A");
      assert.equal(await fs.text("/many/a.txt"), "A");
      assert.equal(await fs.text("/many/b.txt"), "B");
      assert.equal(await fs.text("/json/b.txt"), "B");
      assert.equal(fs.tree.lookup("/deep")?.mode, 0o755, "--chmod leaves implicit parents at 0755");
      assert.equal(fs.tree.lookup("/deep/x/a")?.mode, 0o600);
      const owned = fs.tree.lookup("/owned")!;
      assert.deepEqual([owned.uid, owned.gid, owned.mode], [1000, 50, 0o600]);
      const primary = fs.tree.lookup("/owned-primary")!;
      assert.deepEqual([primary.uid, primary.gid], [1000, 1001]);
      const num = fs.tree.lookup("/owned-number")!;
      assert.deepEqual([num.uid, num.gid], [42, 42]);
    } finally {
      await fs.close();
    }
  });
});

Deno.test("COPY errors name the Dockerfile line and leave no image", async () => {
  await withBuild({ "a.txt": "A", "b.txt": "B" }, async ({ store, opts }) => {
    const cases: [string, RegExp][] = [
      [
        "FROM scratch\nCOPY a.txt b.txt /notdir\n",
        /Dockerfile:2: When using COPY with more than one source/,
      ],
      ["FROM scratch\n\nCOPY missing /x\n", /Dockerfile:3: .*"missing" not found in build context/],
      ["FROM scratch\nCOPY --chown=nobody a.txt /x\n", /Dockerfile:2: unable to find user nobody/],
      ["FROM scratch\nCOPY --chmod=u+x a.txt /x\n", /only octal modes/],
      ["FROM scratch\nADD https://example.com/x.tgz /x\n", /Berth builds offline/],
      ["FROM scratch\nCOPY ../../../etc/passwd /x\n", /not found in build context/],
      [
        "FROM nothing-here:1\n",
        /Dockerfile:1: Cannot find image "nothing-here:1" in the local store/,
      ],
      ["FROM scratch\nRUN write /x 1\n", /RUN needs a build container/],
    ];
    for (const [text, re] of cases) {
      const o = opts({ dockerfileText: text, tags: ["t/fail:1"] });
      if (text.includes("RUN")) delete o.runner;
      await assert.rejects(() => build(o), (e: Error) => {
        assert.match(e.message, re);
        return e instanceof BuildStepError;
      });
    }
    assert.equal((await store.images()).length, 0);
  });
});

Deno.test("ADD extracts local tar and tar.gz archives and copies other files", async () => {
  const { store, dispose } = await tempStore();
  const dir = await tempContext({
    "Dockerfile": "FROM scratch\nADD app.tar.gz /opt/\nADD plain.txt /p.txt\n",
  });
  try {
    const src = await tempContext({ "app/bin/tool": "#!tool", "app/README": "readme" });
    const tar = new Deno.Command("tar", {
      args: ["-czf", join(dir, "app.tar.gz"), "-C", src, "app"],
    });
    assert.equal((await tar.output()).code, 0);
    await Deno.remove(src, { recursive: true });
    await Deno.writeTextFile(join(dir, "plain.txt"), "plain");
    const r = await build({ store, contextDir: dir });
    const fs = await imageFiles(store, r.image);
    try {
      assert.equal(await fs.text("/opt/app/bin/tool"), "#!tool");
      assert.equal(await fs.text("/opt/app/README"), "readme");
      assert.equal(await fs.text("/p.txt"), "plain");
      assert.equal(fs.tree.lookup("/opt/app.tar.gz"), undefined);
    } finally {
      await fs.close();
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
    await dispose();
  }
});

Deno.test(".dockerignore leaves files out of COPY . and exceptions bring them back", async () => {
  await withBuild({
    "Dockerfile": "FROM scratch\nCOPY . /src/\n",
    ".dockerignore": "*.log\nsecret/\n!keep.log\nDockerfile\n.dockerignore\n",
    "a.log": "x",
    "keep.log": "k",
    "secret/key": "s",
    "src/main.c": "int main(){}",
  }, async ({ store, opts }) => {
    const r = await build(opts());
    const fs = await imageFiles(store, r.image);
    try {
      assert.deepEqual(fs.tree.children("/src"), ["keep.log", "src"]);
      assert.equal(await fs.text("/src/src/main.c"), "int main(){}");
    } finally {
      await fs.close();
    }
  });
});

Deno.test("RUN goes through the StepRunner with env, user, workdir; its diff becomes a layer", async () => {
  await withBuild({
    "Dockerfile": `
FROM scratch
ARG VERSION=1.0
ENV MODE=prod
WORKDIR /w
USER 7
RUN --mount=type=cache,target=/root/.cache --network=none echo building \\
  && true
RUN ["/bin/sh", "-c", "write out.txt v$VERSION"]
RUN echo nothing changes
RUN <<EOF
write /from-heredoc yes
EOF
`,
  }, async ({ store, opts }) => {
    const runner = new ScriptRunner();
    const events: BuildEvent[] = [];
    // The double does not parse "&&": the first step's script is a single unknown line.
    const dockerfileText = (await Deno.readTextFile(join(opts().contextDir, "Dockerfile")))
      .replace("echo building \\\n  && true", "echo building");
    const r = await build(opts({ runner, dockerfileText, onEvent: (e) => events.push(e) }));
    assert.equal(runner.steps.length, 4);
    const first = runner.steps[0]!;
    assert.deepEqual(first.argv, ["/bin/sh", "-c", "echo building"]);
    assert.equal(first.user, "7");
    assert.equal(first.workdir, "/w");
    assert.ok(first.env.includes("MODE=prod"));
    assert.ok(first.env.includes("VERSION=1.0"), "ARGs are in RUN's environment");
    assert.equal(first.cacheMounts[0]?.target, "/root/.cache");
    assert.ok(r.warnings.some((w) => w.includes("--network=none ignored")));
    assert.deepEqual(runner.steps[3]!.argv, ["/bin/sh", "-c", "write /from-heredoc yes\n"]);
    const out = events.filter((e) => e.type === "output").map((e) =>
      new TextDecoder().decode((e as { chunk: Uint8Array }).chunk)
    );
    assert.ok(out.includes("building\n"));
    const h = r.image.config.history ?? [];
    assert.equal(
      h.find((x) => x.created_by === "RUN /bin/sh -c echo nothing changes")?.empty_layer,
      true,
    );
    assert.equal(
      r.image.config.config?.Env?.includes("VERSION=1.0"),
      false,
      "ARGs are not persisted",
    );
    const fs = await imageFiles(store, r.image);
    try {
      // exec form: no variable substitution by the builder (the shell would do it).
      assert.equal(await fs.text("/w/out.txt"), "v$VERSION");
      assert.equal(await fs.text("/from-heredoc"), "yes");
    } finally {
      await fs.close();
    }
  });
});

Deno.test("-f names a Dockerfile inside the context; --label applies to the final image; JSON progress", async () => {
  await withBuild({
    "docker/Dockerfile.dev": "FROM scratch\nLABEL a=1\nCOPY x /x\n",
    "docker/Dockerfile.dev.dockerignore": "x\n",
    "x": "X",
    "y": "Y",
  }, async ({ opts }) => {
    const { JsonProgress } = await import("./build_progress.ts");
    const json = new JsonProgress(() => 0);
    const lines: string[] = [];
    await assert.rejects(
      () => build(opts({ dockerfile: "docker/Dockerfile.dev" })),
      /"x" not found in build context/,
      "the Dockerfile's own .dockerignore applies",
    );
    const r = await build(opts({
      dockerfileText: "FROM scratch\nLABEL a=1\nCOPY y /y\n",
      labels: { b: "2" },
      onEvent: (e) => lines.push(...json.format(e).map((m) => JSON.stringify(m))),
    }));
    assert.deepEqual(r.image.config.config?.Labels, { a: "1", b: "2" });
    assert.equal(lines[0], '{"stream":"#1 [1/2] FROM scratch\\n"}');
    assert.ok(lines.includes('{"stream":"#2 [2/2] COPY y /y\\n"}'));
    assert.equal(lines.at(-1), `{"aux":{"ID":"${r.id}"}}`);
  });
});

Deno.test("a RUN that deletes a file leaves a whiteout: the file is gone from the image", async () => {
  await withBuild({ "a": "A", "b": "B" }, async ({ store, opts }) => {
    const r = await build(opts({
      dockerfileText: "FROM scratch\nCOPY a b /d/\nRUN rm /d/a\n",
    }));
    const fs = await imageFiles(store, r.image);
    try {
      assert.equal(fs.tree.lookup("/d/a"), undefined);
      assert.equal(await fs.text("/d/b"), "B");
      assert.equal(r.image.config.rootfs.diff_ids.length, 2);
    } finally {
      await fs.close();
    }
  });
});

Deno.test("ADD: archive hard links stay links, entries climbing out with .. are refused", async () => {
  const { createTarPacker } = await import("modern-tar");
  const tarOf = async (
    entries: { name: string; type?: "file" | "link"; linkname?: string; body?: string }[],
  ) => {
    const { readable, controller } = createTarPacker();
    const done = (async () => {
      for (const e of entries) {
        const bytes = new TextEncoder().encode(e.body ?? "");
        const w = controller.add({
          name: e.name,
          type: e.type ?? "file",
          size: bytes.length,
          linkname: e.linkname,
          mode: 0o640,
          uid: 5,
          gid: 6,
        }).getWriter();
        if (bytes.length) await w.write(bytes);
        await w.close();
      }
      controller.finalize();
    })();
    const out = new Uint8Array(await new Response(readable).arrayBuffer());
    await done;
    return out;
  };
  await withBuild({}, async ({ store, dir, opts }) => {
    await Deno.writeFile(
      join(dir, "good.tar"),
      await tarOf([
        { name: "data/a.txt", body: "aaa" },
        { name: "data/b.txt", type: "link", linkname: "data/a.txt" },
      ]),
    );
    await Deno.writeFile(join(dir, "evil.tar"), await tarOf([{ name: "../../escape", body: "x" }]));
    const r = await build(opts({ dockerfileText: "FROM scratch\nADD good.tar /x/\n" }));
    const fs = await imageFiles(store, r.image);
    try {
      assert.equal(await fs.text("/x/data/a.txt"), "aaa");
      assert.equal(await fs.text("/x/data/b.txt"), "aaa");
      const a = fs.tree.lookup("/x/data/a.txt")!;
      assert.deepEqual(
        [a.uid, a.gid, a.mode],
        [5, 6, 0o640],
        "ownership and modes from the archive",
      );
    } finally {
      await fs.close();
    }
    await assert.rejects(
      () => build(opts({ dockerfileText: "FROM scratch\nADD evil.tar /x/\n" })),
      /Dockerfile:2: ADD \/evil.tar: archive entry "..\/..\/escape" escapes the destination/,
    );
  });
});

Deno.test("COPY --exclude leaves matching paths out, relative to each source", async () => {
  await withBuild({
    "src/a.ts": "a",
    "src/a_test.ts": "t",
    "src/deep/b_test.ts": "t",
    "src/deep/b.ts": "b",
    "notes.md": "n",
    "keep.txt": "k",
  }, async ({ store, opts }) => {
    const r = await build(opts({
      dockerfileText:
        "FROM scratch\nCOPY --exclude=**/*_test.ts src/ /app/\nCOPY --exclude=*.md notes.md keep.txt /doc/\n",
    }));
    const fs = await imageFiles(store, r.image);
    try {
      assert.deepEqual(fs.tree.children("/app"), ["a.ts", "deep"]);
      assert.deepEqual(fs.tree.children("/app/deep"), ["b.ts"]);
      assert.deepEqual(fs.tree.children("/doc"), ["keep.txt"]);
    } finally {
      await fs.close();
    }
  });
});

Deno.test("metadata errors name the line: bad port, bad signal, required variable, empty volume", async () => {
  await withBuild({}, async ({ store, opts }) => {
    const cases: [string, RegExp][] = [
      ["FROM scratch\nEXPOSE 80/tcp 99999\n", /Dockerfile:2: invalid port range: 99999/],
      ["FROM scratch\nEXPOSE http\n", /Dockerfile:2: invalid containerPort: http/],
      ["FROM scratch\nSTOPSIGNAL SIGNOPE\n", /Dockerfile:2: Invalid signal: SIGNOPE/],
      ["FROM scratch\n\nENV A=${MISSING:?required}\n", /Dockerfile:3: MISSING: required/],
      ['FROM scratch\nVOLUME [""]\n', /Dockerfile:2: VOLUME specified can not be an empty string/],
      ["ARG BASE\nFROM ${BASE:?set_BASE}\n", /Dockerfile:2: BASE: set_BASE/],
    ];
    for (const [text, re] of cases) {
      await assert.rejects(() => build(opts({ dockerfileText: text })), re);
    }
    const ok = await build(opts({
      dockerfileText: "FROM scratch\nHEALTHCHECK NONE\nSTOPSIGNAL 15\nEXPOSE 7/udp\n",
    }));
    const cfg = ok.image.config.config as { Healthcheck?: unknown; StopSignal?: string };
    assert.deepEqual(cfg.Healthcheck, { Test: ["NONE"] });
    assert.equal(cfg.StopSignal, "15");
    assert.equal((await store.images()).length, 1);
  });
});

Deno.test("UndefinedVar and UndefinedArgInFrom warn like BuildKit; declared ARGs and RUN do not", async () => {
  await withBuild({ "a": "A" }, async ({ opts }) => {
    const r = await build(opts({
      dockerfileText: `FROM scratch\${VARIANT}
ENV PATH=$PAHT:/app/bin
ARG DECLARED
LABEL a=$DECLARED b=\${WITH_DEFAULT:-x} c=$nope
COPY a /a
RUN echo $NOT_CHECKED
`,
    }));
    assert.deepEqual(r.warnings.filter((w) => w.startsWith("Undefined")), [
      "UndefinedArgInFrom: FROM argument 'VARIANT' is not declared (line 1)",
      "UndefinedVar: Usage of undefined variable '$PAHT' (did you mean $PATH?) (line 2)",
      "UndefinedVar: Usage of undefined variable '$nope' (line 4)",
    ]);
    const quiet = await build(opts({
      dockerfileText: "# check=skip=UndefinedVar,UndefinedArgInFrom\nFROM scratch$V\nENV X=$Y\n",
    }));
    assert.deepEqual(quiet.warnings, []);
  });
});
