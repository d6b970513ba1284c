/**
 * Escapes through image content: a `docker save` archive whose top layer carries the
 * entries an extracting runtime gets wrong — `..` names, absolute names, hard links to
 * host paths (relative and absolute), a symlink to `/` followed by an entry through it, a
 * device node and a setuid file — loaded with the real `berth load` and run with the real
 * `berth run`. Entries that name a place outside the image are refused at load with a
 * message naming the entry (and the store keeps no image); the rest load, stay inside the
 * container's root, and the device node and setuid bit are data, not powers. A canary
 * directory outside every root is never read (its atime stays older than its mtime, which
 * any read moves under relatime) and never listed or written.
 */
import assert from "node:assert/strict";
import { tempBerth } from "../e2e/cli_harness.ts";
import { ensureBaseImage, openStore, parseDigest } from "../../image/mod.ts";
import { type RawEntry, rawTar } from "../fixtures/images/tar_builder.ts";
import { dockerSaveArchive } from "../fixtures/images/archives.ts";
import { plantCanary } from "./_canary.ts";

const SECRET = "CANARY-IMAGE-51d0";

/** The base image's layer tars, so the hostile image has a shell for the probe. */
async function baseLayers(): Promise<Uint8Array[]> {
  const root = await Deno.makeTempDir({ prefix: "berth-escape-base-" });
  try {
    const store = await openStore(root);
    const base = await ensureBaseImage(store, {
      applets: ["sh", "ls", "cat", "stat", "echo", "readlink"],
    });
    const layers: Uint8Array[] = [];
    for (const d of base.config.rootfs.diff_ids) {
      layers.push(await Deno.readFile(store.layerFiles(parseDigest(d)).tar));
    }
    return layers;
  } finally {
    await Deno.remove(root, { recursive: true });
  }
}

/** Host-visible state of the canary, read without reading its file. */
/** Whether reading a file moves its atime here (relatime with atime < mtime). */
async function atimeTracked(dir: string): Promise<boolean> {
  const f = `${dir}/atime-probe`;
  await Deno.writeTextFile(f, "x");
  await Deno.utime(f, new Date(Date.now() - 3600_000), new Date());
  const before = (await Deno.stat(f)).atime?.getTime();
  await Deno.readTextFile(f);
  const after = (await Deno.stat(f)).atime?.getTime();
  await Deno.remove(f);
  return before !== undefined && after !== undefined && after > before;
}

Deno.test("hostile image entries are refused at load or stay inside the container; the host is untouched", async () => {
  const berth = await tempBerth();
  const host = await Deno.makeTempDir({ prefix: "berth-escape-image-" });
  try {
    const theCanary = await plantCanary(host, SECRET);
    const canary = theCanary.dir;
    const tracked = await atimeTracked(host);
    const before = await theCanary.fingerprint();
    const base = await baseLayers();
    const archive = `${host}/image.tar`;
    const load = async (entries: RawEntry[]) => {
      await Deno.writeFile(archive, dockerSaveArchive([...base, rawTar(entries)], ["evil:1"]));
      return await berth.run(["load", "-i", archive]);
    };

    const deep = "../".repeat(12);
    const refused: [RawEntry, RegExp][] = [
      [{ name: `up/${deep}escape`, data: "x" }, /up\/(\.\.\/)+escape" contains a '\.\.'/],
      [{ name: `${canary.slice(1)}/../../abs`, data: "x" }, /contains a '\.\.'/],
      [{ name: `${canary}/planted`, data: "x" }, /is an absolute path/],
      [
        { name: "hard-rel", type: "1", linkname: `${deep}${canary.slice(1)}/secret` },
        /hard link \/hard-rel -> .*: target contains a '\.\.'/,
      ],
      [
        { name: "hard-abs", type: "1", linkname: `${canary}/secret` },
        /hard link \/hard-abs -> .*: target is an absolute path/,
      ],
    ];
    for (const [entry, message] of refused) {
      const r = await load([entry]);
      assert.notEqual(r.code, 0, `${entry.name} was loaded`);
      assert.match(r.stderr, message, r.stderr);
      assert.match(r.stderr, /layer\.tar/, `the error names the layer: ${r.stderr}`);
      const images = await berth.run(["images", "--format", "{{.Repository}}"]);
      assert.doesNotMatch(images.stdout, /evil/, `a refused load left an image: ${images.stdout}`);
    }

    const ok = await load([
      { name: "root-link", type: "2", linkname: "/" },
      { name: "root-link/through-link", data: "through\n" },
      { name: "canary-link", type: "2", linkname: canary },
      { name: "dev-mem", type: "3", devmajor: 1, devminor: 1, mode: 0o666 },
      { name: "suid-file", data: "data\n", mode: 0o4755 },
    ]);
    assert.equal(ok.code, 0, ok.stderr);
    const probe = await berth.run([
      "run",
      "--rm",
      "evil:1",
      "sh",
      "-c",
      [
        "cat /root-link/through-link /through-link",
        `cat /canary-link/secret /root-link${canary}/secret`,
        "ls /canary-link/ /root-link/",
        "echo pwned > /canary-link/secret",
        "stat -c '%n %F %t:%T %a' /dev-mem /suid-file",
        "cat /dev-mem",
        "echo w > /dev-mem",
        "echo probe-done",
      ].join("; "),
    ]);
    const all = probe.stdout + probe.stderr;
    assert.match(probe.stdout, /probe-done/, all);
    assert.match(
      probe.stdout,
      /through/,
      `the entry through the link is inside the image:\n${all}`,
    );
    assert.doesNotMatch(all, new RegExp(SECRET), `the canary leaked:\n${all}`);
    assert.doesNotMatch(probe.stdout, /\bsecret\b/, `the canary was listed:\n${all}`);
    // Kept as data: the node and the mode bits are what the layer says, and the node is
    // no host device (the kernel has no driver for 1:1).
    assert.match(probe.stdout, /\/dev-mem character special file 1:1 666/, all);
    assert.match(probe.stdout, /\/suid-file regular file 0:0 4755/, all);
    assert.match(probe.stderr, /cat: \/dev-mem: No such device or address/, all);

    assert.equal(await theCanary.fingerprint(), before, "the canary was read, listed or written");
    assert.equal(await Deno.readTextFile(`${canary}/secret`), SECRET);
    if (!tracked) {
      console.warn(
        "escape_image_test: this file system does not move atimes; reads are " +
          "checked by the output only",
      );
    }
    // Nothing was planted beside the canary either.
    const planted: string[] = [];
    for await (const e of Deno.readDir(host)) planted.push(e.name);
    assert.deepEqual(planted.sort(), ["canary", "image.tar"]);
  } finally {
    await berth.cleanup();
    await Deno.remove(host, { recursive: true });
  }
});
