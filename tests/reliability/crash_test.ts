/**
 * Crash safety: the daemon is killed with SIGKILL at a random moment during load, build,
 * commit, tag, rmi, prune and container create/rm. Afterwards the store verifies whole
 * (every blob has its digest, every reference resolves, every layer has its tar and
 * index), every container's state file parses, the operation either happened entirely or
 * not at all (a built or committed image has all its files, a tag names the image it was
 * given, a created container starts), the daemon starts again, and a container still
 * runs. Kill delays are drawn within each operation's own duration, measured once without
 * kills, so that kills land inside operations rather than before the CLI has connected
 * (the CLI starts a fresh daemon then, and the kill tests nothing). `BERTH_STRESS=1` runs
 * 60 iterations; the default suite runs 12.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { openStore } from "../../image/mod.ts";
import { checkStore } from "../../image/store/store_check.ts";
import { type Berth, CLI, tempBerth } from "../e2e/cli_harness.ts";
import { repoRoot } from "../_paths.ts";

const ITERATIONS = Deno.env.get("BERTH_STRESS") ? 60 : 12;

/** A deterministic PRNG so a failing run can be replayed with BERTH_CRASH_SEED. */
function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function daemonPid(root: string): number | undefined {
  try {
    const pid = Number(Deno.readTextFileSync(join(root, "berth.pid")).trim());
    Deno.kill(pid, "SIGCONT");
    return pid;
  } catch {
    return undefined;
  }
}

async function killDaemon(root: string): Promise<void> {
  const pid = daemonPid(root);
  if (!pid) return;
  try {
    Deno.kill(pid, "SIGKILL");
  } catch { /* already gone */ }
  for (let i = 0; i < 100 && daemonPid(root) === pid; i++) {
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function containerStatesParse(root: string): Promise<string[]> {
  const problems: string[] = [];
  try {
    for await (const c of Deno.readDir(join(root, "containers"))) {
      for (const f of ["container.json", "config.json"]) {
        const p = join(root, "containers", c.name, f);
        try {
          JSON.parse(await Deno.readTextFile(p));
        } catch (err) {
          if (!(err instanceof Deno.errors.NotFound)) problems.push(`${p}: ${err}`);
        }
      }
    }
  } catch (err) {
    if (!(err instanceof Deno.errors.NotFound)) throw err;
  }
  return problems;
}

/**
 * Whether a killed operation happened entirely or not at all, looked at through the CLI
 * (which starts the daemon again).
 *
 * @returns A description of what is half done, or undefined.
 */
async function allOrNothing(
  berth: Berth,
  name: string,
  step: number,
  baseId: string,
): Promise<string | undefined> {
  const idOf = async (ref: string) => {
    const r = await berth.run(["image", "inspect", "--format", "{{.Id}}", ref]);
    if (r.code !== 0 && !/No such image/.test(r.stderr)) return `inspect ${ref}: ${r.stderr}`;
    return r.code === 0 ? r.stdout.trim() : undefined;
  };
  const runIn = async (ref: string, script: string) => {
    const r = await berth.run(["run", "--rm", ref, "sh", "-c", script]);
    return r.code === 0 ? r.stdout : `exit ${r.code}: ${r.stderr}`;
  };
  switch (name) {
    case "build": {
      if (!(await idOf(`crash/b:${step}`))) return undefined;
      const seen = await runIn(`crash/b:${step}`, "cat /n /count; wc -l < /data.txt");
      return seen === `${step}\n5000\n5000\n` ? undefined : `crash/b:${step} holds ${seen}`;
    }
    case "tag": {
      const id = await idOf(`crash/t:${step}`);
      return id === undefined || id === baseId ? undefined : `crash/t:${step} is ${id}`;
    }
    case "commit": {
      if (!(await idOf(`crash/k:${step}`))) return undefined;
      // The run before the commit may itself have been cut (its container then has no
      // /data); what the commit took must be whole either way.
      const seen = await runIn(`crash/k:${step}`, "if [ -e /data ]; then wc -l < /data; fi");
      return seen === "2000\n" || seen === "" ? undefined : `crash/k:${step} holds ${seen}`;
    }
    case "create": {
      const r = await berth.run(["inspect", "--format", "{{.State.Status}}", `c${step}`]);
      if (r.code !== 0) return /No such object/.test(r.stderr) ? undefined : r.stderr;
      const started = await berth.run(["start", "-a", `c${step}`]);
      return started.code === 0 ? undefined : `c${step} does not start: ${started.stderr}`;
    }
    default: {
      // load, rmi, prune, rm: the base image is whole and runs.
      const seen = await runIn("berth/base", "echo whole");
      return seen === "whole\n" ? undefined : `berth/base after ${name}: ${seen}`;
    }
  }
}

Deno.test("SIGKILL of the daemon at random points loses nothing and corrupts nothing", async () => {
  const seed = Number(Deno.env.get("BERTH_CRASH_SEED") ?? Date.now() % 100000);
  const random = prng(seed);
  const berth: Berth = await tempBerth();
  const ctx = await Deno.makeTempDir({ prefix: "berth-crash-ctx-" });
  try {
    // Material: an archive to load and a context to build.
    assert.equal((await berth.run(["run", "--rm", "berth/base", "true"])).code, 0);
    const archive = join(ctx, "base.tar");
    const saved = await berth.run(["save", "-o", archive, "berth/base"]);
    assert.equal(saved.code, 0, saved.stderr);
    await Deno.writeTextFile(join(ctx, "data.txt"), "payload\n".repeat(5000));
    let step = 0;
    const ops: [string, () => string[][]][] = [
      ["load", () => [["load", "-i", archive]]],
      ["build", () => [[
        "build",
        "-q",
        "-t",
        `crash/b:${step}`,
        "--build-arg",
        `N=${step}`,
        "-f",
        join(ctx, "Dockerfile"),
        ctx,
      ]]],
      ["tag", () => [["tag", "berth/base", `crash/t:${step}`]]],
      ["rmi", () => [["rmi", `crash/t:${step - 1}`]]],
      ["prune", () => [["image", "prune", "-f"]]],
      [
        "create",
        () => [["create", "--name", `c${step}`, "berth/base", "sh", "-c", "echo hi > /f"]],
      ],
      ["rm", () => [["rm", "-f", `c${step - 1}`]]],
      ["commit", () => [
        ["run", "--name", `k${step}`, "berth/base", "sh", "-c", "seq 1 2000 > /data; echo made"],
        ["commit", `k${step}`, `crash/k:${step}`],
      ]],
    ];
    await Deno.writeTextFile(
      join(ctx, "Dockerfile"),
      "FROM berth/base\nARG N\nCOPY data.txt /data.txt\nRUN echo $N > /n && cat /data.txt | wc -l > /count\n",
    );
    const runOp = async (make: () => string[][]): Promise<boolean> => {
      let ok = true;
      for (const args of make()) {
        const child = new Deno.Command(Deno.execPath(), {
          args: ["run", "-A", CLI, ...args],
          cwd: repoRoot,
          env: { BERTH_ROOT: berth.root, NO_COLOR: "1" },
          stdout: "null",
          stderr: "null",
        }).spawn();
        ok = (await child.status).success && ok;
      }
      return ok;
    };
    // Each operation's duration, CLI start to exit, with no kill (steps 1000+: own names).
    const duration = new Map<string, number>();
    for (const [name, make] of ops) {
      step = 1000 + duration.size;
      const t0 = performance.now();
      assert.ok(await runOp(make), `${name} fails even without a kill`);
      duration.set(name, performance.now() - t0);
    }
    // rm and rmi name what an earlier step may not have made: they fail by design then.
    const mayFail = new Set(["rm", "rmi"]);
    const baseId = (await berth.run(["image", "inspect", "--format", "{{.Id}}", "berth/base"]))
      .stdout.trim();
    const done: string[] = [];
    let cut = 0;
    for (step = 0; step < ITERATIONS; step++) {
      const [name, make] = ops[Math.floor(random() * ops.length)]!;
      const up = await berth.run(["version"]);
      assert.equal(up.code, 0, `the daemon did not come back after a kill: ${up.stderr}`);
      // The first ~40% of an operation is mostly the CLI starting up.
      const delay = Math.floor(duration.get(name)! * (0.4 + 0.6 * random()));
      const run = runOp(make);
      await new Promise((r) => setTimeout(r, delay));
      await killDaemon(berth.root);
      if (!(await run) && !mayFail.has(name)) cut++;
      // The daemon is down: look at what it left on disk.
      const report = await checkStore(await openStore(berth.root));
      const visible = report.problems.filter((p) =>
        !/leftover of interrupted work/.test(p.message)
      );
      assert.deepEqual(
        visible.map((p) => p.message),
        [],
        `after killing "${name}" at ${delay} ms (seed ${seed}, step ${step})`,
      );
      assert.deepEqual(
        await containerStatesParse(berth.root),
        [],
        `container state after "${name}"`,
      );
      const partial = await allOrNothing(berth, name, step, baseId);
      assert.equal(partial, undefined, `after killing "${name}" at ${delay} ms (seed ${seed})`);
      done.push(`${name}@${delay}ms`);
    }
    const again = await berth.run(["run", "--rm", "berth/base", "echo", "survived"]);
    assert.equal(again.stdout.trim(), "survived", again.stderr);
    const images = await berth.run(["images"]);
    assert.equal(images.code, 0, images.stderr);
    // `berth system check` (the daemon up, so leftovers of live work are not counted) and,
    // with the daemon stopped, `--repair` for the temp files the kills left behind.
    const check = await berth.run(["system", "check"]);
    assert.equal(check.code, 0, check.stdout + check.stderr);
    assert.match(check.stdout, /no problems found/);
    assert.equal((await berth.run(["system", "shutdown"])).code, 0);
    const repair = await berth.run(["system", "check", "--repair"]);
    assert.equal(repair.code, 0, repair.stdout + repair.stderr);
    const final = await checkStore(await openStore(berth.root));
    assert.deepEqual(final.problems.map((p) => p.message), []);
    console.log(
      `crash iterations survived: ${done.length}, ${cut} of them cut mid-operation ` +
        `(seed ${seed}): ${done.join(", ")}`,
    );
    // A long run whose kills all missed the operations would have shown nothing.
    if (ITERATIONS >= 50) assert.ok(cut >= 5, `only ${cut} kills landed inside an operation`);
  } finally {
    await berth.cleanup();
    await Deno.remove(ctx, { recursive: true });
  }
});
