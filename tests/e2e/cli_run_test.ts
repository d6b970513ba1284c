/**
 * The real CLI against a real daemon: run, exit codes, ps, logs, exec, top, stats,
 * pause, stop, rm, inspect, rename, wait, restart policies.
 */
import assert from "node:assert/strict";
import { tempBerth } from "./cli_harness.ts";

Deno.test("berth run: output, the container's exit code, 127 for a missing program, 125 for an unknown image", async () => {
  const b = await tempBerth();
  try {
    const hi = await b.run(["run", "--rm", "berth/base", "echo", "hello", "world"]);
    assert.equal(hi.code, 0, hi.stderr);
    assert.equal(hi.stdout, "hello world\n");
    const three = await b.run(["run", "--rm", "berth/base", "sh", "-c", "exit 3"]);
    assert.equal(three.code, 3, three.stderr);
    const missing = await b.run(["run", "--rm", "berth/base", "no-such-program"]);
    assert.equal(missing.code, 127);
    assert.match(missing.stderr, /executable file not found/);
    const unknown = await b.run(["run", "--rm", "no/such-image:1"]);
    assert.equal(unknown.code, 125);
    assert.match(unknown.stderr, /No such image/);
    assert.match(unknown.stderr, /berth build -t no\/such-image:1/);
    const ps = await b.run(["ps", "-a", "-q"]);
    assert.equal(ps.stdout.trim(), "", "--rm left nothing behind, even after a failed start");
    const stderr = await b.run(["run", "--rm", "berth/base", "sh", "-c", "echo out; echo err >&2"]);
    assert.equal(stderr.stdout, "out\n");
    assert.equal(stderr.stderr, "err\n");
  } finally {
    await b.cleanup();
  }
});

Deno.test("detached containers: ps, logs, exec, top, stats, pause/unpause, stop, inspect, rename, rm", async () => {
  const b = await tempBerth();
  try {
    const d = await b.run([
      "run",
      "-d",
      "--name",
      "web",
      "-e",
      "GREETING=hi",
      "berth/base",
      "sh",
      "-c",
      "echo started; echo $GREETING; sleep 60",
    ]);
    assert.equal(d.code, 0, d.stderr);
    const id = d.stdout.trim();
    assert.match(id, /^[0-9a-f]{64}$/);
    const ps = await b.run(["ps"]);
    assert.match(ps.stdout, /^CONTAINER ID +IMAGE +COMMAND +CREATED +STATUS +PORTS +NAMES$/m);
    assert.match(ps.stdout, new RegExp(`${id.slice(0, 12)} +berth/base .* Up .* web`));
    const names = await b.run(["ps", "--format", "{{.Names}} {{.State}}"]);
    assert.equal(names.stdout, "web running\n");
    let logs = "";
    for (let i = 0; i < 50 && !logs.includes("hi"); i++) {
      logs = (await b.run(["logs", "web"])).stdout;
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.equal(logs, "started\nhi\n");
    const ts = await b.run(["logs", "-t", "--tail", "1", "web"]);
    assert.match(ts.stdout, /^\d{4}-\d\d-\d\dT[\d:.]+Z hi\n$/);
    const ex = await b.run(["exec", "web", "sh", "-c", "echo in $GREETING; exit 4"]);
    assert.equal(ex.stdout, "in hi\n");
    assert.equal(ex.code, 4);
    const asNobody = await b.run([
      "exec",
      "-u",
      "nobody",
      "-w",
      "/etc",
      "web",
      "sh",
      "-c",
      "id -u; pwd",
    ]);
    assert.equal(asNobody.stdout, "65534\n/etc\n");
    const exMissing = await b.run(["exec", "web", "nope"]);
    assert.equal(exMissing.code, 127, exMissing.stdout + exMissing.stderr);
    const top = await b.run(["top", "web"]);
    assert.match(top.stdout, /^UID +PID +PPID +C +STIME +TTY +TIME +CMD/);
    assert.match(top.stdout, /sleep 60/);
    const stats = await b.run(["stats", "--no-stream", "--format", "{{.Name}} {{.PIDs}}"]);
    assert.match(stats.stdout, /^web \d+$/m);
    assert.equal((await b.run(["pause", "web"])).code, 0);
    assert.match((await b.run(["ps", "--format", "{{.Status}}"])).stdout, /\(Paused\)/);
    assert.equal(
      (await b.run(["inspect", "--format", "{{.State.Status}}", "web"])).stdout,
      "paused\n",
    );
    assert.equal((await b.run(["unpause", "web"])).code, 0);
    assert.equal((await b.run(["rm", "web"])).code, 1, "rm of a running container needs -f");
    const stop = await b.run(["stop", "-t", "1", "web"]);
    assert.equal(stop.code, 0, stop.stderr);
    const state = await b.run([
      "inspect",
      "--format",
      "{{.State.Status}} {{.State.ExitCode}}",
      "web",
    ]);
    assert.match(state.stdout, /^exited (137|143)\n$/);
    const spec = await b.run(["inspect", "--format", "{{json .Spec.process.args}}", "web"]);
    assert.equal(
      spec.stdout.trim(),
      JSON.stringify(["sh", "-c", "echo started; echo $GREETING; sleep 60"]),
    );
    // The OCI bundle's config.json on disk is the same spec, and reads back.
    const full = JSON.parse((await b.run(["inspect", "--format", "{{json .Spec}}", "web"])).stdout);
    const onDisk = JSON.parse(await Deno.readTextFile(`${b.root}/containers/${id}/config.json`));
    assert.deepEqual(onDisk, full);
    assert.equal(onDisk.ociVersion, "1.2.0");
    assert.ok(onDisk.process.env.includes("GREETING=hi"));
    assert.deepEqual(
      onDisk.linux.namespaces.map((n: { type: string }) => n.type).sort(),
      ["cgroup", "ipc", "mount", "network", "pid", "uts"],
    );
    assert.equal((await b.run(["rename", "web", "web2"])).code, 0);
    assert.equal((await b.run(["ps", "-a", "--format", "{{.Names}}"])).stdout, "web2\n");
    assert.equal((await b.run(["rm", "web2"])).code, 0);
    assert.equal((await b.run(["ps", "-aq"])).stdout, "");
    const gone = await b.run(["inspect", "web2"]);
    assert.equal(gone.code, 1);
    const dirs = [...Deno.readDirSync(`${b.root}/containers`)];
    assert.equal(dirs.length, 0, "nothing of a removed container remains on disk");
  } finally {
    await b.cleanup();
  }
});

Deno.test("berth wait prints the exit code; --restart on-failure:2 retries twice", async () => {
  const b = await tempBerth();
  try {
    const c = await b.run(["create", "--name", "waiter", "berth/base", "sh", "-c", "exit 7"]);
    assert.equal(c.code, 0, c.stderr);
    assert.equal((await b.run(["start", "waiter"])).code, 0);
    const w = await b.run(["wait", "waiter"]);
    assert.equal(w.stdout, "7\n");
    const r = await b.run([
      "run",
      "-d",
      "--name",
      "flaky",
      "--restart",
      "on-failure:2",
      "berth/base",
      "sh",
      "-c",
      "echo try; exit 1",
    ]);
    assert.equal(r.code, 0, r.stderr);
    let count = "";
    for (let i = 0; i < 100; i++) {
      count = (await b.run(["inspect", "--format", "{{.RestartCount}} {{.State.Status}}", "flaky"]))
        .stdout.trim();
      if (count === "2 exited") break;
      await new Promise((res) => setTimeout(res, 100));
    }
    assert.equal(count, "2 exited");
    assert.equal((await b.run(["logs", "flaky"])).stdout, "try\ntry\ntry\n");
  } finally {
    await b.cleanup();
  }
});

Deno.test("a daemon restart keeps images and stopped containers with their logs", async () => {
  const b = await tempBerth();
  try {
    assert.equal(
      (await b.run(["run", "--name", "keep", "berth/base", "echo", "persisted"])).code,
      0,
    );
    assert.equal((await b.run(["tag", "berth/base", "mine:1"])).code, 0);
    assert.equal((await b.run(["system", "shutdown"])).code, 0);
    const ps = await b.run(["ps", "-a", "--format", "{{.Names}} {{.Status}}"]);
    assert.match(ps.stdout, /^keep Exited \(0\)/);
    assert.equal((await b.run(["logs", "keep"])).stdout, "persisted\n");
    assert.match((await b.run(["images"])).stdout, /mine +1 /);
    assert.equal((await b.run(["start", "-a", "keep"])).stdout, "persisted\n");
  } finally {
    await b.cleanup();
  }
});

Deno.test("a daemon restart keeps a stopped container's hard links and FIFOs (its saved layer replays them)", async () => {
  const b = await tempBerth();
  try {
    const script = "if [ -e /a ]; then stat -c '%n %h %F' /a /b /p; cat /b;" +
      " else echo x > /a && ln /a /b && mkfifo /p && echo made; fi";
    const first = await b.run(["run", "--name", "keep", "berth/base", "sh", "-c", script]);
    assert.equal(first.stdout, "made\n", first.stderr);
    assert.equal((await b.run(["system", "shutdown"])).code, 0);
    const again = await b.run(["start", "-a", "keep"]);
    assert.equal(
      again.stdout,
      "/a 2 regular file\n/b 2 regular file\n/p 1 fifo\nx\n",
      again.stderr,
    );
  } finally {
    await b.cleanup();
  }
});
