import assert from "node:assert/strict";
import { ensureBaseImage, openStore } from "../../image/mod.ts";
import { appletNames } from "../userland/mod.ts";
import { createKernel } from "../daemon/services.ts";
import { parseCreateRequest } from "./container_config.ts";
import { ContainerEngine } from "./container_engine.ts";
import { KernelRuntime } from "./kernel_runtime.ts";
import { OverlayRootfs } from "./overlay_rootfs.ts";
import { upperTarSize } from "./container_size.ts";

async function withEngine(root: string, fn: (engine: ContainerEngine) => Promise<void>) {
  const store = await openStore(root);
  await ensureBaseImage(store, {
    applets: appletNames.filter((n) => /^[A-Za-z0-9_.+-]+$/.test(n)),
  });
  const engine = new ContainerEngine({
    root,
    store,
    runtime: new KernelRuntime(createKernel(), new OverlayRootfs(root, store)),
    emit: () => {},
  });
  await engine.load();
  try {
    await fn(engine);
  } finally {
    await engine.shutdown();
  }
}

Deno.test("sizeRw() counts files and symlink targets once, deletions free, loaded or saved", async () => {
  const root = await Deno.makeTempDir();
  try {
    const script = "head -c 5000 /dev/zero > /a; ln /a /b; ln -s /a /c; mkdir /d; rm /etc/hostname";
    let id = "";
    await withEngine(root, async (engine) => {
      const req = parseCreateRequest({ Image: "berth/base", Cmd: ["sh", "-c", script] });
      ({ Id: id } = await engine.create(req, "writer"));
      assert.equal(await engine.runtime.fs.sizeRw(engine.get(id).record), 0, "never started");
      await engine.start(id);
      assert.equal(await engine.wait(id), 0);
      assert.equal(await engine.runtime.fs.sizeRw(engine.get(id).record), 5002);
    });
    // A new daemon has not loaded the layer: it is measured from upper.tar.
    await withEngine(root, async (engine) => {
      assert.equal(await engine.runtime.fs.sizeRw(engine.get(id).record), 5002);
    });
    assert.equal(await upperTarSize(`${root}/nothing.tar`), 0);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});
