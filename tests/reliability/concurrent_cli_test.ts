/**
 * Concurrency: 50 CLI operations at once (run, create+rm, tag, rmi, build, prune)
 * against one daemon. Each succeeds or fails with a clean message; afterwards every tag
 * that was made and not removed exists, the store verifies whole, and `ps -a` agrees
 * with what was left.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { openStore } from "../../image/mod.ts";
import { checkStore } from "../../image/store/store_check.ts";
import { tempBerth } from "../e2e/cli_harness.ts";

const N = 50;

Deno.test("50 concurrent CLI operations against one daemon keep the store and state consistent", async () => {
  const berth = await tempBerth();
  const ctx = await Deno.makeTempDir({ prefix: "berth-conc-ctx-" });
  try {
    assert.equal((await berth.run(["run", "--rm", "berth/base", "true"])).code, 0);
    await Deno.writeTextFile(join(ctx, "Dockerfile"), "FROM berth/base\nARG N\nRUN echo $N > /n\n");
    const jobs: { kind: string; args: string[][]; keeps?: string }[] = [];
    for (let i = 0; i < N; i++) {
      switch (i % 6) {
        case 0:
          jobs.push({
            kind: "run",
            args: [["run", "--rm", "berth/base", "sh", "-c", `echo job${i}`]],
          });
          break;
        case 1:
          jobs.push({
            kind: "create+rm",
            args: [["create", "--name", `j${i}`, "berth/base", "true"], ["rm", `j${i}`]],
          });
          break;
        case 2:
          jobs.push({
            kind: "tag",
            args: [["tag", "berth/base", `conc/keep:${i}`]],
            keeps: `conc/keep:${i}`,
          });
          break;
        case 3:
          jobs.push({
            kind: "tag+rmi",
            args: [["tag", "berth/base", `conc/drop:${i}`], ["rmi", `conc/drop:${i}`]],
          });
          break;
        case 4:
          jobs.push({
            kind: "build",
            args: [["build", "-q", "-t", `conc/built:${i}`, "--build-arg", `N=${i}`, ctx]],
            keeps: `conc/built:${i}`,
          });
          break;
        default:
          jobs.push({ kind: "prune", args: [["image", "prune", "-f"]] });
      }
    }
    const results = await Promise.all(jobs.map(async (job) => {
      const outs = [];
      for (const a of job.args) outs.push(await berth.run(a));
      return { job, outs };
    }));
    const failures = results.flatMap(({ job, outs }) =>
      outs.filter((o) => o.code !== 0).map((o) => `${job.kind}: exit ${o.code}: ${o.stderr.trim()}`)
    );
    // Every operation here is valid on its own and must succeed even when run together.
    assert.deepEqual(failures, []);
    for (const { job, outs } of results) {
      if (job.kind === "run") assert.match(outs[0]!.stdout, /^job\d+$/m);
    }
    const images = await berth.run(["images", "--format", "{{.Repository}}:{{.Tag}}"]);
    assert.equal(images.code, 0, images.stderr);
    const listed = new Set(images.stdout.trim().split("\n"));
    for (const job of jobs) {
      if (job.keeps) assert.ok(listed.has(job.keeps), `lost tag ${job.keeps}`);
    }
    assert.ok(
      ![...listed].some((t) => t.startsWith("conc/drop:")),
      `a removed tag came back: ${images.stdout}`,
    );
    const ps = await berth.run(["ps", "-aq"]);
    assert.equal(ps.stdout.trim(), "", `containers left behind: ${ps.stdout}`);
    await berth.run(["system", "shutdown"]);
    const report = await checkStore(await openStore(berth.root));
    assert.deepEqual(report.problems.map((p) => p.message), []);
  } finally {
    await berth.cleanup();
    await Deno.remove(ctx, { recursive: true });
  }
});
