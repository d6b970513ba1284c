/**
 * Escapes through a build context, with the real `berth build`: `COPY ../x`,
 * `COPY /etc/passwd`, absolute host paths, symlinks in the context pointing out of it
 * (absolute, relative, to a file, and used as a path prefix), `ADD` of such a link, and
 * `.dockerignore` lines that try to re-include what is outside (`!../canary`,
 * `!/abs/path`, `../**`). Every source resolves inside the context, as Docker's do: the
 * build fails with "not found", or copies the symlink itself; `..` is clamped at the
 * context root (`COPY ../* /up/` is the context's own files). A canary directory beside
 * the context is never read (its atime stays older than its mtime, which any read moves
 * under relatime), listed or written, and its secret is in no output and no image.
 */
import assert from "node:assert/strict";
import { tempBerth } from "../e2e/cli_harness.ts";
import { plantCanary } from "./_canary.ts";

const SECRET = "CANARY-BUILD-93be";

Deno.test("a build context reaches nothing outside it: COPY .., absolute paths, symlinks, .dockerignore", async () => {
  const berth = await tempBerth();
  const host = await Deno.makeTempDir({ prefix: "berth-escape-build-" });
  try {
    const theCanary = await plantCanary(host, SECRET);
    const canary = theCanary.dir;
    const ctx = `${host}/ctx`;
    await Deno.mkdir(ctx);
    await Deno.writeTextFile(`${ctx}/inside.txt`, "inside\n");
    await Deno.symlink(canary, `${ctx}/abs-link`);
    await Deno.symlink("../canary", `${ctx}/rel-link`);
    await Deno.symlink(`${canary}/secret`, `${ctx}/file-link`);
    await Deno.symlink("../../../../../../../../..", `${ctx}/deep-up`);
    await Deno.writeTextFile(
      `${ctx}/.dockerignore`,
      `../**\n!../canary\n!../canary/secret\n!${canary}\n!${canary}/secret\n`,
    );
    const before = await theCanary.fingerprint();
    const rel = canary.slice(1);

    const notFound = [
      "COPY ../canary/secret /x",
      `COPY ../../../../../../..${canary}/secret /x`,
      `COPY ${canary}/secret /x`,
      "COPY /etc/passwd /x",
      "COPY abs-link/secret /x",
      "COPY rel-link/secret /x",
      `COPY deep-up/${rel}/secret /x`,
      "COPY file-link /x",
      "ADD file-link /x",
      "COPY abs-link /x/",
      "COPY ../canary /x/",
    ];
    for (const step of notFound) {
      await Deno.writeTextFile(`${ctx}/Dockerfile`, `FROM berth/base\n${step}\n`);
      const r = await berth.run(["build", "--progress", "plain", "-t", "esc:1", ctx]);
      const all = r.stdout + r.stderr;
      assert.notEqual(r.code, 0, `${step} built:\n${all}`);
      assert.match(all, /not found in build context/, `${step}:\n${all}`);
      assert.doesNotMatch(all, new RegExp(SECRET), `${step} leaked the canary:\n${all}`);
    }

    // The whole context: links arrive as links, and nothing behind them comes along.
    await Deno.writeTextFile(
      `${ctx}/Dockerfile`,
      "FROM berth/base\nCOPY . /ctx/\nCOPY ../* /up/\nRUN cat /ctx/abs-link/secret /ctx/file-link " +
        `/ctx/rel-link/secret /ctx/deep-up/${rel}/secret; ls /ctx/abs-link/; ` +
        "readlink /ctx/abs-link; echo build-done\n",
    );
    const built = await berth.run(["build", "--progress", "plain", "-t", "esc:2", ctx]);
    const log = built.stdout + built.stderr;
    assert.equal(built.code, 0, log);
    assert.match(log, /build-done/, log);
    assert.match(log, new RegExp(`\\b${canary}\\b`), `readlink shows the link's text:\n${log}`);
    assert.doesNotMatch(log, new RegExp(SECRET), `the canary leaked:\n${log}`);
    const files = await berth.run([
      "run",
      "--rm",
      "esc:2",
      "sh",
      "-c",
      "ls -A /ctx; echo; ls -A /up; cat /ctx/inside.txt",
    ]);
    // `..` is clamped at the context root, as Docker does: `../*` is the context's files.
    const names = ".dockerignore\nDockerfile\nabs-link\ndeep-up\nfile-link\ninside.txt\nrel-link\n";
    assert.equal(files.stdout, `${names}\n${names}inside\n`, files.stderr);

    assert.equal(await theCanary.fingerprint(), before, "the canary was read, listed or written");
    assert.equal(await Deno.readTextFile(`${canary}/secret`), SECRET);
    const beside: string[] = [];
    for await (const e of Deno.readDir(host)) beside.push(e.name);
    assert.deepEqual(beside.sort(), ["canary", "ctx"], "nothing was written beside the context");
  } finally {
    await berth.cleanup();
    await Deno.remove(host, { recursive: true });
  }
});
