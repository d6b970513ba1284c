/**
 * Lifecycle details through the real CLI: --init (signal forwarding and reaping),
 * logs -f following a running container, --log-opt rotation, events, update.
 */
import assert from "node:assert/strict";
import { CLI, tempBerth } from "./cli_harness.ts";
import { repoRoot } from "../_paths.ts";

Deno.test("--init forwards SIGTERM so stop is quick; without it pid 1 ignores SIGTERM and is killed", async () => {
  const b = await tempBerth();
  try {
    assert.equal(
      (await b.run(["run", "-d", "--init", "--name", "tini", "berth/base", "sleep", "60"])).code,
      0,
    );
    const top = await b.run(["top", "tini"]);
    assert.match(top.stdout, /berth-init sleep 60/);
    assert.match(top.stdout, /\d+ +\d+ +0 .*sleep 60$/m);
    assert.equal((await b.run(["stop", "-t", "30", "tini"])).code, 0);
    assert.equal((await b.run(["inspect", "-f", "{{.State.ExitCode}}", "tini"])).stdout, "143\n");
    assert.equal(
      (await b.run(["run", "-d", "--name", "plain", "berth/base", "sleep", "60"])).code,
      0,
    );
    assert.equal((await b.run(["stop", "-t", "1", "plain"])).code, 0);
    assert.equal((await b.run(["inspect", "-f", "{{.State.ExitCode}}", "plain"])).stdout, "137\n");
    const reap = await b.run([
      "run",
      "--rm",
      "--init",
      "berth/base",
      "sh",
      "-c",
      "sleep 0 & exit 6",
    ]);
    assert.equal(reap.code, 6);
  } finally {
    await b.cleanup();
  }
});

Deno.test("logs -f follows output until the container exits; --log-opt rotates; events stream", async () => {
  const b = await tempBerth();
  try {
    assert.equal((await b.run(["info"])).code, 0);
    const events = new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "-A",
        CLI,
        "events",
        "--format",
        "{{.Type}} {{.Action}} {{.Actor.Attributes.name}}",
      ],
      cwd: repoRoot,
      env: { BERTH_ROOT: b.root },
      stdout: "piped",
      stderr: "null",
    }).spawn();
    await new Promise((r) => setTimeout(r, 300));
    const d = await b.run([
      "run",
      "-d",
      "--name",
      "ticker",
      "--log-opt",
      "max-size=300",
      "--log-opt",
      "max-file=2",
      "berth/base",
      "sh",
      "-c",
      "for i in 1 2 3 4 5 6 7 8 9 10 11 12; do echo line-$i; sleep 0.05; done",
    ]);
    assert.equal(d.code, 0, d.stderr);
    const follow = await b.run(["logs", "-f", "ticker"]);
    assert.equal(follow.code, 0);
    assert.match(follow.stdout, /line-12\n$/, "followed to the end");
    const files = [...Deno.readDirSync(`${b.root}/containers/${d.stdout.trim()}`)].map((e) =>
      e.name
    ).filter((n) => n.includes("-json.log")).sort();
    assert.equal(files.length, 2, `rotated into 2 files: ${files}`);
    const tail = await b.run(["logs", "--tail", "2", "ticker"]);
    assert.equal(tail.stdout, "line-11\nline-12\n");
    await b.run(["rm", "ticker"]);
    await new Promise((r) => setTimeout(r, 300));
    events.kill("SIGTERM");
    const seen = new TextDecoder().decode((await events.output()).stdout);
    for (const action of ["create", "start", "die", "destroy"]) {
      assert.match(seen, new RegExp(`^container ${action} ticker$`, "m"), `${action} in\n${seen}`);
    }
  } finally {
    await b.cleanup();
  }
});

Deno.test("update changes limits of a running container live", async () => {
  const b = await tempBerth();
  try {
    assert.equal(
      (await b.run([
        "run",
        "-d",
        "--name",
        "lim",
        "-m",
        "64m",
        "--pids-limit",
        "10",
        "berth/base",
        "sleep",
        "60",
      ])).code,
      0,
    );
    assert.equal(
      (await b.run(["update", "--memory", "32m", "--cpus", "0.5", "--pids-limit", "20", "lim"]))
        .code,
      0,
    );
    const hc = await b.run([
      "inspect",
      "-f",
      "{{.HostConfig.Memory}} {{.HostConfig.NanoCpus}} {{.HostConfig.PidsLimit}}",
      "lim",
    ]);
    assert.equal(hc.stdout, `${32 * 1024 * 1024} 500000000 20\n`);
    const stats = await b.run(["stats", "--no-stream", "--format", "{{.MemUsage}}", "lim"]);
    assert.match(stats.stdout, /\/ 32MiB$/m);
    await b.run(["rm", "-f", "lim"]);
  } finally {
    await b.cleanup();
  }
});

Deno.test("a container sees its own /proc (pid namespace) and its own cgroup with its limits", async () => {
  const b = await tempBerth();
  try {
    const r = await b.run([
      "run",
      "--rm",
      "-m",
      "64m",
      "--pids-limit",
      "9",
      "--hostname",
      "probe",
      "berth/base",
      "sh",
      "-c",
      "cat /proc/1/cmdline; echo; cat /sys/fs/cgroup/memory.max /sys/fs/cgroup/pids.max; cat /proc/self/cgroup; hostname; grep MemTotal /proc/meminfo",
    ]);
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.split("\n");
    assert.match(lines[0]!, /^sh\0?-c/);
    assert.equal(lines[1], String(64 * 1024 * 1024));
    assert.equal(lines[2], "9");
    assert.equal(lines[3], "0::/");
    assert.equal(lines[4], "probe");
    assert.match(lines[5]!, /^MemTotal: +65536 kB$/);
    const d = await b.run(["run", "--name", "quiet", "berth/base", "true"]);
    assert.equal(d.code, 0);
    assert.equal((await b.run(["diff", "quiet"])).stdout, "", "mount points are not changes");
  } finally {
    await b.cleanup();
  }
});

Deno.test("attach follows a running container to its exit code; logs --since/--until select by time", async () => {
  const b = await tempBerth();
  try {
    const d = await b.run([
      "run",
      "-d",
      "--name",
      "late",
      "berth/base",
      "sh",
      "-c",
      "echo early; sleep 3; echo late; exit 7",
    ]);
    assert.equal(d.code, 0, d.stderr);
    const a = await b.run(["attach", "late"]);
    assert.equal(a.code, 7);
    assert.match(a.stdout, /late\n$/);
    const all = await b.run(["logs", "-t", "late"]);
    const [first, second] = all.stdout.trim().split("\n").map((l) => l.split(" ")[0]!);
    const mid = new Date((Date.parse(first!) + Date.parse(second!)) / 2).toISOString();
    assert.equal((await b.run(["logs", "--since", mid, "late"])).stdout, "late\n");
    assert.equal((await b.run(["logs", "--until", mid, "late"])).stdout, "early\n");
    assert.equal((await b.run(["logs", "--since", "1h", "late"])).stdout, "early\nlate\n");
  } finally {
    await b.cleanup();
  }
});
