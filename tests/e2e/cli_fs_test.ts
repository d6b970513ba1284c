/**
 * Container file systems through the real CLI: the image's files, diff, commit,
 * export, cp both ways, and the writable layer surviving a stop and a daemon restart.
 */
import assert from "node:assert/strict";
import { tempBerth } from "./cli_harness.ts";

Deno.test("diff, commit, export and cp work on a container's writable layer", async () => {
  const b = await tempBerth();
  const host = await Deno.makeTempDir();
  try {
    const r = await b.run([
      "run",
      "--name",
      "fsbox",
      "berth/base",
      "sh",
      "-c",
      "echo data > /root/f; rm /etc/hostname; mkdir -p /srv/x; cat /etc/passwd",
    ]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^root:x:0:0:/, "the image's /etc/passwd is there");
    const diff = await b.run(["diff", "fsbox"]);
    assert.equal(diff.stdout, "C /etc\nD /etc/hostname\nC /root\nA /root/f\nA /srv\nA /srv/x\n");
    const commit = await b.run(["commit", "-m", "snapshot", "fsbox", "snap:1"]);
    assert.equal(commit.code, 0, commit.stderr);
    assert.match(commit.stdout, /^sha256:[0-9a-f]{64}\n$/);
    const fromSnap = await b.run([
      "run",
      "--rm",
      "snap:1",
      "sh",
      "-c",
      "cat /root/f; test -e /etc/hostname || echo gone",
    ]);
    assert.equal(fromSnap.stdout, "data\ngone\n");
    const hist = await b.run(["history", "--format", "{{.Comment}}", "snap:1"]);
    assert.match(hist.stdout, /^snapshot$/m);
    const out = `${host}/rootfs.tar`;
    assert.equal((await b.run(["export", "-o", out, "fsbox"])).code, 0);
    const list = new TextDecoder().decode(
      (await new Deno.Command("tar", { args: ["tf", out], stdout: "piped" }).output()).stdout,
    );
    assert.match(list, /^bin\/sh$/m);
    assert.match(list, /^root\/f$/m);
    assert.doesNotMatch(list, /^etc\/hostname$/m);
    assert.equal((await b.run(["cp", "fsbox:/root/f", `${host}/f.txt`])).code, 0);
    assert.equal(await Deno.readTextFile(`${host}/f.txt`), "data\n");
    await Deno.writeTextFile(`${host}/in.txt`, "from host\n");
    const cpIn = await b.run(["cp", `${host}/in.txt`, "fsbox:/root/"]);
    assert.equal(cpIn.code, 0, cpIn.stderr);
    assert.match((await b.run(["diff", "fsbox"])).stdout, /^A \/root\/in\.txt$/m);
    assert.equal((await b.run(["cp", `${host}/in.txt`, "fsbox:/root/renamed.txt"])).code, 0);
    await Deno.mkdir(`${host}/tree/sub`, { recursive: true });
    await Deno.writeTextFile(`${host}/tree/sub/leaf`, "leaf\n");
    assert.equal((await b.run(["cp", `${host}/tree`, "fsbox:/srv/"])).code, 0);
    const d2 = (await b.run(["diff", "fsbox"])).stdout;
    assert.match(d2, /^A \/root\/renamed\.txt$/m);
    assert.match(d2, /^A \/srv\/tree\/sub\/leaf$/m);
    assert.equal((await b.run(["cp", "fsbox:/srv/tree", `${host}/back`])).code, 0);
    assert.equal(await Deno.readTextFile(`${host}/back/sub/leaf`), "leaf\n");
  } finally {
    await b.cleanup();
    await Deno.remove(host, { recursive: true });
  }
});

Deno.test("the writable layer of a stopped container survives a daemon restart", async () => {
  const b = await tempBerth();
  try {
    assert.equal(
      (await b.run([
        "run",
        "--name",
        "keeper",
        "berth/base",
        "sh",
        "-c",
        "echo kept > /root/state",
      ])).code,
      0,
    );
    assert.equal((await b.run(["system", "shutdown"])).code, 0);
    assert.equal((await b.run(["diff", "keeper"])).stdout, "C /root\nA /root/state\n");
    await b.run(["rm", "keeper"]);
    const c = await b.run(["create", "--name", "again", "berth/base", "cat", "/root/state"]);
    assert.equal(c.code, 0);
    assert.equal(
      (await b.run(["run", "--name", "w2", "berth/base", "sh", "-c", "echo v2 > /root/state"]))
        .code,
      0,
    );
    await b.run(["system", "shutdown"]);
    await b.run(["commit", "w2", "w2img"]);
    assert.equal((await b.run(["run", "--rm", "w2img", "cat", "/root/state"])).stdout, "v2\n");
  } finally {
    await b.cleanup();
  }
});

Deno.test("volumes: -v binds a host directory read-write, :ro refuses writes, --mount type=bind works", async () => {
  const b = await tempBerth();
  const host = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${host}/in.txt`, "hostside\n");
    const rw = await b.run([
      "run",
      "--rm",
      "-v",
      `${host}:/data`,
      "berth/base",
      "sh",
      "-c",
      "cat /data/in.txt; echo fromctr > /data/out.txt",
    ]);
    assert.equal(rw.code, 0, rw.stderr);
    assert.equal(rw.stdout, "hostside\n");
    assert.equal(await Deno.readTextFile(`${host}/out.txt`), "fromctr\n");
    const ro = await b.run([
      "run",
      "--rm",
      "-v",
      `${host}:/data:ro`,
      "berth/base",
      "sh",
      "-c",
      "echo x > /data/y",
    ]);
    assert.notEqual(ro.code, 0);
    assert.match(ro.stderr, /Read-only file system/);
    await assert.rejects(() => Deno.stat(`${host}/y`));
    const m = await b.run([
      "run",
      "--rm",
      "--mount",
      `type=bind,source=${host},target=/m,readonly`,
      "berth/base",
      "cat",
      "/m/in.txt",
    ]);
    assert.equal(m.stdout, "hostside\n");
    const t = await b.run([
      "run",
      "--rm",
      "--tmpfs",
      "/scratch:size=1m",
      "berth/base",
      "sh",
      "-c",
      "echo t > /scratch/f && cat /scratch/f",
    ]);
    assert.equal(t.stdout, "t\n");
  } finally {
    await b.cleanup();
    await Deno.remove(host, { recursive: true });
  }
});
