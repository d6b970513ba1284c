/**
 * Image commands through the real CLI and daemon: build (multi-stage, RUN on the
 * kernel), images, history, tag, save, rmi, load, import, inspect.
 */
import assert from "node:assert/strict";
import { repoRoot } from "../_paths.ts";
import { tempBerth } from "./cli_harness.ts";

Deno.test("build a multi-stage Dockerfile, run it, save/rmi/load it, export/import a container", async () => {
  const b = await tempBerth();
  const tmp = await Deno.makeTempDir();
  try {
    const built = await b.run(["build", "-t", "demo:1", `${repoRoot}/tests/fixtures/demo`]);
    assert.equal(built.code, 0, built.stderr + built.stdout);
    assert.match(built.stdout, /RUN tr a-z A-Z/);
    const run = await b.run(["run", "--rm", "demo:1"]);
    assert.equal(run.stdout, "HELLO FROM A BERTH CONTAINER\nbuilt by berth\n");
    const images = await b.run(["images", "--format", "{{.Repository}}:{{.Tag}}"]);
    assert.deepEqual(images.stdout.trim().split("\n").sort(), ["berth/base:latest", "demo:1"]);
    const label = await b.run([
      "image",
      "inspect",
      "--format",
      '{{index .Config.Labels "org.opencontainers.image.title"}}',
      "demo:1",
    ]);
    assert.equal(label.stdout, "berth demo\n");
    const history = await b.run(["history", "demo:1"]);
    assert.match(history.stdout, /^IMAGE +CREATED +CREATED BY +SIZE +COMMENT$/m);
    assert.equal((await b.run(["tag", "demo:1", "demo:2"])).code, 0);
    assert.equal((await b.run(["save", "-o", `${tmp}/demo.tar`, "demo:1"])).code, 0);
    const rmi = await b.run(["rmi", "demo:1", "demo:2"]);
    assert.match(rmi.stdout, /Untagged: demo:1/);
    assert.match(rmi.stdout, /Deleted: sha256:/);
    const load = await b.run(["load", "-i", `${tmp}/demo.tar`]);
    assert.equal(load.stdout, "Loaded image: demo:1\n");
    assert.equal((await b.run(["run", "--rm", "demo:1"])).code, 0);
    const id = (await b.run(["create", "demo:1"])).stdout.trim();
    assert.equal((await b.run(["export", "-o", `${tmp}/fs.tar`, id])).code, 0);
    const imp = await b.run(["import", `${tmp}/fs.tar`, "flat:1"]);
    assert.equal(imp.code, 0, imp.stderr);
    assert.match(imp.stdout, /^sha256:[0-9a-f]{64}\n$/);
    assert.equal(
      (await b.run(["run", "--rm", "flat:1", "cat", "/app/message.txt"])).stdout,
      "HELLO FROM A BERTH CONTAINER\nbuilt by berth\n",
    );
    const broken = await b.run(["build", "-t", "bad", `${tmp}`]);
    assert.notEqual(broken.code, 0, "a context without a Dockerfile fails");
  } finally {
    await b.cleanup();
    await Deno.remove(tmp, { recursive: true });
  }
});
