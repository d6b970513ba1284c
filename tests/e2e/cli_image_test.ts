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

Deno.test("rmi -f never deletes an image a running container uses: by tag it goes <none>, by ID it is refused", async () => {
  const b = await tempBerth();
  try {
    const built = await b.run(["build", "-t", "demo:1", `${repoRoot}/tests/fixtures/demo`]);
    assert.equal(built.code, 0, built.stderr + built.stdout);
    const id = (await b.run(["image", "inspect", "--format", "{{.Id}}", "demo:1"])).stdout.trim();
    const c = (await b.run(["run", "-d", "demo:1", "sleep", "600"])).stdout.trim();
    const untag = await b.run(["rmi", "-f", "demo:1"]);
    assert.equal(untag.code, 0, untag.stderr);
    assert.equal(untag.stdout, "Untagged: demo:1\n");
    const images = await b.run(["images", "--format", "{{.Repository}}:{{.Tag}} {{.ID}}"]);
    assert.match(images.stdout, new RegExp(`^<none>:<none> ${id.slice(7, 19)}$`, "m"));
    const byId = await b.run(["rmi", "-f", id.slice(7, 19)]);
    assert.notEqual(byId.code, 0);
    assert.match(byId.stderr, /\(cannot be forced\) - image is being used by running container/);
    assert.equal((await b.run(["exec", c, "true"])).code, 0);
    // Stopped, the container no longer protects it from a forced removal (as Docker).
    assert.equal((await b.run(["stop", "-t", "0", c])).code, 0);
    const gone = await b.run(["rmi", "-f", id.slice(7, 19)]);
    assert.equal(gone.code, 0, gone.stderr);
    assert.match(gone.stdout, /Deleted: sha256:/);
    assert.equal((await b.run(["start", c])).code, 0, "its pin keeps the files");
  } finally {
    await b.cleanup();
  }
});
