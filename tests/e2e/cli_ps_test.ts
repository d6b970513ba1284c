/**
 * `ps` filters and formats, and restart policies across a daemon restart.
 */
import assert from "node:assert/strict";
import { tempBerth } from "./cli_harness.ts";

Deno.test("ps --filter status/name/label/exited, -n, -l, -q, --no-trunc, --format json", async () => {
  const b = await tempBerth();
  try {
    assert.equal(
      (await b.run([
        "run",
        "-d",
        "--name",
        "alpha",
        "--label",
        "tier=web",
        "berth/base",
        "sleep",
        "60",
      ])).code,
      0,
    );
    assert.equal(
      (await b.run([
        "run",
        "--name",
        "beta",
        "--label",
        "tier=db",
        "berth/base",
        "sh",
        "-c",
        "exit 2",
      ])).code,
      2,
    );
    assert.equal((await b.run(["create", "--name", "gamma", "berth/base", "true"])).code, 0);
    const names = async (...args: string[]) =>
      (await b.run(["ps", ...args, "--format", "{{.Names}}"])).stdout.trim().split("\n").filter((
        x,
      ) => x).sort();
    assert.deepEqual(await names(), ["alpha"]);
    assert.deepEqual(await names("-a"), ["alpha", "beta", "gamma"]);
    assert.deepEqual(await names("-a", "--filter", "status=exited"), ["beta"]);
    assert.deepEqual(await names("-a", "--filter", "status=created"), ["gamma"]);
    assert.deepEqual(await names("-a", "--filter", "label=tier=db"), ["beta"]);
    assert.deepEqual(await names("-a", "--filter", "label=tier"), ["alpha", "beta"]);
    assert.deepEqual(await names("-a", "--filter", "name=^al"), ["alpha"]);
    assert.deepEqual(await names("-a", "--filter", "exited=2"), ["beta"]);
    assert.deepEqual(await names("-l"), ["gamma"]);
    assert.deepEqual(await names("-n", "2"), ["beta", "gamma"]);
    const q = (await b.run(["ps", "-aq", "--no-trunc"])).stdout.trim().split("\n");
    assert.equal(q.length, 3);
    for (const id of q) assert.match(id, /^[0-9a-f]{64}$/);
    const json = (await b.run(["ps", "--format", "json"])).stdout.trim();
    assert.equal(JSON.parse(json).Names, "alpha");
    const bad = await b.run(["ps", "--filter", "colour=red"]);
    assert.equal(bad.code, 125);
    assert.match(bad.stderr, /invalid filter 'colour'/);
  } finally {
    await b.cleanup();
  }
});

Deno.test("--restart always and unless-stopped across a daemon restart; a user's stop is kept", async () => {
  const b = await tempBerth();
  try {
    assert.equal(
      (await b.run([
        "run",
        "-d",
        "--init",
        "--name",
        "always",
        "--restart",
        "always",
        "berth/base",
        "sleep",
        "600",
      ])).code,
      0,
    );
    assert.equal(
      (await b.run([
        "run",
        "-d",
        "--init",
        "--name",
        "unless",
        "--restart",
        "unless-stopped",
        "berth/base",
        "sleep",
        "600",
      ])).code,
      0,
    );
    assert.equal((await b.run(["stop", "unless"])).code, 0);
    assert.equal((await b.run(["system", "shutdown"])).code, 0);
    const ps = (await b.run(["ps", "-a", "--format", "{{.Names}} {{.State}}"])).stdout.trim().split(
      "\n",
    ).sort();
    assert.deepEqual(ps, ["always running", "unless exited"]);
  } finally {
    await b.cleanup();
  }
});
