/**
 * `RUN` on the real kernel: builds whose RUN steps execute `/bin/sh -c` from
 * `berth/base` in a fresh PID/IPC/mount/UTS namespace over an overlay of the image's
 * stored layers, the overlay's upper diff becoming the layer.
 *
 * {@link KernelStepRunner} here is the reference wiring of the builder's `StepRunner` to
 * the kernel (the daemon's runner does the same plus cgroup limits); it uses only the
 * kernel's public pieces: `Kernel.spawn`, `OverlayFs`, `overlayDiffTar`.
 *
 * @module
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { build, type RunStep, type RunStepResult, type StepRunner } from "../../image/build/mod.ts";
import {
  ensureBaseImage,
  mergeLayers,
  openLayer,
  openStore,
  parseDigest,
  type Store,
} from "../../image/mod.ts";
import { Kernel } from "../../runtime/kernel/kernel.ts";
import { memoryChargerOf } from "../../runtime/kernel/cgroup.ts";
import { OverlayFs } from "../../runtime/kernel/fs/overlay/overlay.ts";
import { overlayDiffTar } from "../../runtime/kernel/fs/overlay/overlay_diff.ts";
import { FsState } from "../../runtime/kernel/vfs/fs_state.ts";
import { Mount, MountNamespace } from "../../runtime/kernel/vfs/mount.ts";
import type { Inode, OpContext } from "../../runtime/kernel/vfs/types.ts";
import { BindFs } from "../../runtime/kernel/fs/bind/bind.ts";
import { CLONE } from "../../runtime/kernel/syscalls/api.ts";
import { applets } from "../../runtime/userland/mod.ts";
import { registerWasi } from "../../runtime/wasi/register_wasi.ts";

const ROOT: OpContext = { cred: { uid: 0, gid: 0, euid: 0, egid: 0, groups: [] } };

/** mkdir -p on an inode tree (the mount point of a cache mount). */
function mkdirs(root: Inode, path: string): Inode {
  let node = root;
  for (const part of path.split("/").filter((p) => p !== "")) {
    const next = node.lookup?.(part);
    const made = next && typeof next !== "number" ? next : node.create?.(part, "dir", 0o755, ROOT);
    if (!made || typeof made === "number") throw new Error(`cannot create ${path}`);
    node = made;
  }
  return node;
}

/** Runs a RUN step as a process of a fresh kernel over the step's layers. */
class KernelStepRunner implements StepRunner {
  readonly #store: Store;
  constructor(store: Store) {
    this.#store = store;
  }

  async run(step: RunStep): Promise<RunStepResult> {
    const kernel = new Kernel({ builtins: applets, hostname: "buildkitsandbox" });
    registerWasi(kernel);
    const layers = await Promise.all(
      step.layers.map((l) => openLayer(this.#store.layerFiles(parseDigest(l.diffId)))),
    );
    try {
      const overlay = new OverlayFs({
        lower: mergeLayers(layers),
        memory: memoryChargerOf(kernel.cgroups.root),
      });
      const ns = new MountNamespace(new Mount(overlay, overlay.root, 0, "overlay"), kernel.fsTypes);
      // Cache mounts: the builder's persistent host directory, bound at the target.
      for (const cache of step.cacheMounts) {
        const bind = new BindFs(cache.hostDir);
        ns.attach(new Mount(bind, bind.root, 0, cache.hostDir), {
          mount: ns.root,
          inode: mkdirs(overlay.root, cache.target),
        });
      }
      const fs = new FsState(ns);
      const ids = /^(\d+)(?::(\d+))?$/.exec(step.user);
      const uid = ids ? Number(ids[1]) : 0;
      const gid = ids?.[2] !== undefined ? Number(ids[2]) : uid;
      // WORKDIR: create it as root first, as the build container's runtime would.
      if (step.workdir !== "/") {
        const mk = await kernel.spawn({ argv: ["mkdir", "-p", step.workdir], fs: fs.fork() });
        await mk.wait();
      }
      const h = await kernel.spawn({
        argv: [...step.argv],
        fs: fs.fork(),
        env: [...step.env],
        cwd: step.workdir,
        cred: { uid, gid },
        cloneFlags: CLONE.NEWPID | CLONE.NEWNS | CLONE.NEWIPC | CLONE.NEWUTS,
        hostname: "buildkitsandbox",
      });
      const pump = async (s: ReadableStream<Uint8Array> | null) => {
        if (!s) return;
        for await (const chunk of s) step.onOutput?.(chunk);
      };
      const [status] = await Promise.all([h.wait(), pump(h.stdout), pump(h.stderr)]);
      if (status.exitCode !== 0) return { exitCode: status.exitCode };
      const diff = new Uint8Array(await new Response(overlayDiffTar(overlay)).arrayBuffer());
      return { exitCode: 0, diff };
    } finally {
      await kernel.shutdown();
      for (const l of layers) l.close();
    }
  }
}

async function withBase(
  fn: (ctx: { store: Store; dir: string; runner: KernelStepRunner }) => Promise<void>,
): Promise<void> {
  const t = await Deno.makeTempDir({ prefix: "berth-build-kernel-" });
  try {
    const store = await openStore(join(t, "root"));
    await ensureBaseImage(store, {
      applets: Object.keys(applets).filter((a) => /^[A-Za-z0-9][A-Za-z0-9._+-]*$/.test(a)),
    });
    await Deno.mkdir(join(t, "ctx"));
    await fn({ store, dir: join(t, "ctx"), runner: new KernelStepRunner(store) });
  } finally {
    await Deno.remove(t, { recursive: true });
  }
}

Deno.test("RUN on the kernel: sh runs with the image's env and workdir; its upper diff is the layer", async () => {
  await withBase(async ({ store, dir, runner }) => {
    await Deno.writeTextFile(join(dir, "input.txt"), "from the context\n");
    const out: string[] = [];
    const r = await build({
      store,
      contextDir: dir,
      runner,
      tags: ["kernel:1"],
      dockerfileText: `FROM berth/base
ENV GREETING=hello
WORKDIR /app
COPY input.txt ./
RUN echo "$GREETING from" > out.txt && pwd >> out.txt && cat input.txt >> out.txt && echo built
RUN rm /etc/hostname && mkdir -p /data/empty
CMD ["cat", "/app/out.txt"]
`,
      onEvent: (e) => {
        if (e.type === "output") out.push(new TextDecoder().decode(e.chunk));
      },
    });
    assert.ok(out.join("").includes("built"), `output was: ${out.join("")}`);
    const layers = await Promise.all(
      r.image.config.rootfs.diff_ids.map((d) => openLayer(store.layerFiles(parseDigest(d)))),
    );
    try {
      const merged = mergeLayers(layers);
      const hit = merged.lookup("/app/out.txt");
      assert.ok(hit, "the RUN's file is in the image");
      const buf = new Uint8Array(hit.entry.size);
      merged.readSync(hit, buf, 0);
      assert.equal(new TextDecoder().decode(buf), "hello from\n/app\nfrom the context\n");
      assert.equal(merged.lookup("/etc/hostname"), undefined, "rm left a whiteout");
      assert.equal(merged.lookup("/data/empty")?.entry.type, "dir");
    } finally {
      for (const l of layers) l.close();
    }
  });
});

Deno.test("RUN on the kernel: a failing command fails the build with its status and output", async () => {
  await withBase(async ({ store, dir, runner }) => {
    await assert.rejects(
      () =>
        build({
          store,
          contextDir: dir,
          runner,
          tags: ["kernel:broken"],
          dockerfileText: "FROM berth/base\nRUN echo about to fail && exit 7\n",
        }),
      /Dockerfile:2: process "\/bin\/sh -c echo about to fail && exit 7" did not complete successfully: exit code: 7\n {2}about to fail/,
    );
    assert.equal(await store.find("kernel:broken"), undefined);
  });
});

/** Run an image's entrypoint+cmd on a fresh kernel over its layers; returns stdout. */
async function runImage(store: Store, ref: string): Promise<{ code: number; stdout: string }> {
  const image = await store.resolve(ref);
  const kernel = new Kernel({ builtins: applets });
  registerWasi(kernel);
  const layers = await Promise.all(
    image.config.rootfs.diff_ids.map((d) => openLayer(store.layerFiles(parseDigest(d)))),
  );
  try {
    const overlay = new OverlayFs({
      lower: mergeLayers(layers),
      memory: memoryChargerOf(kernel.cgroups.root),
    });
    const fs = new FsState(
      new MountNamespace(new Mount(overlay, overlay.root, 0, "overlay"), kernel.fsTypes),
    );
    const c = image.config.config ?? {};
    const h = await kernel.spawn({
      argv: [...(c.Entrypoint ?? []), ...(c.Cmd ?? [])],
      fs,
      env: c.Env ?? [],
      cwd: c.WorkingDir || "/",
      cloneFlags: CLONE.NEWPID | CLONE.NEWNS | CLONE.NEWIPC | CLONE.NEWUTS,
    });
    const [status, stdout] = await Promise.all([h.wait(), new Response(h.stdout).text()]);
    return { code: status.exitCode, stdout };
  } finally {
    await kernel.shutdown();
    for (const l of layers) l.close();
  }
}

Deno.test("multi-stage WASI build: RUN executes a wasm program, the scratch image runs it", async () => {
  await withBase(async ({ store, dir, runner }) => {
    const fixtures = new URL("../fixtures/wasi/", import.meta.url);
    for (const f of ["hello.wasm", "args.wasm"]) {
      await Deno.copyFile(new URL(f, fixtures), join(dir, f));
    }
    await Deno.writeTextFile(
      join(dir, "Dockerfile"),
      `FROM berth/base AS build
COPY hello.wasm args.wasm /src/
RUN mkdir -p /out && cp /src/hello.wasm /out/app.wasm && /src/args.wasm one two > /out/args.txt

FROM scratch
COPY --from=build /out/ /
ENTRYPOINT ["/app.wasm"]
`,
    );
    const r = await build({ store, contextDir: dir, runner, tags: ["hello-wasi:1"] });
    assert.equal(r.image.config.rootfs.diff_ids.length, 1, "one COPY layer on scratch");
    const layer = await openLayer(
      store.layerFiles(parseDigest(r.image.config.rootfs.diff_ids[0]!)),
    );
    try {
      const args = layer.entries.get("/args.txt");
      assert.ok(args);
      const text = new TextDecoder().decode(layer.readFileSync(args));
      assert.match(text, /argv\[1\]=one\nargv\[2\]=two\n/);
    } finally {
      layer.close();
    }
    const ran = await runImage(store, "hello-wasi:1");
    assert.deepEqual(ran, { code: 0, stdout: "hello from wasi\n" });
  });
});

Deno.test("RUN --mount=type=cache: the cache directory persists across builds, outside the layers", async () => {
  await withBase(async ({ store, dir, runner }) => {
    const dockerfileText = `FROM berth/base
RUN --mount=type=cache,target=/var/cache/app echo run >> /var/cache/app/log && cp /var/cache/app/log /seen
`;
    const seen = async (noCache: boolean) => {
      const r = await build({ store, contextDir: dir, runner, dockerfileText, noCache });
      const top = r.image.config.rootfs.diff_ids.at(-1)!;
      const layer = await openLayer(store.layerFiles(parseDigest(top)));
      try {
        assert.equal(
          layer.entries.get("/var/cache/app/log"),
          undefined,
          "cache content is not in the layer",
        );
        return new TextDecoder().decode(layer.readFileSync(layer.entries.get("/seen")!));
      } finally {
        layer.close();
      }
    };
    assert.equal(await seen(false), "run\n");
    assert.equal(await seen(true), "run\nrun\n", "the second run sees what the first left");
  });
});

Deno.test("RUN heredocs on the kernel: a plain script, a #! script, and a heredoc fed to a command", async () => {
  await withBase(async ({ store, dir, runner }) => {
    const r = await build({
      store,
      contextDir: dir,
      runner,
      dockerfileText: `FROM berth/base
RUN <<EOF
echo plain > /plain
EOF
RUN <<EOF
#!/bin/sh
echo shebang > /shebang
EOF
RUN tr a-z A-Z > /fed <<-DATA
	fed to tr
	DATA
`,
    });
    const layers = await Promise.all(
      r.image.config.rootfs.diff_ids.map((d) => openLayer(store.layerFiles(parseDigest(d)))),
    );
    try {
      const merged = mergeLayers(layers);
      const text = (p: string) => {
        const hit = merged.lookup(p);
        assert.ok(hit, `${p} exists`);
        const buf = new Uint8Array(hit.entry.size);
        merged.readSync(hit, buf, 0);
        return new TextDecoder().decode(buf);
      };
      assert.equal(text("/plain"), "plain\n");
      assert.equal(text("/shebang"), "shebang\n");
      assert.equal(text("/fed"), "FED TO TR\n");
    } finally {
      for (const l of layers) l.close();
    }
  });
});
