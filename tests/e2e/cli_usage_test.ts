import assert from "node:assert/strict";
import { tempBerth } from "./cli_harness.ts";

Deno.test("berth --help lists Docker's sections and berth run --help its options", async () => {
  const b = await tempBerth();
  try {
    const h = await b.run(["--help"]);
    assert.equal(h.code, 0);
    for (
      const s of [
        "Usage:  berth [OPTIONS] COMMAND",
        "Common Commands:",
        "Management Commands:",
        "Commands:",
        "Global Options:",
      ]
    ) {
      assert.ok(h.stdout.includes(s), s);
    }
    const r = await b.run(["run", "--help"]);
    assert.equal(r.code, 0);
    assert.match(r.stdout, /Usage: {2}berth run \[OPTIONS\] IMAGE \[COMMAND\] \[ARG\.\.\.\]/);
    assert.match(r.stdout, / {2}-i, --interactive +Keep STDIN open/);
    const c = await b.run(["container", "--help"]);
    assert.match(c.stdout, /Commands:\n {2}attach/);
  } finally {
    await b.cleanup();
  }
});

Deno.test("usage mistakes exit 125 with Docker's messages and never start a daemon", async () => {
  const b = await tempBerth();
  try {
    const u = await b.run(["frobnicate"]);
    assert.equal(u.code, 125);
    assert.match(u.stderr, /'frobnicate' is not a berth command/);
    const f = await b.run(["ps", "--bogus"]);
    assert.equal(f.code, 125);
    assert.match(f.stderr, /unknown flag: --bogus\nSee 'berth ps --help'\./);
    const g = await b.run(["--bogus"]);
    assert.equal(g.code, 125);
    assert.equal(g.stderr, "unknown flag: --bogus\nSee 'berth --help'.\n");
    const a = await b.run(["rm"]);
    assert.equal(a.code, 125);
    assert.match(a.stderr, /'rm' requires at least 1 argument\.\nSee 'berth rm --help'\./);
    assert.match(a.stderr, /Usage: {2}berth rm \[OPTIONS\] CONTAINER/);
    await assert.rejects(() => Deno.stat(b.socket));
  } finally {
    await b.cleanup();
  }
});

Deno.test("berth completion prints bash, zsh and fish scripts", async () => {
  const b = await tempBerth();
  try {
    const bash = await b.run(["completion", "bash"]);
    assert.match(bash.stdout, /complete -F _berth berth/);
    const zsh = await b.run(["completion", "zsh"]);
    assert.match(zsh.stdout, /#compdef berth/);
    const fish = await b.run(["completion", "fish"]);
    assert.match(fish.stdout, /complete -c berth -n '__fish_use_subcommand' -a run/);
    const bad = await b.run(["completion", "tcsh"]);
    assert.equal(bad.code, 125);
  } finally {
    await b.cleanup();
  }
});
