/**
 * The real `docker` CLI builds through Berth (the Engine API's `POST /build`, legacy
 * builder protocol: `DOCKER_BUILDKIT=0`), then runs the result. Skipped with a reason
 * where docker is not installed.
 *
 * @module
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { DOCKER, dockerClient, tempBerth } from "./cli_harness.ts";

Deno.test({
  name: "docker build (DOCKER_BUILDKIT=0) against Berth builds an image that docker run runs",
  ignore: DOCKER === undefined,
  async fn() {
    const b = await tempBerth();
    const run = dockerClient(b, { DOCKER_BUILDKIT: "0" });
    try {
      assert.equal((await b.run(["info"])).code, 0); // starts the daemon
      const ctx = join(b.root, "ctx");
      await Deno.mkdir(ctx);
      await Deno.writeTextFile(join(ctx, "name.txt"), "docker\n");
      await Deno.writeTextFile(
        join(ctx, "Dockerfile"),
        'FROM berth/base\nCOPY name.txt /\nRUN tr a-z A-Z < /name.txt > /msg\nCMD ["cat", "/msg"]\n',
      );
      const built = await run("build", "-t", "from-docker:1", ctx);
      assert.equal(built.code, 0, built.stderr + built.stdout);
      assert.match(built.stdout, /naming to docker\.io\/library\/from-docker:1 done/);
      const q = await run("build", "-q", ctx);
      assert.match(q.stdout.trim(), /^sha256:[0-9a-f]{64}$/);
      const ran = await run("run", "--rm", "from-docker:1");
      assert.equal(ran.code, 0, ran.stderr);
      assert.equal(ran.stdout, "DOCKER\n");
    } finally {
      await b.cleanup();
    }
  },
});
