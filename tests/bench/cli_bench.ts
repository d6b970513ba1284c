/**
 * Container benchmarks, each against references measured in the same run:
 *
 * - `berth run --rm berth/base true` from the CLI with a warm daemon, start to exit,
 *   against `deno run` of an empty script (the floor any Deno CLI pays) and `runc run` /
 *   `crun run` of busybox `true` from an OCI bundle (skipped with a note where they are
 *   missing or cannot run here), in mirrored blocks (see `mirrored`).
 * - Library API (no CLI, no daemon): run-to-exit cycles per second of `true` through the
 *   kernel runtime (namespaces, cgroup, overlay root), and through the engine with its
 *   persisted records.
 * - 1,000 idle containers (`sleep 100000`) in one daemon: daemon RSS per container beyond
 *   the first, and `berth ps` over them.
 *
 * Run: `deno run -A tests/bench/main.ts --only containers` (`--quick` for a smoke run).
 *
 * @module
 */
import type { BenchContext, Benchmark, Row } from "./_harness.ts";
import { summarize } from "./_harness.ts";
import { repoRoot } from "../_paths.ts";
import { openStore } from "../../image/mod.ts";
import { ensureBaseImage } from "../../image/mod.ts";
import { appletNames } from "../../runtime/userland/mod.ts";
import { createKernel } from "../../runtime/daemon/services.ts";
import { KernelRuntime } from "../../runtime/container/kernel_runtime.ts";
import { OverlayRootfs } from "../../runtime/container/overlay_rootfs.ts";
import { ContainerEngine } from "../../runtime/container/container_engine.ts";
import { parseCreateRequest } from "../../runtime/container/container_config.ts";
import { buildRecord } from "../../runtime/container/container_create.ts";

const CLI = `${repoRoot}/cli/main.ts`;

async function timeCommand(
  cmd: string,
  args: string[],
  env: Record<string, string> = {},
): Promise<number> {
  const t0 = performance.now();
  const out = await new Deno.Command(cmd, { args, env, stdout: "null", stderr: "piped" }).output();
  const ms = performance.now() - t0;
  if (out.code !== 0) {
    throw new Error(
      `${cmd} ${args.join(" ")} exited ${out.code}: ${new TextDecoder().decode(out.stderr)}`,
    );
  }
  return ms;
}

function which(cmd: string): string | undefined {
  for (const d of (Deno.env.get("PATH") ?? "").split(":")) {
    try {
      if (Deno.statSync(`${d}/${cmd}`).isFile) return `${d}/${cmd}`;
    } catch { /* not here */ }
  }
  return undefined;
}

/** An OCI bundle running busybox `true` (its shared libraries copied in). */
async function busyboxBundle(tmp: string): Promise<string | undefined> {
  const bb = which("busybox");
  if (!bb) return undefined;
  const dir = `${tmp}/bundle`;
  await Deno.mkdir(`${dir}/rootfs/bin`, { recursive: true });
  await Deno.copyFile(bb, `${dir}/rootfs/bin/busybox`);
  const ldd = await new Deno.Command("ldd", { args: [bb], stdout: "piped", stderr: "null" })
    .output();
  for (const lib of new TextDecoder().decode(ldd.stdout).match(/\/\S+/g) ?? []) {
    await Deno.mkdir(`${dir}/rootfs${lib.slice(0, lib.lastIndexOf("/"))}`, { recursive: true });
    await Deno.copyFile(lib, `${dir}/rootfs${lib}`);
  }
  const spec = await new Deno.Command(which("runc") ?? "runc", { args: ["spec"], cwd: dir })
    .output().catch(() => undefined);
  if (!spec || spec.code !== 0) return undefined;
  const config = JSON.parse(await Deno.readTextFile(`${dir}/config.json`));
  config.process.args = ["/bin/busybox", "true"];
  config.process.terminal = false;
  await Deno.writeTextFile(`${dir}/config.json`, JSON.stringify(config));
  return dir;
}

async function series(n: number, fn: (i: number) => Promise<number>): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push(await fn(i));
  return out;
}

/** A command timed in the series, or why it cannot run here. */
interface Contender {
  name: string;
  run: (i: number) => Promise<number>;
  skipped?: string;
}

/**
 * Time the contenders back to back in mirrored blocks: half of each one's runs in order,
 * then the other halves in reverse order (A B C … C B A), so that a linear drift of the
 * shared machine's speed weighs on each alike (one contender's 25 runs after another's had
 * made the ratio move by ~0.1 between runs of the benchmark). Runs stay back to back: a
 * pause before each lets the CPU idle, and a cold start on this VM then takes twice as long
 * for every contender (which flatters the ratio to the empty script), while interleaving
 * single runs would make whichever command follows `berth run` pay for the daemon's
 * cleanup of the container just removed.
 */
async function mirrored(n: number, contenders: Contender[]): Promise<number[][]> {
  const times: number[][] = contenders.map(() => []);
  const live = [...contenders.entries()].filter(([, c]) => !c.skipped);
  const half = Math.ceil(n / 2);
  for (const [k, c] of live) times[k]!.push(...await series(half, c.run));
  for (const [k, c] of live.reverse()) {
    times[k]!.push(...await series(n - half, (i) => c.run(half + i)));
  }
  return times;
}

async function cliRows(ctx: BenchContext): Promise<Row[]> {
  const n = ctx.quick ? 3 : 25;
  const root = `${ctx.tmp}/root`;
  const env = { BERTH_ROOT: root, NO_COLOR: "1" };
  const rows: Row[] = [];
  const empty = `${ctx.tmp}/empty.ts`;
  await Deno.writeTextFile(empty, "");
  const berthRun = () =>
    timeCommand(Deno.execPath(), ["run", "-A", CLI, "run", "--rm", "berth/base", "true"], env);
  try {
    await timeCommand(Deno.execPath(), ["run", "-A", CLI, "version"], env); // start the daemon
    // Warm: a daemon that has served a few dozen runs, with its request path compiled by
    // V8's optimizing tiers (its first runs take ~1.5× as long).
    for (let i = 0; i < (ctx.quick ? 1 : 30); i++) await berthRun();
    const contenders: Contender[] = [
      { name: "deno", run: () => timeCommand(Deno.execPath(), ["run", "-A", empty]) },
      { name: "berth", run: berthRun },
    ];
    const bundle = await busyboxBundle(ctx.tmp);
    for (const rt of ["runc", "crun"]) {
      const bin = which(rt);
      const run = (i: number) =>
        timeCommand(bin!, ["run", "-b", bundle!, `bench-${rt}-${Deno.pid}-${i}`]);
      let skipped = !bin ? `${rt} not installed` : !bundle ? "no busybox bundle" : undefined;
      if (!skipped) {
        skipped = await run(-1).then(
          () => undefined,
          (err) =>
            `cannot run here (${String((err as Error).message).split("\n")[0]?.slice(0, 80)})`,
        );
      }
      contenders.push({ name: rt, run, skipped });
    }
    const times = await mirrored(n, contenders);
    const stats = times.map((t) => (t.length > 0 ? summarize(t) : undefined));
    const deno = stats[0]!;
    const berth = stats[1]!;
    rows.push({
      group: "containers",
      name: "deno run (empty script)",
      value: deno.median,
      unit: "ms",
      stats: deno,
    });
    rows.push({
      group: "containers",
      name: "berth run --rm berth/base true (warm daemon)",
      value: berth.median,
      unit: "ms",
      stats: berth,
    });
    const vsDeno = berth.median / deno.median;
    rows.push({
      group: "containers",
      name: "berth run / deno run empty",
      value: vsDeno,
      unit: "ratio",
      target: "≤ 1.5×",
      pass: vsDeno <= 1.5,
    });
    for (const [k, c] of contenders.entries()) {
      if (k < 2) continue;
      const st = stats[k];
      if (c.skipped || !st) {
        rows.push({
          group: "containers",
          name: `${c.name} run busybox true`,
          value: NaN,
          unit: "ms",
          note: `skipped: ${c.skipped}`,
        });
        continue;
      }
      rows.push({
        group: "containers",
        name: `${c.name} run busybox true`,
        value: st.median,
        unit: "ms",
        stats: st,
      });
      if (c.name === "runc") {
        const r = berth.median / st.median;
        rows.push({
          group: "containers",
          name: "berth run / runc run",
          value: r,
          unit: "ratio",
          target: "≤ 1.0×",
          pass: r <= 1.0,
        });
      }
    }
  } finally {
    await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", CLI, "system", "shutdown"],
      env,
      stdout: "null",
      stderr: "null",
    }).output();
  }
  return rows;
}

async function libraryRows(ctx: BenchContext): Promise<Row[]> {
  const root = `${ctx.tmp}/lib`;
  const store = await openStore(root);
  await ensureBaseImage(store, {
    applets: appletNames.filter((n) => /^[A-Za-z0-9_.+-]+$/.test(n)),
  });
  const kernel = createKernel();
  const runtime = new KernelRuntime(kernel, new OverlayRootfs(root, store));
  const rows: Row[] = [];
  try {
    const req = parseCreateRequest({ Image: "berth/base", Cmd: ["true"] });
    const { record } = await buildRecord(root, store, req, "bench");
    const io = { stdout: () => {}, stderr: () => {} };
    const n = ctx.quick ? 20 : 2000;
    for (let i = 0; i < 20; i++) await (await runtime.start(record, io)).exited; // warm
    const t0 = performance.now();
    for (let i = 0; i < n; i++) {
      const r = { ...record, Id: record.Id.slice(0, 52) + String(i).padStart(12, "0") };
      const running = await runtime.start(r, io);
      await running.exited;
      await runtime.remove(r);
    }
    const perSec = n / ((performance.now() - t0) / 1000);
    rows.push({
      group: "containers",
      name: "library: run-to-exit of true (namespaces, cgroup, overlay root)",
      value: perSec,
      unit: "ops/s",
      target: "≥ 1000",
      pass: perSec >= 1000,
    });
    const engine = new ContainerEngine({ root, store, runtime, emit: () => {} });
    await engine.load();
    const m = ctx.quick ? 5 : 200;
    const t1 = performance.now();
    for (let i = 0; i < m; i++) {
      const { Id } = await engine.create(req);
      await engine.start(Id);
      await engine.wait(Id);
      await engine.remove(Id);
    }
    const enginePerSec = m / ((performance.now() - t1) / 1000);
    rows.push({
      group: "containers",
      name: "engine: create+start+wait+rm of true (records fsynced)",
      value: enginePerSec,
      unit: "ops/s",
      note: "each create and exit is fsynced to disk",
    });
  } finally {
    await kernel.shutdown();
  }
  return rows;
}

async function idleRows(ctx: BenchContext): Promise<Row[]> {
  const n = ctx.quick ? 20 : 1000;
  const root = `${ctx.tmp}/idle`;
  const env = { BERTH_ROOT: root, NO_COLOR: "1" };
  const rows: Row[] = [];
  const { request } = await import("../../runtime/daemon/http_client.ts");
  const sock = `${root}/berth.sock`;
  const call = async (method: string, path: string, json?: unknown) => {
    const res = await request(sock, method, `/v1.47${path}`, { json });
    const body = await res.json();
    if (res.status >= 300) {
      throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(body)}`);
    }
    return body as Record<string, unknown>;
  };
  const rss = async () => {
    const pid = (await Deno.readTextFile(`${root}/berth.pid`)).trim();
    const status = await Deno.readTextFile(`/proc/${pid}/status`);
    return Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? NaN) * 1024;
  };
  try {
    await timeCommand(Deno.execPath(), ["run", "-A", CLI, "version"], env);
    const start = async () => {
      const c = await call("POST", "/containers/create", {
        Image: "berth/base",
        Cmd: ["sleep", "100000"],
      });
      await call("POST", `/containers/${c.Id}/start`);
    };
    await start();
    await new Promise((r) => setTimeout(r, 500));
    const before = await rss();
    for (let i = 1; i < n; i++) await start();
    await new Promise((r) => setTimeout(r, 1000));
    const after = await rss();
    const per = (after - before) / (n - 1) / 1024;
    rows.push({
      group: "containers",
      name: `daemon RSS per idle container (${n} running sleep)`,
      value: per,
      unit: "KB",
      target: ctx.quick ? undefined : "≤ 100 KB",
      pass: ctx.quick ? undefined : per <= 100,
    });
    const ps = summarize(
      await series(
        ctx.quick ? 3 : 10,
        () => timeCommand(Deno.execPath(), ["run", "-A", CLI, "ps"], env),
      ),
    );
    rows.push({
      group: "containers",
      name: `berth ps over ${n} containers`,
      value: ps.median,
      unit: "ms",
      stats: ps,
      target: ctx.quick ? undefined : "≤ 200 ms",
      pass: ctx.quick ? undefined : ps.median <= 200,
    });
  } finally {
    await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", CLI, "system", "shutdown"],
      env,
      stdout: "null",
      stderr: "null",
    }).output();
  }
  return rows;
}

/** The container benchmarks. */
export const benchmarks: Benchmark[] = [
  { group: "containers", run: cliRows },
  { group: "containers", run: libraryRows },
  { group: "containers", run: idleRows },
];

if (import.meta.main) {
  const { formatTable } = await import("./_harness.ts");
  const quick = Deno.args.includes("--quick");
  const tmp = await Deno.makeTempDir({ prefix: "berth-bench-containers-" });
  const rows: Row[] = [];
  try {
    for (const b of benchmarks) rows.push(...await b.run({ quick, tmp }));
  } finally {
    await Deno.remove(tmp, { recursive: true }).catch(() => {});
  }
  console.log(formatTable(rows));
}
