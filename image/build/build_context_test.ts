import assert from "node:assert/strict";
import { join } from "node:path";
import { BuildContext, loadIgnoreFile } from "./build_context.ts";
import { IgnoreMatcher } from "./dockerignore.ts";
import { expandSource, resolveInTree, SourceNotFoundError, walkTree } from "./source_tree.ts";

async function makeContext(): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "berth-ctx-" });
  await Deno.mkdir(join(dir, "src/sub"), { recursive: true });
  await Deno.writeTextFile(join(dir, "src/a.ts"), "a");
  await Deno.writeTextFile(join(dir, "src/b.ts"), "bb");
  await Deno.writeTextFile(join(dir, "src/sub/c.md"), "c");
  await Deno.writeTextFile(join(dir, "README.md"), "r");
  await Deno.mkdir(join(dir, "node_modules/x"), { recursive: true });
  await Deno.writeTextFile(join(dir, "node_modules/x/i.js"), "i");
  await Deno.symlink("/etc/passwd", join(dir, "abs-link"));
  await Deno.symlink("../../../../etc", join(dir, "rel-link"));
  await Deno.symlink("src", join(dir, "srclink"));
  return dir;
}

Deno.test("BuildContext scans the tree and leaves out ignored paths", async () => {
  const dir = await makeContext();
  try {
    const ctx = await BuildContext.open(
      dir,
      IgnoreMatcher.parse("node_modules\n*.md\n!src/sub/c.md\n"),
    );
    assert.deepEqual(ctx.children("/"), ["abs-link", "rel-link", "src", "srclink"]);
    assert.equal(ctx.lookup("/node_modules"), undefined);
    assert.ok(ctx.lookup("/src/sub/c.md"), "the exception re-includes it");
    assert.equal(ctx.lookup("/src/a.ts")?.size, 1);
    assert.equal(ctx.lookup("/src/a.ts")?.uid, 0);
    assert.equal(
      await ctx.contentDigest(ctx.lookup("/src/b.ts")!),
      "sha256:3b64db95cb55c763391c707108489ae18b4112d783300de38e033b4c98c3deaf",
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("sources never leave the context: .. is clamped and symlinks resolve inside it", async () => {
  const dir = await makeContext();
  try {
    const ctx = await BuildContext.open(dir);
    assert.throws(() => expandSource(ctx, "abs-link"), SourceNotFoundError);
    assert.throws(() => expandSource(ctx, "rel-link/passwd"), SourceNotFoundError);
    assert.throws(() => expandSource(ctx, "../../../etc/passwd"), SourceNotFoundError);
    assert.equal(expandSource(ctx, "../../src/a.ts")[0]?.node.path, "/src/a.ts");
    assert.equal(expandSource(ctx, "srclink/b.ts")[0]?.node.path, "/src/b.ts");
    // A link to a path that exists inside the context resolves to the context's file.
    await Deno.mkdir(join(dir, "etc"));
    await Deno.writeTextFile(join(dir, "etc/passwd"), "inside");
    const ctx2 = await BuildContext.open(dir);
    const hit = expandSource(ctx2, "abs-link")[0]!;
    assert.equal(hit.node.path, "/etc/passwd");
    assert.equal(resolveInTree(ctx2, "/rel-link/passwd", true)?.path, "/etc/passwd");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("expandSource() expands wildcards per component, sorted", async () => {
  const dir = await makeContext();
  try {
    const ctx = await BuildContext.open(dir);
    assert.deepEqual(expandSource(ctx, "src/*.ts").map((h) => h.named), ["/src/a.ts", "/src/b.ts"]);
    assert.deepEqual(expandSource(ctx, "*/sub/?.md").map((h) => h.named), [
      "/src/sub/c.md",
      "/srclink/sub/c.md",
    ]);
    assert.throws(() => expandSource(ctx, "*.nothing"), /no source files were specified/);
    assert.deepEqual(walkTree(ctx, "/src").map((n) => n.path), [
      "/src/a.ts",
      "/src/b.ts",
      "/src/sub",
      "/src/sub/c.md",
    ]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("loadIgnoreFile() prefers <Dockerfile>.dockerignore, then .containerignore, then .dockerignore", async () => {
  const dir = await Deno.makeTempDir({ prefix: "berth-ctx-" });
  try {
    await Deno.writeTextFile(join(dir, ".dockerignore"), "a");
    assert.ok((await loadIgnoreFile(dir)).matcher.excludes("a"));
    await Deno.writeTextFile(join(dir, ".containerignore"), "b");
    assert.ok((await loadIgnoreFile(dir)).matcher.excludes("b"));
    await Deno.writeTextFile(join(dir, "Dockerfile.dockerignore"), "c");
    const { matcher, file } = await loadIgnoreFile(dir, join(dir, "Dockerfile"));
    assert.ok(matcher.excludes("c") && !matcher.excludes("a"));
    assert.equal(file, join(dir, "Dockerfile.dockerignore"));
    assert.ok((await loadIgnoreFile(join(dir, "nope"))).matcher.empty);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("BuildContext.open() names a missing or non-directory context", async () => {
  await assert.rejects(() => BuildContext.open("/nonexistent/berth-ctx"), /no such directory/);
  const dir = await Deno.makeTempDir({ prefix: "berth-ctx-" });
  try {
    await Deno.writeTextFile(join(dir, "f"), "x");
    await assert.rejects(() => BuildContext.open(join(dir, "f")), /is not a directory/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
