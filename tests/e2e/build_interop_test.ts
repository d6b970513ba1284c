/**
 * Built images against real OCI tools: a `FROM scratch` + `COPY` build, saved with
 * `berth save`'s archive writer, is unpacked by `umoci` (rootless) into exactly the tree
 * the Dockerfile implies, and umoci's runtime config carries the image's Env, WorkingDir,
 * User, Entrypoint and Cmd. Where `buildah` is installed, the same Dockerfile is built by
 * it too and the two file trees and configs are compared (not digests). Skipped, with
 * the reason, when the tools are missing.
 *
 * @module
 */
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { build } from "../../image/build/mod.ts";
import { openStore, saveImagesToFile } from "../../image/mod.ts";

const haveUmoci = existsSync("/usr/bin/umoci") && existsSync("/usr/bin/skopeo");
const buildah = ["/usr/bin/buildah", "/usr/local/bin/buildah"].find((p) => existsSync(p));

async function run(cmd: string, args: string[]): Promise<string> {
  const out = await new Deno.Command(cmd, { args, stdout: "piped", stderr: "piped" }).output();
  if (!out.success) {
    throw new Error(`${cmd} ${args.join(" ")} failed: ${new TextDecoder().decode(out.stderr)}`);
  }
  return new TextDecoder().decode(out.stdout);
}

/** path → "dir 755" | "file 644 <content>" | "link -> target" of a host tree. */
async function treeOf(root: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const walk = async (dir: string, rel: string) => {
    for await (const e of Deno.readDir(dir)) {
      const p = `${dir}/${e.name}`;
      const r = `${rel}/${e.name}`;
      const st = await Deno.lstat(p);
      const mode = (st.mode! & 0o7777).toString(8);
      if (st.isSymlink) out.set(r, `link -> ${await Deno.readLink(p)}`);
      else if (st.isDirectory) {
        out.set(r, `dir ${mode}`);
        await walk(p, r);
      } else out.set(r, `file ${mode} ${await Deno.readTextFile(p)}`);
    }
  };
  await walk(root, "");
  return new Map([...out].sort(([a], [b]) => (a < b ? -1 : 1)));
}

const DOCKERFILE = `FROM --platform=linux/amd64 scratch
ENV APP=/srv/app
WORKDIR $APP
COPY app/ ./
COPY --chmod=0755 run.sh /usr/local/bin/run
COPY notes.txt link /docs/
USER 1000:1000
ENTRYPOINT ["/usr/local/bin/run"]
CMD ["--serve"]
`;

async function context(dir: string): Promise<void> {
  await Deno.mkdir(`${dir}/app/static`, { recursive: true });
  await Deno.writeTextFile(`${dir}/Dockerfile`, DOCKERFILE);
  await Deno.writeTextFile(`${dir}/app/main.txt`, "main");
  await Deno.writeTextFile(`${dir}/app/static/index.html`, "<h1>hi</h1>");
  await Deno.chmod(`${dir}/app/static/index.html`, 0o600);
  await Deno.writeTextFile(`${dir}/run.sh`, "#!/bin/sh\necho run\n");
  await Deno.writeTextFile(`${dir}/notes.txt`, "notes");
  await Deno.symlink("notes.txt", `${dir}/link`);
}

const EXPECTED = new Map([
  ["/docs", "dir 755"],
  ["/docs/link", "file 644 notes"],
  ["/docs/notes.txt", "file 644 notes"],
  ["/srv", "dir 755"],
  ["/srv/app", "dir 755"],
  ["/srv/app/main.txt", "file 644 main"],
  ["/srv/app/static", "dir 755"],
  ["/srv/app/static/index.html", "file 600 <h1>hi</h1>"],
  ["/usr", "dir 755"],
  ["/usr/local", "dir 755"],
  ["/usr/local/bin", "dir 755"],
  ["/usr/local/bin/run", "file 755 #!/bin/sh\necho run\n"],
]);

Deno.test({
  name: "umoci unpacks a berth-built image into the tree and config the Dockerfile implies",
  ignore: !haveUmoci,
  async fn() {
    const t = await Deno.makeTempDir({ prefix: "berth-build-interop-" });
    try {
      await Deno.mkdir(`${t}/ctx`);
      await context(`${t}/ctx`);
      const store = await openStore(`${t}/root`);
      const r = await build({
        store,
        contextDir: `${t}/ctx`,
        tags: ["interop:1"],
        sourceDateEpoch: 0,
      });
      await saveImagesToFile(store, ["interop:1"], `${t}/img.tar`);
      const info = JSON.parse(await run("skopeo", ["inspect", `oci-archive:${t}/img.tar`]));
      assert.equal(info.Digest, r.manifestDigest);
      assert.equal(info.Os, "linux");
      await Deno.mkdir(`${t}/layout`);
      await run("tar", ["-xf", `${t}/img.tar`, "-C", `${t}/layout`]);
      await run("umoci", ["unpack", "--rootless", "--image", `${t}/layout:1`, `${t}/out`]);
      // Modes as stored (umoci --rootless keeps them; it only drops ownership).
      assert.deepEqual(await treeOf(`${t}/out/rootfs`), EXPECTED);
      const spec = JSON.parse(await Deno.readTextFile(`${t}/out/config.json`));
      assert.deepEqual(spec.process.args, ["/usr/local/bin/run", "--serve"]);
      assert.equal(spec.process.cwd, "/srv/app");
      assert.ok(spec.process.env.includes("APP=/srv/app"));
      assert.equal(spec.process.user.uid, 1000);
      assert.equal(spec.process.user.gid, 1000);
    } finally {
      await Deno.remove(t, { recursive: true });
    }
  },
});

Deno.test({
  name: "differential: buildah builds the same Dockerfile into the same tree and config",
  ignore: buildah === undefined,
  async fn() {
    const t = await Deno.makeTempDir({ prefix: "berth-build-buildah-" });
    try {
      await Deno.mkdir(`${t}/ctx`);
      await context(`${t}/ctx`);
      const store = await openStore(`${t}/root`);
      const r = await build({ store, contextDir: `${t}/ctx`, tags: ["diff:1"] });
      await saveImagesToFile(store, ["diff:1"], `${t}/berth.tar`);
      await Deno.mkdir(`${t}/berth`);
      await run("tar", ["-xf", `${t}/berth.tar`, "-C", `${t}/berth`]);
      await run("umoci", ["unpack", "--rootless", "--image", `${t}/berth:1`, `${t}/berth-out`]);
      const root = `--root=${t}/buildah-root`;
      const runroot = `--runroot=${t}/buildah-run`;
      await run(buildah!, [
        root,
        runroot,
        "--storage-driver=vfs",
        "bud",
        "-t",
        "diff:1",
        `${t}/ctx`,
      ]);
      await run(buildah!, [
        root,
        runroot,
        "--storage-driver=vfs",
        "push",
        "diff:1",
        `oci:${t}/ref:1`,
      ]);
      await run("umoci", ["unpack", "--rootless", "--image", `${t}/ref:1`, `${t}/ref-out`]);
      assert.deepEqual(await treeOf(`${t}/berth-out/rootfs`), await treeOf(`${t}/ref-out/rootfs`));
      const ours = JSON.parse(await Deno.readTextFile(`${t}/berth-out/config.json`)).process;
      const theirs = JSON.parse(await Deno.readTextFile(`${t}/ref-out/config.json`)).process;
      assert.deepEqual(ours.args, theirs.args);
      assert.equal(ours.cwd, theirs.cwd);
      assert.deepEqual(ours.user, theirs.user);
      assert.ok(r.id.startsWith("sha256:"));
    } finally {
      await Deno.remove(t, { recursive: true }).catch(() => {});
    }
  },
});
