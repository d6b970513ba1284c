/**
 * Quotas hold: a fork bomb, memory bombs (a tmpfs, builtins that hold their input) and CPU
 * hogs stay inside their own container; the daemon keeps answering and neighbours keep
 * running.
 */
import assert from "node:assert/strict";
import { tempBerth } from "../e2e/cli_harness.ts";
import { cpuOver, daemonLog, daemonRssKb, ping, statsOf } from "./_daemon_probe.ts";

Deno.test("a fork bomb is contained by pids.max; the daemon and a neighbour go on", async () => {
  const berth = await tempBerth();
  try {
    const bomb = await berth.run([
      "run",
      "-d",
      "--name",
      "bomb",
      "--pids-limit",
      "16",
      "berth/base",
      "sh",
      "-c",
      "b() { b | b & }; while :; do b; sleep 0.01; done",
    ]);
    assert.equal(bomb.code, 0, bomb.stderr);
    let worstPing = 0;
    let peakPids = 0;
    const until = Date.now() + 2000;
    while (Date.now() < until) {
      worstPing = Math.max(
        worstPing,
        await ping(berth.socket).catch((e) => {
          throw new Error(`${e}\n--- daemon log ---\n${daemonLog(berth)}`);
        }),
      );
      peakPids = Math.max(peakPids, Number(await statsOf(berth, "bomb", "PIDs")));
    }
    const neighbour = await berth.run([
      "run",
      "--rm",
      "berth/base",
      "sh",
      "-c",
      "echo alive; ls / | wc -l",
    ]);
    assert.equal(neighbour.code, 0, neighbour.stderr);
    assert.match(neighbour.stdout, /alive/);
    assert.ok(peakPids > 1 && peakPids <= 16, `pids in the bomb: ${peakPids} (limit 16)`);
    // Loose bound for a shared 2-core machine; the figure itself is reported by the benchmark.
    console.log(
      `worst /_ping during the fork bomb: ${worstPing.toFixed(1)} ms (peak pids ${peakPids})`,
    );
    // 2 s: the parallel suite on 2 shared cores once took 1.4 s (the figure is printed above); a
    // starved daemon never answers (the ping has its own 5 s timeout).
    assert.ok(worstPing < 2000, `the daemon took ${worstPing.toFixed(0)} ms to answer /_ping`);
    const rm = await berth.run(["rm", "-f", "bomb"]);
    assert.equal(rm.code, 0, rm.stderr);
  } finally {
    await berth.cleanup();
  }
});

// Memory-backed files (tmpfs: /dev/shm) are charged to memory.max, as on Linux; files in the
// writable layer spill to disk past 4 MiB and are bounded by the host disk, as with Docker.
Deno.test("a memory bomb fails inside its memory.max; memory.events counts it; the daemon stays small", async () => {
  const berth = await tempBerth();
  try {
    await berth.run(["run", "--rm", "berth/base", "true"]); // daemon up, base image made
    const rssBefore = daemonRssKb(berth.root);
    const bomb = async () => {
      const out = await berth.run([
        "run",
        "--rm",
        "-m",
        "16m",
        "berth/base",
        "sh",
        "-c",
        "cat /dev/zero > /dev/shm/fill; echo cat=$?; cat /sys/fs/cgroup/memory.events",
      ]);
      assert.equal(out.code, 0, out.stderr);
      assert.match(out.stdout, /cat=1/, out.stdout + out.stderr);
      assert.match(out.stderr, /No space left on device|Cannot allocate memory/, out.stderr);
      const max = Number(/^max (\d+)$/m.exec(out.stdout)?.[1]);
      assert.ok(max > 0, `memory.events max should count the refusals:\n${out.stdout}`);
    };
    // Peaks, not single readings: V8 frees the bombs' buffers at its own pace.
    const peak = async (runs: number) => {
      let worst = 0;
      for (let i = 0; i < runs; i++) {
        await bomb();
        worst = Math.max(worst, daemonRssKb(berth.root));
      }
      return worst;
    };
    const firstPeak = await peak(6);
    await peak(6);
    const lastPeak = await peak(6);
    // Host memory is bounded by the quota (a small multiple of it for GC lag: V8 frees the
    // buffers of a removed container at its own pace, and RSS plateaus around +150 MB), and
    // more bombs do not ratchet it up: a leak of one 16 MiB quota per bomb would add
    // ~192 MiB between the first and the last group of six.
    assert.ok(firstPeak - rssBefore < 256 * 1024, `daemon RSS grew by ${firstPeak - rssBefore} kB`);
    assert.ok(
      lastPeak - firstPeak < 128 * 1024,
      `RSS ratchets: peak ${firstPeak} kB then ${lastPeak} kB`,
    );
    const next = await berth.run(["run", "--rm", "berth/base", "echo", "still-here"]);
    assert.equal(next.stdout.trim(), "still-here");
  } finally {
    await berth.cleanup();
  }
});

Deno.test("builtins that hold memory (sort, shell variables, $(…), awk variables and arrays, sed's pattern and hold space) are OOM-killed at memory.max, not grown in the daemon", async () => {
  const berth = await tempBerth();
  try {
    await berth.run(["run", "--rm", "berth/base", "true"]); // daemon up, base image made
    const rssBefore = daemonRssKb(berth.root);
    // Runs `cmd` in a container named `name` under `-m mem`; the exit code, the output, and
    // what inspect says: "OOMKilled ExitCode".
    const bomb = async (name: string, mem: string, cmd: string[]) => {
      const r = await berth.run(["run", "--name", name, "-m", mem, "berth/base", ...cmd]);
      const state = await berth.run([
        "inspect",
        "--format",
        "{{.State.OOMKilled}} {{.State.ExitCode}}",
        name,
      ]);
      return { code: r.code, out: r.stdout + r.stderr, state: state.stdout.trim() };
    };
    // 300 MB through sort under -m 16m: sort is killed, wc sees nothing, the shell ends 0;
    // the container is marked OOMKilled, as Docker marks a container one of whose
    // processes the OOM killer took.
    const sorted = await bomb("sorter", "16m", [
      "sh",
      "-c",
      "yes abcdefghijklmnopqrstuvwxyz | head -c 300000000 | sort | wc -l; cat /sys/fs/cgroup/memory.events",
    ]);
    assert.equal(sorted.code, 0, sorted.out);
    assert.match(sorted.out, /^0\n/, sorted.out);
    assert.ok(Number(/^oom_kill (\d+)$/m.exec(sorted.out)?.[1]) >= 1, sorted.out);
    assert.equal(sorted.state, "true 0");
    // A shell doubling a variable (the shell itself is the victim), an endless command
    // substitution (its capture is declared as it grows), awk filling an array without end.
    for (
      const [name, mem, cmd] of [
        ["doubler", "8m", ["sh", "-c", "x=a; while true; do x=$x$x; done"]],
        ["capturer", "16m", ["sh", "-c", "x=$(yes); echo never"]],
        ["filler", "16m", [
          "awk",
          'BEGIN { while (1) a[i++] = "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx" }',
        ]],
        // sed gathering its whole input in the pattern space, or in the hold space.
        ["joiner", "16m", ["sh", "-c", "yes | sed ':a;N;ba'"]],
        ["holder", "16m", ["sh", "-c", "yes | sed -n 'H;$p'"]],
        // Appending a line at a time: V8 keeps such strings as ropes, ≈ 28 bytes a character
        // for these, which are counted (see `Ropes` in runtime/userland/_heap.ts).
        ["appender", "6m", ["sh", "-c", 'yes | { while read l; do x="$x$l"; done; }']],
        ["concat", "16m", ["awk", 'function f(  s) { while (1) s = s "x" } BEGIN { f() }']],
      ] as const
    ) {
      const r = await bomb(name, mem, [...cmd]);
      assert.equal(r.code, 137, `${name}: ${r.out}`);
      assert.equal(r.state, "true 137", name);
    }
    // The daemon held at most a few quotas' worth meanwhile (without the declarations it
    // grew by ~1.8 GB on the sort alone), and the same programs under no limit still work.
    assert.ok(
      daemonRssKb(berth.root) - rssBefore < 256 * 1024,
      `daemon RSS grew by ${daemonRssKb(berth.root) - rssBefore} kB`,
    );
    const free = await berth.run([
      "run",
      "--rm",
      "berth/base",
      "sh",
      "-c",
      "x=a; for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18; do x=$x$x; done; echo ${#x}; yes ab | head -n 200000 | sort | uniq -c; y=$(yes | head -c 3000000); echo ${#y}; awk 'BEGIN { for (i = 0; i < 100000; i++) a[i] = i; for (k in a) n++; delete a; print n }'; yes | head -c 3000000 | sed ':a;N;ba' | wc -c",
    ]);
    assert.equal(free.stdout, "262144\n 200000 ab\n2999999\n100000\n3000000\n", free.stderr);
    // What a function's own variables and arrays held is given back when it returns: 200
    // calls of 1,000 elements each fit in 6 MiB (they were counted forever, 137).
    const calls = await berth.run([
      "run",
      "--rm",
      "-m",
      "6m",
      "berth/base",
      "awk",
      'function f(n,  s, a) { for (i = 0; i < n; i++) { s = s "x"; a[i] = i }; return length(s) } BEGIN { for (k = 0; k < 200; k++) t += f(1000); print t }',
    ]);
    assert.equal(calls.stdout, "200000\n", calls.stderr);
  } finally {
    await berth.cleanup();
  }
});

Deno.test("two CPU hogs of equal weight share the CPU; neither starves the other", async () => {
  const berth = await tempBerth();
  try {
    for (const name of ["hog-a", "hog-b"]) {
      const r = await berth.run([
        "run",
        "-d",
        "--name",
        name,
        "berth/base",
        "sh",
        "-c",
        "while :; do :; done",
      ]);
      assert.equal(r.code, 0, r.stderr);
    }
    const [a, b] = await cpuOver(berth, "hog-a", "hog-b", 2000);
    assert.ok(a > 0 && b > 0, `both hogs must run: ${a} ns, ${b} ns`);
    const share = Math.min(a, b) / (a + b);
    console.log(`weaker of two equal CPU hogs: ${(share * 100).toFixed(1)}% of their CPU`);
    assert.ok(
      share >= 0.4,
      `the weaker hog got ${(share * 100).toFixed(1)}% of the CPU the two used`,
    );
    const rm = await berth.run(["rm", "-f", "hog-a", "hog-b"]);
    assert.equal(rm.code, 0, rm.stderr);
  } finally {
    await berth.cleanup();
  }
});

Deno.test("a log flood rotates within max-size × max-file and the daemon keeps answering", async () => {
  const berth = await tempBerth();
  try {
    const run = await berth.run([
      "run",
      "-d",
      "--name",
      "flood",
      "--log-opt",
      "max-size=64k",
      "--log-opt",
      "max-file=3",
      "berth/base",
      "yes",
      "flood-line",
    ]);
    assert.equal(run.code, 0, run.stderr);
    const id = run.stdout.trim();
    const pings: number[] = [];
    const until = Date.now() + 2000;
    while (Date.now() < until) pings.push(await ping(berth.socket));
    pings.sort((a, b) => a - b);
    const worst = pings[pings.length - 1]!;
    // Loose bound for a shared machine; the median is reported by the benchmark.
    // 2 s, as for the fork bomb: 1.2 s was seen under the parallel suite on 2 shared cores.
    assert.ok(worst < 2000, `the daemon took ${worst.toFixed(0)} ms to answer during the flood`);
    // Stop the writer first: rotation renames files under a reader that lists and stats them.
    const killed = await berth.run(["kill", "flood"]);
    assert.equal(killed.code, 0, killed.stderr);
    await berth.run(["wait", "flood"]);
    let total = 0;
    let files = 0;
    for await (const e of Deno.readDir(`${berth.root}/containers/${id}`)) {
      if (!e.name.includes("-json.log")) continue;
      files++;
      total += (await Deno.stat(`${berth.root}/containers/${id}/${e.name}`)).size;
    }
    assert.ok(files >= 2 && files <= 3, `log files: ${files}`);
    assert.ok(total <= 3 * 64 * 1024, `logs hold ${total} bytes, over 3 × 64 KiB`);
    // Whole records read back; the very last may be a line cut by the kill (flushed at exit).
    const tail = await berth.run(["logs", "--tail", "5", "flood"]);
    const lines = tail.stdout.split("\n");
    const last = lines.pop()!;
    assert.ok(lines.length >= 4, tail.stdout);
    for (const line of lines) assert.equal(line, "flood-line");
    assert.ok("flood-line".startsWith(last), `a torn record: ${JSON.stringify(last)}`);
    const rm = await berth.run(["rm", "-f", "flood"]);
    assert.equal(rm.code, 0, rm.stderr);
  } finally {
    await berth.cleanup();
  }
});

Deno.test("during a fork bomb a CPU-bound neighbour keeps its fair share of the CPU", async () => {
  const berth = await tempBerth();
  try {
    const bomb = await berth.run([
      "run",
      "-d",
      "--name",
      "bomb2",
      "--pids-limit",
      "16",
      "berth/base",
      "sh",
      "-c",
      "b() { b | b & }; while :; do b; done",
    ]);
    assert.equal(bomb.code, 0, bomb.stderr);
    const hog = await berth.run([
      "run",
      "-d",
      "--name",
      "worker",
      "berth/base",
      "sh",
      "-c",
      "while :; do :; done",
    ]);
    assert.equal(hog.code, 0, hog.stderr);
    const [w, b] = await cpuOver(berth, "worker", "bomb2", 2000);
    assert.ok(b > 0, "the bomb must be running");
    // Two containers of equal weight: the fair share is one half. The bomb's processes all
    // live in its own cgroup, so however many it forks, the neighbour keeps its half
    // (within 10% of it; 0.4 leaves room for this shared machine's noise).
    const share = w / (w + b);
    console.log(`neighbour CPU share next to a fork bomb: ${(share * 100).toFixed(1)}%`);
    assert.ok(
      share >= 0.4,
      `the neighbour got ${(share * 100).toFixed(1)}% of the CPU next to a fork bomb`,
    );
    const rm = await berth.run(["rm", "-f", "bomb2", "worker"]);
    assert.equal(rm.code, 0, rm.stderr);
  } finally {
    await berth.cleanup();
  }
});
