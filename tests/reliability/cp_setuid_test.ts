/**
 * Issue 11: set-user-ID and set-group-ID bits in a container are data, never applied on
 * the host. `berth cp CONTAINER:PATH HOSTDIR` writes files with their permission bits but
 * without S_ISUID/S_ISGID (nor the sticky bit on a file); a tar written to stdout
 * (`berth cp CONTAINER:PATH -`), `berth export` and the way into a container keep them.
 */
import assert from "node:assert/strict";
import { tempBerth } from "../e2e/cli_harness.ts";
import { rawTar } from "../fixtures/images/tar_builder.ts";

/** The mode of the first tar entry named `name` (ustar header, octal field). */
function tarMode(tar: Uint8Array, name: string): number | undefined {
  const dec = new TextDecoder();
  const field = (h: Uint8Array, off: number, len: number) =>
    dec.decode(h.subarray(off, off + len)).replace(/\0.*$/s, "").trim();
  for (let off = 0; off + 512 <= tar.length;) {
    const h = tar.subarray(off, off + 512);
    if (h.every((b) => b === 0)) return undefined;
    const size = parseInt(field(h, 124, 12) || "0", 8);
    const entry = field(h, 0, 100).replace(/^\.?\/+/, "").replace(/\/$/, "");
    if (entry === name) return parseInt(field(h, 100, 8), 8);
    off += 512 + Math.ceil(size / 512) * 512;
  }
  return undefined;
}

Deno.test("berth cp out of a container never applies setuid, setgid or a file's sticky bit on the host", async () => {
  const berth = await tempBerth();
  const host = await Deno.makeTempDir({ prefix: "berth-cp-setuid-" });
  try {
    const created = await berth.run(["create", "--name", "box", "berth/base", "sleep", "60"]);
    assert.equal(created.code, 0, created.stderr);
    const into = await berth.run(["cp", "-", "box:/"], {
      stdin: rawTar([
        { name: "d", type: "5", mode: 0o2775 },
        { name: "d/suid", data: "#!/bin/sh\n", mode: 0o4755 },
        { name: "d/sgid", data: "x", mode: 0o2711 },
        { name: "d/sticky", data: "x", mode: 0o1640 },
        { name: "d/all", data: "x", mode: 0o7777 },
        { name: "d/tmp", type: "5", mode: 0o1777 },
      ]),
    });
    assert.equal(into.code, 0, into.stderr);

    // Into the container and as a tar on stdout, the bits are data and are kept.
    const asTar = await berth.run(["cp", "box:/d", "-"]);
    assert.equal(asTar.code, 0, asTar.stderr);
    const tarBytes = new TextEncoder().encode(asTar.stdout); // headers are ASCII
    assert.equal(tarMode(tarBytes, "d/suid"), 0o4755, "the tar keeps setuid as data");
    assert.equal(tarMode(tarBytes, "d"), 0o2775, "the tar keeps setgid as data");

    const out = await berth.run(["cp", "box:/d", `${host}/out`]);
    assert.equal(out.code, 0, out.stderr);
    const mode = async (p: string) => (await Deno.stat(`${host}/out/${p}`)).mode! & 0o7777;
    assert.equal(await mode("suid"), 0o755, "setuid was applied on the host");
    assert.equal(await mode("sgid"), 0o711, "setgid was applied on the host");
    assert.equal(await mode("sticky"), 0o640, "a file's sticky bit was applied on the host");
    assert.equal(await mode("all"), 0o777, "the permission bits are kept");
    assert.equal((await mode(".")) & 0o6000, 0, "a directory's setgid was applied on the host");
    assert.equal((await mode("tmp")) & 0o6000, 0, "a directory's bits were applied on the host");
    assert.equal(await Deno.readTextFile(`${host}/out/suid`), "#!/bin/sh\n");

    // One file copied to a new host name, and over an existing file with those bits.
    await Deno.writeTextFile(`${host}/over`, "old");
    await Deno.chmod(`${host}/over`, 0o4755);
    for (const dst of [`${host}/single`, `${host}/over`]) {
      const one = await berth.run(["cp", "box:/d/suid", dst]);
      assert.equal(one.code, 0, one.stderr);
      assert.equal((await Deno.stat(dst)).mode! & 0o7777, 0o755, dst);
    }

    // export writes the tar: the bits stay as data there too.
    const exported = await berth.run(["export", "-o", `${host}/box.tar`, "box"]);
    assert.equal(exported.code, 0, exported.stderr);
    assert.equal(tarMode(await Deno.readFile(`${host}/box.tar`), "d/suid"), 0o4755);
  } finally {
    await berth.run(["rm", "-f", "box"]);
    await berth.cleanup();
    await Deno.remove(host, { recursive: true });
  }
});
