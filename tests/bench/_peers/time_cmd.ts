/**
 * Times a host command `n` times and prints the milliseconds of each run as JSON. Used to
 * time a peer inside another environment, e.g. `crun` inside
 * `unshare -m --propagation private` with `/sys/fs/cgroup/unified` unmounted. `{i}` in
 * an argument is replaced by the run's index (unique container ids).
 *
 * Usage: `deno run -A time_cmd.ts N PROGRAM ARGS...`
 *
 * @module
 */
if (import.meta.main) {
  const [count, program, ...args] = Deno.args;
  const n = Number(count);
  if (!program || !Number.isInteger(n) || n < 1) {
    console.error("usage: time_cmd.ts N PROGRAM ARGS...");
    Deno.exit(2);
  }
  const samples: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    const res = await new Deno.Command(program, {
      args: args.map((a) => a.replaceAll("{i}", String(i))),
      stdin: "null",
      stdout: "null",
      stderr: "piped",
    }).output();
    samples.push(performance.now() - t0);
    if (res.code !== 0) {
      console.error(`${program} exited ${res.code}: ${new TextDecoder().decode(res.stderr)}`);
      Deno.exit(1);
    }
  }
  console.log(JSON.stringify(samples));
}
