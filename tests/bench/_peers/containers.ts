/**
 * Container start-to-exit against the peers, in one run: `runc run` and `crun run` of a
 * busybox `true` from an OCI bundle made in the temp dir, `podman run --rm` of the same
 * rootfs imported as a local image, `deno run` of an empty script
 * (the floor of any Deno CLI), Berth's CLI with a warm daemon
 * (`berth run --rm berth/base true`), and Berth's library API (KernelRuntime start of a
 * container record: namespaces, cgroup, overlay root) in runs per second.
 *
 * crun 1.8.1 refuses this host's hybrid cgroup layout, so it runs inside
 * `unshare -m --propagation private` after unmounting `/sys/fs/cgroup/unified` in that
 * namespace (timed there by `time_cmd.ts`, so the unshare itself is not counted).
 *
 * @module
 */
import { type BenchContext, type Row, type Stats, summarize, which } from "../_harness.ts";
import {
  cliEntry,
  msRow,
  peersDir,
  ratioRow,
  series,
  short,
  skipRow,
  timeCommand,
} from "./common.ts";
import { ensureBaseImage, openStore } from "../../../image/mod.ts";
import { appletNames } from "../../../runtime/userland/mod.ts";
import { createKernel } from "../../../runtime/daemon/services.ts";
import { KernelRuntime } from "../../../runtime/container/kernel_runtime.ts";
import { OverlayRootfs } from "../../../runtime/container/overlay_rootfs.ts";
import { parseCreateRequest } from "../../../runtime/container/container_config.ts";
import { buildRecord } from "../../../runtime/container/container_create.ts";

const G = "peers/containers";

/**
 * An OCI bundle whose process is busybox `true` (`/bin/true` → busybox; the shared
 * libraries of a dynamically linked busybox are copied in).
 *
 * @param tmp Temp dir.
 * @returns The bundle directory or the reason it could not be made.
 * @example
 * ```ts ignore
 * const bundle = await busyboxBundle(ctx.tmp);
 * ```
 */
export async function busyboxBundle(tmp: string): Promise<string | Error> {
  const bb = await which("busybox");
  if (!bb) return new Error("busybox not installed");
  const runc = await which("runc");
  const dir = `${tmp}/bundle`;
  await Deno.mkdir(`${dir}/rootfs/bin`, { recursive: true });
  await Deno.copyFile(bb, `${dir}/rootfs/bin/busybox`);
  await Deno.symlink("busybox", `${dir}/rootfs/bin/true`);
  const ldd = await new Deno.Command("ldd", { args: [bb], stdout: "piped", stderr: "null" })
    .output().catch(() => undefined);
  for (const lib of new TextDecoder().decode(ldd?.stdout).match(/\/\S+/g) ?? []) {
    await Deno.mkdir(`${dir}/rootfs${lib.slice(0, lib.lastIndexOf("/"))}`, { recursive: true });
    await Deno.copyFile(lib, `${dir}/rootfs${lib}`);
  }
  if (!runc) return new Error("runc not installed (used for `runc spec`)");
  const spec = await new Deno.Command(runc, { args: ["spec"], cwd: dir, stderr: "piped" })
    .output();
  if (!spec.success) return new Error("runc spec failed");
  const config = JSON.parse(await Deno.readTextFile(`${dir}/config.json`));
  config.process.args = ["/bin/true"];
  config.process.terminal = false;
  await Deno.writeTextFile(`${dir}/config.json`, JSON.stringify(config));
  return dir;
}

async function crunSamples(bundle: string, n: number): Promise<number[]> {
  const crun = await which("crun");
  const unshare = await which("unshare");
  if (!crun || !unshare) throw new Error(!crun ? "crun not installed" : "unshare not installed");
  const script = `umount /sys/fs/cgroup/unified 2>/dev/null; exec "$@"`;
  const { out } = await timeCommand(unshare, [
    "-m",
    "--propagation",
    "private",
    "sh",
    "-c",
    script,
    "sh",
    Deno.execPath(),
    "run",
    "-A",
    `${peersDir}/time_cmd.ts`,
    String(n),
    crun,
    "run",
    "-b",
    bundle,
    `berth-peers-crun-${Deno.pid}-{i}`,
  ], { stdout: true });
  return JSON.parse(out) as number[];
}

async function libraryRate(ctx: BenchContext): Promise<number> {
  const root = `${ctx.tmp}/lib`;
  const store = await openStore(root);
  await ensureBaseImage(store, {
    applets: appletNames.filter((n) => /^[A-Za-z0-9_.+-]+$/.test(n)),
  });
  const kernel = createKernel();
  try {
    const runtime = new KernelRuntime(kernel, new OverlayRootfs(root, store));
    const req = parseCreateRequest({ Image: "berth/base", Cmd: ["true"] });
    const { record } = await buildRecord(root, store, req, "peers");
    const io = { stdout: () => {}, stderr: () => {} };
    const one = async (i: number) => {
      const r = { ...record, Id: record.Id.slice(0, 52) + String(i).padStart(12, "0") };
      await (await runtime.start(r, io)).exited;
      await runtime.remove(r);
    };
    for (let i = 0; i < 20; i++) await one(i); // warm
    const n = ctx.quick ? 20 : 1000;
    const t0 = performance.now();
    for (let i = 0; i < n; i++) await one(100 + i);
    return n / ((performance.now() - t0) / 1000);
  } finally {
    await kernel.shutdown();
  }
}

/**
 * `podman run --rm` of busybox `true`, from a local image imported from the bundle's
 * rootfs (podman works offline here that way). podman runs it with runc when runc is
 * installed: its default runtime here is crun, which refuses this host's hybrid cgroup
 * layout. The `--ulimit`s are what podman needs on this host.
 *
 * @param podman The podman binary.
 * @param runc The runc binary, if any.
 * @param bundle The OCI bundle (its `rootfs/`).
 * @param n Number of samples.
 * @returns Start-to-exit times in ms.
 * @example
 * ```ts ignore
 * const st = await podmanSeries("/usr/bin/podman", "/usr/sbin/runc", bundle, 20);
 * ```
 */
export async function podmanSeries(
  podman: string,
  runc: string | undefined,
  bundle: string,
  n: number,
): Promise<Stats> {
  const image = `localhost/berth-bench-busybox-${Deno.pid}`;
  const imported = await new Deno.Command("sh", {
    args: ["-c", 'tar -C "$1/rootfs" -c . | "$2" import - "$3"', "sh", bundle, podman, image],
    stdout: "null",
    stderr: "piped",
  }).output();
  if (!imported.success) {
    throw new Error(`podman import: ${new TextDecoder().decode(imported.stderr).trim()}`);
  }
  try {
    const args = [
      ...(runc ? ["--runtime", runc] : []),
      "run",
      "--rm",
      "--network",
      "none",
      "--ulimit",
      "nofile=1024:1024",
      "--ulimit",
      "nproc=1024:1024",
      image,
      "/bin/true",
    ];
    await timeCommand(podman, args); // warm
    return await series(n, async () => (await timeCommand(podman, args)).ms);
  } finally {
    await new Deno.Command(podman, { args: ["rmi", "-f", image], stdout: "null", stderr: "null" })
      .output();
  }
}

/**
 * The container rows.
 *
 * @param ctx Bench context.
 * @returns Rows: each peer in ms, Berth CLI and library, and the ratios.
 * @example
 * ```ts ignore
 * const rows = await containerRows({ quick: true, tmp });
 * ```
 */
export async function containerRows(ctx: BenchContext): Promise<Row[]> {
  const n = ctx.quick ? 3 : 30; // issue 12: medians over at least 30 runs
  const rows: Row[] = [];
  const empty = `${ctx.tmp}/empty.ts`;
  await Deno.writeTextFile(empty, "");
  const deno = await series(n, async () => (await timeCommand(Deno.execPath(), ["run", empty])).ms);
  rows.push(msRow(G, "deno run (empty script)", deno, "floor of any Deno CLI"));

  const bundle = await busyboxBundle(ctx.tmp);
  let runc: number | undefined;
  let crun: number | undefined;
  const runcBin = await which("runc");
  if (bundle instanceof Error || !runcBin) {
    rows.push(skipRow(G, "runc run busybox true", "ms", short(bundle ?? "runc not installed")));
  } else {
    try {
      const st = await series(
        n,
        async (i) =>
          (await timeCommand(runcBin, ["run", "-b", bundle, `berth-peers-runc-${Deno.pid}-${i}`]))
            .ms,
      );
      runc = st.median;
      rows.push(msRow(G, "runc run busybox true", st, "OCI bundle, static rootfs"));
    } catch (err) {
      rows.push(skipRow(G, "runc run busybox true", "ms", short(err)));
    }
  }
  if (bundle instanceof Error) {
    rows.push(skipRow(G, "crun run busybox true", "ms", short(bundle)));
  } else {
    try {
      const st = summarize(await crunSamples(bundle, n));
      crun = st.median;
      rows.push(
        msRow(G, "crun run busybox true", st, "in unshare -m, cgroup2 'unified' unmounted"),
      );
    } catch (err) {
      rows.push(skipRow(G, "crun run busybox true", "ms", short(err)));
    }
  }

  let podman: number | undefined;
  const podmanBin = await which("podman");
  if (!podmanBin || bundle instanceof Error) {
    const why = !podmanBin ? "podman not installed" : short(bundle);
    rows.push(skipRow(G, "podman run --rm busybox true", "ms", why));
  } else {
    try {
      const st = await podmanSeries(podmanBin, runcBin, bundle, n);
      podman = st.median;
      rows.push(
        msRow(G, "podman run --rm busybox true", st, "local image of the bundle's rootfs"),
      );
    } catch (err) {
      rows.push(skipRow(G, "podman run --rm busybox true", "ms", short(err)));
    }
  }

  const env = { BERTH_ROOT: `${ctx.tmp}/root`, NO_COLOR: "1" };
  const berthArgs = ["run", "-A", cliEntry, "run", "--rm", "berth/base", "true"];
  let cli: number | undefined;
  try {
    await timeCommand(Deno.execPath(), ["run", "-A", cliEntry, "version"], { env });
    await timeCommand(Deno.execPath(), berthArgs, { env }); // warm
    const st = await series(
      n,
      async () => (await timeCommand(Deno.execPath(), berthArgs, { env })).ms,
    );
    cli = st.median;
    rows.push(msRow(G, "berth run --rm berth/base true (CLI, warm daemon)", st));
  } catch (err) {
    rows.push(skipRow(G, "berth run --rm berth/base true (CLI, warm daemon)", "ms", short(err)));
  } finally {
    await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", cliEntry, "system", "shutdown"],
      env,
      stdout: "null",
      stderr: "null",
    }).output();
  }
  const rate = await libraryRate(ctx);
  rows.push({
    group: G,
    name: "berth library: KernelRuntime start-to-exit of true",
    value: rate,
    unit: "runs/s",
    target: "≥ 1000",
    pass: ctx.quick ? undefined : rate >= 1000,
    note: "namespaces, cgroup, overlay root; in-process",
  });
  if (cli !== undefined) {
    rows.push(ratioRow(G, "berth CLI / deno run empty", cli, deno.median, {
      max: 1.5,
      quick: ctx.quick,
    }));
    if (runc !== undefined) {
      rows.push(ratioRow(G, "berth CLI / runc", cli, runc, { max: 1.0, quick: ctx.quick }));
    }
    if (crun !== undefined) rows.push(ratioRow(G, "berth CLI / crun", cli, crun));
    if (podman !== undefined) rows.push(ratioRow(G, "berth CLI / podman", cli, podman));
  }
  if (runc !== undefined) {
    rows.push(
      ratioRow(G, "berth library runs/s / runc runs/s", rate, 1000 / runc, {
        note: "higher is better",
      }),
    );
  }
  return rows;
}
