/**
 * Checks the package as a JSR consumer sees it: exports resolve, the published file
 * list carries no tests or fixtures and no file over 1 MB, and there are no slow types.
 */
import assert from "node:assert/strict";
import { statSync } from "node:fs";
import { repoRoot } from "./_paths.ts";

const config = JSON.parse(Deno.readTextFileSync(`${repoRoot}/deno.json`)) as {
  name: string;
  version: string;
  exports: Record<string, string>;
};

Deno.test("deno.json names the package and a version", () => {
  assert.match(config.name, /^@[a-z0-9-]+\/[a-z0-9-]+$/);
  assert.match(config.version, /^\d+\.\d+\.\d+/);
  for (const key of [".", "./cli"]) assert.ok(config.exports[key], `missing export ${key}`);
});

Deno.test("every export in deno.json resolves and loads", async () => {
  for (const [name, path] of Object.entries(config.exports)) {
    const mod = await import(`${repoRoot}/${path.replace(/^\.\//, "")}`);
    assert.ok(Object.keys(mod).length > 0, `${name} exports nothing`);
  }
});

Deno.test("the CLI export runs nothing on import and exports its main()", async () => {
  const cli = await import(`${repoRoot}/${config.exports["./cli"]!.replace(/^\.\//, "")}`);
  assert.equal(typeof cli.main, "function");
});

Deno.test("the repository's top level is exactly the package layout, with no npm files", async () => {
  const out = await new Deno.Command("git", {
    args: ["ls-files", "-z"],
    cwd: repoRoot,
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
  const tracked = new TextDecoder().decode(out.stdout).split("\0").filter(Boolean);
  const top = [...new Set(tracked.map((p) => p.split("/")[0]!))].sort();
  assert.deepEqual(top, [
    ".ci",
    ".gitignore",
    "LICENSE",
    "README.md",
    "cli",
    "deno.json",
    "deno.lock",
    "image",
    "mod.ts",
    "runtime",
    "tests",
  ]);
  assert.ok(tracked.includes(".ci/run"), ".ci/run is tracked");
  assert.ok(
    !tracked.some((p) => /(^|\/)(package\.json|node_modules)(\/|$)/.test(p)),
    "no package.json or node_modules committed",
  );
  assert.match(Deno.readTextFileSync(`${repoRoot}/LICENSE`), /MIT License|Apache License/);
});

Deno.test("publish dry run: no slow types, no tests, no fixtures, no file over 1 MB", async () => {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["publish", "--dry-run", "--allow-dirty"],
    cwd: repoRoot,
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).output();
  const text = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
  assert.equal(out.code, 0, text);
  const verdict = text.split("\n")
    .filter((line) => !/^\s*file:\/\//.test(line) && !line.startsWith("Checking for slow types"))
    .join("\n");
  assert.doesNotMatch(verdict, /slow type|warning|error/i, text);
  const files = [...text.matchAll(/file:\/\/\/\S+/g)].map((m) => m[0].replace(/^file:\/\//, ""));
  assert.ok(files.length > 0, `no file list in:\n${text}`);
  for (const file of files) {
    assert.doesNotMatch(file, /_test\.ts$|\/tests\/|\/fixtures\//, `published: ${file}`);
    assert.ok(statSync(file).size <= 1024 * 1024, `over 1 MB: ${file}`);
  }
});
