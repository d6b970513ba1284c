import assert from "node:assert/strict";
import { BERTHBOX_MAGIC, ensureBaseImage } from "./base_image.ts";
import { openStore } from "../store/store.ts";
import { openLayer } from "../layer/open_layer.ts";
import { parseDigest } from "../store/digest.ts";

Deno.test("ensureBaseImage() makes the same berth/base digest in two stores", async () => {
  const tmp = await Deno.makeTempDir();
  try {
    const a = await ensureBaseImage(await openStore(`${tmp}/a`), { applets: ["sh", "ls", "cat"] });
    const s2 = await openStore(`${tmp}/b`);
    const b = await ensureBaseImage(s2, { applets: ["cat", "sh", "ls", "sh"] });
    assert.equal(a.manifestDigest, b.manifestDigest);
    assert.deepEqual(b.tags, ["docker.io/berth/base:latest"]);
    assert.deepEqual(b.config.config?.Cmd, ["/bin/sh"]);
    assert.equal(b.config.os, "wasi");
    const again = await ensureBaseImage(s2, { applets: ["ls", "sh", "cat"] });
    assert.equal(again.manifestDigest, b.manifestDigest);
    const other = await ensureBaseImage(s2, { applets: ["sh"] });
    assert.notEqual(other.manifestDigest, b.manifestDigest);
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
});

Deno.test("berth/base holds berthbox, applet links, /etc files, /tmp 1777 and /root 0700", async () => {
  const tmp = await Deno.makeTempDir();
  try {
    const store = await openStore(tmp);
    const img = await ensureBaseImage(store, { applets: ["sh", "env"] });
    const layer = await openLayer(store.layerFiles(parseDigest(img.config.rootfs.diff_ids[0]!)));
    const box = layer.entries.get("/bin/berthbox")!;
    assert.equal(box.type, "file");
    assert.equal(box.mode, 0o755);
    const head = new Uint8Array(8);
    layer.readSync(box, head, 0);
    assert.equal(new TextDecoder().decode(head), BERTHBOX_MAGIC);
    assert.equal(layer.entries.get("/bin/sh")?.linkTarget, "/bin/berthbox");
    assert.equal(layer.entries.get("/usr/bin/env")?.linkTarget, "/bin/berthbox");
    assert.equal(layer.entries.get("/tmp")?.mode, 0o1777);
    assert.equal(layer.entries.get("/root")?.mode, 0o700);
    const passwd = new TextDecoder().decode(layer.readFileSync(layer.entries.get("/etc/passwd")!));
    assert.match(passwd, /^root:x:0:0:/);
    assert.match(passwd, /nobody:x:65534/);
    assert.ok(layer.entries.has("/etc/group") && layer.entries.has("/etc/hostname"));
    layer.close();
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
});
