import assert from "node:assert/strict";
import { TestMachine } from "./_test_run.ts";

Deno.test("mount lists mounts, mounts tmpfs and binds, umount detaches", async () => {
  const m = new TestMachine({ "/mnt/": "", "/data/f": "x", "/b/": "" });
  const r = await m.run([
    "sh",
    "-c",
    "mount -t tmpfs -o size=1m tmpfs /mnt && touch /mnt/new && mount --bind /data /b && cat /b/f && echo && mount | grep -v ' on / ' && umount /mnt && ls /mnt && umount /b && ls /b",
  ]);
  assert.equal(r.stderr, "");
  assert.equal(r.code, 0);
  const lines = r.stdout.split("\n");
  assert.equal(lines[0], "x");
  assert.ok(lines.some((l) => /^proc on \/proc type proc \(/.test(l)), r.stdout);
  assert.ok(lines.some((l) => /^tmpfs on \/mnt type tmpfs \(/.test(l)), r.stdout);
  assert.ok(lines.some((l) => / on \/b type /.test(l)), r.stdout);
  assert.ok(!r.stdout.includes("new\n"), "the tmpfs content went away with it");
});

Deno.test("mount and umount report errors with status 32", async () => {
  const m = new TestMachine();
  const r = await m.run(["mount", "-t", "nosuchfs", "x", "/tmp"]);
  assert.equal(r.code, 32);
  assert.match(r.stderr, /^mount: mounting x on \/tmp failed: /);
  const u = await m.run(["umount", "/tmp"]);
  assert.equal(u.code, 32);
  assert.match(u.stderr, /^umount: \/tmp: /);
});
