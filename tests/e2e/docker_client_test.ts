/**
 * The real `docker` CLI pointed at Berth's socket: version, images, run --rm, ps -a,
 * logs, rm. Skipped with a reason where docker is not installed.
 */
import assert from "node:assert/strict";
import { DOCKER, dockerClient, tempBerth } from "./cli_harness.ts";

Deno.test({
  name: "the docker CLI talks to Berth: version, images, run --rm, ps -a, logs, rm",
  ignore: DOCKER === undefined,
  async fn() {
    const b = await tempBerth();
    const run = dockerClient(b);
    try {
      assert.equal((await b.run(["info"])).code, 0); // starts the daemon
      const v = await run("version");
      assert.equal(v.code, 0, v.stderr);
      assert.match(v.stdout, /Server: Berth/);
      assert.match(v.stdout, /API version:\s+1\.47/);
      const i = await run("images");
      assert.match(i.stdout, /berth\/base\s+latest/);
      const hi = await run("run", "--rm", "berth/base", "echo", "hi");
      assert.equal(hi.code, 0, hi.stderr);
      assert.equal(hi.stdout, "hi\n");
      const named = await run("run", "--name", "keep", "berth/base", "echo", "kept output");
      assert.equal(named.code, 0, named.stderr);
      const ps = await run("ps", "-a");
      assert.match(ps.stdout, /keep/);
      assert.match(ps.stdout, /Exited \(0\)/);
      assert.doesNotMatch(ps.stdout, /echo hi/, "--rm container is gone");
      const logs = await run("logs", "keep");
      assert.equal(logs.stdout, "kept output\n");
      const failing = await run("run", "--rm", "berth/base", "false");
      assert.equal(failing.code, 1);
      // exec (hijacked, multiplexed), cp both ways (archive HEAD/PUT/GET), stop, inspect.
      assert.equal((await run("run", "-d", "--name", "bg", "berth/base", "sleep", "60")).code, 0);
      const ex = await run("exec", "bg", "sh", "-c", "echo in-exec; exit 3");
      assert.equal(ex.code, 3);
      assert.equal(ex.stdout, "in-exec\n");
      await Deno.writeTextFile(`${b.root}/hostfile.txt`, "from host\n");
      assert.equal((await run("cp", `${b.root}/hostfile.txt`, "bg:/root/")).code, 0);
      assert.equal((await run("cp", "bg:/root/hostfile.txt", `${b.root}/back.txt`)).code, 0);
      assert.equal(await Deno.readTextFile(`${b.root}/back.txt`), "from host\n");
      assert.equal((await run("stop", "-t", "1", "bg")).code, 0);
      assert.equal((await run("inspect", "-f", "{{.State.Status}}", "bg")).stdout, "exited\n");
      assert.equal((await run("rm", "bg")).code, 0);
      const rm = await run("rm", "keep");
      assert.equal(rm.code, 0, rm.stderr);
      assert.doesNotMatch((await run("ps", "-a")).stdout, /keep/);
    } finally {
      await b.cleanup();
    }
  },
});
