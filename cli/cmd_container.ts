/**
 * Container commands that talk to the daemon and print: ps, logs, stop, kill, rm,
 * restart, wait, inspect, rename, pause, unpause, top, stats, update, port, prune.
 *
 * @module
 */
import { flagBool, flagInt, flagList, flagString, type ParsedArgs } from "./_args.ts";
import { DaemonError } from "./_client.ts";
import type { Context } from "./_context.ts";
import { ExitError } from "./_errors.ts";
import {
  binarySize,
  compileTemplate,
  formatList,
  humanSize,
  renderTable,
  timeAgo,
} from "./_format.ts";
import { FrameDecoder } from "../runtime/daemon/stream_framing.ts";
import { parseBytes } from "./_run_request.ts";

/** A `/containers/json` row. */
interface Summary {
  Id: string;
  Names: string[];
  Image: string;
  Command: string;
  Created: number;
  State: string;
  Status: string;
  Labels: Record<string, string>;
  Mounts: { Source?: string; Destination: string }[];
  /** With `?size=1`: the writable layer's bytes. */
  SizeRw?: number;
  /** With `?size=1`: the image's bytes plus the writable layer's. */
  SizeRootFs?: number;
}

function filtersJson(list: string[]): string | undefined {
  if (list.length === 0) return undefined;
  const out: Record<string, string[]> = {};
  for (const f of list) {
    const eq = f.indexOf("=");
    const k = eq < 0 ? f : f.slice(0, eq);
    (out[k] ??= []).push(eq < 0 ? "" : f.slice(eq + 1));
  }
  return JSON.stringify(out);
}

/** Run `fn` for each positional, printing errors as Docker does, exit 1 if any failed. */
async function forEach(
  ctx: Context,
  refs: string[],
  fn: (ref: string) => Promise<string | void>,
): Promise<number> {
  let failed = false;
  for (const ref of refs) {
    try {
      const out = await fn(ref);
      ctx.out(out ?? ref);
    } catch (err) {
      if (!(err instanceof DaemonError)) throw err;
      ctx.err(`Error response from daemon: ${err.message}`);
      failed = true;
    }
  }
  return failed ? 1 : 0;
}

async function drain(p: Promise<{ bytes(): Promise<Uint8Array> }>): Promise<void> {
  await (await p).bytes();
}

/** `berth ps`. */
export async function ps(ctx: Context, args: ParsedArgs): Promise<number> {
  const last = flagBool(args, "latest") ? 1 : (flagInt(args, "last") ?? -1);
  const format = flagString(args, "format") ?? "";
  // As the docker CLI: a format that shows .Size asks for sizes without -s.
  const size = flagBool(args, "size") || /\.Size\b/.test(format);
  const list = await ctx.api.json<Summary[]>("GET", "/containers/json", {
    query: {
      all: flagBool(args, "all") || last > 0 ? 1 : undefined,
      limit: last > 0 ? last : undefined,
      size: size && !flagBool(args, "quiet") ? 1 : undefined,
      filters: filtersJson(flagList(args, "filter")),
    },
  });
  const noTrunc = flagBool(args, "no-trunc");
  if (flagBool(args, "quiet")) {
    for (const c of list) ctx.out(noTrunc ? c.Id : c.Id.slice(0, 12));
    return 0;
  }
  const now = Date.now();
  const rows = list.map((c) => {
    const cmd = noTrunc
      ? c.Command
      : c.Command.length > 20
      ? `${c.Command.slice(0, 19)}…`
      : c.Command;
    return {
      ID: noTrunc ? c.Id : c.Id.slice(0, 12),
      Image: c.Image,
      Command: JSON.stringify(cmd),
      CreatedAt: new Date(c.Created * 1000).toISOString().replace("T", " ").replace(
        /\.\d+Z$/,
        " +0000 UTC",
      ),
      RunningFor: timeAgo(c.Created * 1000, now),
      Ports: "",
      State: c.State,
      Status: c.Status,
      Size: c.SizeRw === undefined
        ? "0B"
        : `${humanSize(c.SizeRw)} (virtual ${humanSize(c.SizeRootFs ?? c.SizeRw)})`,
      Names: c.Names.map((n) => n.replace(/^\//, "")).join(","),
      Labels: Object.entries(c.Labels).map(([k, v]) => `${k}=${v}`).join(","),
      Mounts: c.Mounts.map((m) => m.Source ?? m.Destination).join(","),
      Networks: "",
    };
  });
  const text = formatList(
    rows,
    format,
    "table {{.ID}}\t{{.Image}}\t{{.Command}}\t{{.RunningFor}}\t{{.Status}}\t{{.Ports}}\t{{.Names}}" +
      (flagBool(args, "size") ? "\t{{.Size}}" : ""),
    { ID: "CONTAINER ID", RunningFor: "CREATED", CreatedAt: "CREATED AT" },
  );
  if (text !== "") ctx.out(text);
  return 0;
}

/** `berth logs`. */
export async function logs(ctx: Context, args: ParsedArgs): Promise<number> {
  const ref = args.positionals[0]!;
  const info = await ctx.api.json<{ Config: { Tty: boolean } }>("GET", `/containers/${ref}/json`);
  const res = await ctx.api.ok("GET", `/containers/${ref}/logs`, {
    query: {
      stdout: 1,
      stderr: 1,
      follow: flagBool(args, "follow") ? 1 : undefined,
      since: flagString(args, "since"),
      until: flagString(args, "until"),
      tail: flagString(args, "tail"),
      timestamps: flagBool(args, "timestamps") ? 1 : undefined,
    },
  });
  const dec = new FrameDecoder();
  for await (const piece of res.stream()) {
    if (info.Config.Tty) {
      await ctx.write(piece);
      continue;
    }
    for (const f of dec.push(piece)) {
      if (f.stream === 2) {
        let rest = f.data;
        while (rest.length > 0) rest = rest.subarray(Deno.stderr.writeSync(rest));
      } else await ctx.write(f.data);
    }
  }
  return 0;
}

/** `berth stop`. */
export function stop(ctx: Context, args: ParsedArgs): Promise<number> {
  return forEach(ctx, args.positionals, async (ref) => {
    await drain(ctx.api.ok("POST", `/containers/${ref}/stop`, {
      query: { t: flagInt(args, "time"), signal: flagString(args, "signal") },
    }));
  });
}

/** `berth restart`. */
export function restart(ctx: Context, args: ParsedArgs): Promise<number> {
  return forEach(ctx, args.positionals, async (ref) => {
    await drain(ctx.api.ok("POST", `/containers/${ref}/restart`, {
      query: { t: flagInt(args, "time"), signal: flagString(args, "signal") },
    }));
  });
}

/** `berth kill`. */
export function kill(ctx: Context, args: ParsedArgs): Promise<number> {
  return forEach(ctx, args.positionals, async (ref) => {
    await drain(
      ctx.api.ok("POST", `/containers/${ref}/kill`, {
        query: { signal: flagString(args, "signal") },
      }),
    );
  });
}

/** `berth rm`. */
export function rm(ctx: Context, args: ParsedArgs): Promise<number> {
  return forEach(ctx, args.positionals, async (ref) => {
    await drain(ctx.api.ok("DELETE", `/containers/${ref}`, {
      query: {
        force: flagBool(args, "force") ? 1 : undefined,
        v: flagBool(args, "volumes") ? 1 : undefined,
      },
    }));
  });
}

/** `berth pause`. */
export function pause(ctx: Context, args: ParsedArgs): Promise<number> {
  return forEach(ctx, args.positionals, async (ref) => {
    await drain(ctx.api.ok("POST", `/containers/${ref}/pause`));
  });
}

/** `berth unpause`. */
export function unpause(ctx: Context, args: ParsedArgs): Promise<number> {
  return forEach(ctx, args.positionals, async (ref) => {
    await drain(ctx.api.ok("POST", `/containers/${ref}/unpause`));
  });
}

/** `berth wait`. */
export function wait(ctx: Context, args: ParsedArgs): Promise<number> {
  return forEach(ctx, args.positionals, async (ref) => {
    const r = await ctx.api.json<{ StatusCode: number }>("POST", `/containers/${ref}/wait`);
    return String(r.StatusCode);
  });
}

/** `berth rename`. */
export async function rename(ctx: Context, args: ParsedArgs): Promise<number> {
  const [ref, name] = args.positionals as [string, string];
  await drain(ctx.api.ok("POST", `/containers/${ref}/rename`, { query: { name } }));
  return 0;
}

/** `berth update`. */
export function update(ctx: Context, args: ParsedArgs): Promise<number> {
  const body: Record<string, unknown> = {};
  const mem = flagString(args, "memory");
  if (mem !== undefined) body.Memory = parseBytes(mem, "memory");
  const cpus = flagString(args, "cpus");
  if (cpus !== undefined) body.NanoCpus = Math.round(Number(cpus) * 1e9);
  for (
    const [flag, key] of [["cpu-shares", "CpuShares"], ["cpu-quota", "CpuQuota"], [
      "cpu-period",
      "CpuPeriod",
    ], ["pids-limit", "PidsLimit"]]
  ) {
    const v = flagInt(args, flag!);
    if (v !== undefined) body[key!] = v;
  }
  const restart = flagString(args, "restart");
  if (restart !== undefined) {
    const [name, count] = restart.split(":");
    body.RestartPolicy = { Name: name, MaximumRetryCount: count ? Number(count) : 0 };
  }
  return forEach(ctx, args.positionals, async (ref) => {
    const r = await ctx.api.json<{ Warnings?: string[] }>("POST", `/containers/${ref}/update`, {
      json: body,
    });
    for (const w of r.Warnings ?? []) ctx.err(`WARNING: ${w}`);
  });
}

/** `berth top`. */
export async function top(ctx: Context, args: ParsedArgs): Promise<number> {
  const [ref] = args.positionals as [string];
  const r = await ctx.api.json<{ Titles: string[]; Processes: string[][] }>(
    "GET",
    `/containers/${ref}/top`,
  );
  ctx.out(renderTable(r.Titles, r.Processes));
  return 0;
}

/** `berth port`: Berth has no networking yet, so there are never mappings. */
export async function port(ctx: Context, args: ParsedArgs): Promise<number> {
  await ctx.api.json("GET", `/containers/${args.positionals[0]}/json`);
  if (args.positionals[1]) {
    throw new ExitError(
      1,
      `Error: No public port '${args.positionals[1]}' published for ${
        args.positionals[0]
      } (Berth has no networking yet)`,
    );
  }
  return 0;
}

/** `berth container prune`. */
export async function prune(ctx: Context, _args: ParsedArgs): Promise<number> {
  const r = await ctx.api.json<{ ContainersDeleted: string[] | null; SpaceReclaimed: number }>(
    "POST",
    "/containers/prune",
  );
  if (r.ContainersDeleted?.length) {
    ctx.out(["Deleted Containers:", ...r.ContainersDeleted, ""].join("\n"));
  }
  ctx.out(`Total reclaimed space: ${humanSize(r.SpaceReclaimed)}`);
  return 0;
}

async function inspectWith(
  ctx: Context,
  args: ParsedArgs,
  get: (ref: string) => Promise<unknown>,
): Promise<number> {
  const format = flagString(args, "format") ?? "";
  const found: unknown[] = [];
  let failed = false;
  for (const ref of args.positionals) {
    try {
      found.push(await get(ref));
    } catch (err) {
      if (!(err instanceof DaemonError)) throw err;
      ctx.err(`Error: ${err.message.replace(/^No such (container|image): /, "No such object: ")}`);
      failed = true;
    }
  }
  if (format === "" || format === "json") ctx.out(JSON.stringify(found, null, 4));
  else {
    const tpl = compileTemplate(format);
    for (const v of found) ctx.out(tpl.render(v));
  }
  return failed ? 1 : 0;
}

/** `?size=1` when `inspect -s` asks for a container's sizes (SizeRw, SizeRootFs). */
function sizeQuery(args: ParsedArgs): { query?: Record<string, string | number | undefined> } {
  return flagBool(args, "size") ? { query: { size: 1 } } : {};
}

/** `berth container inspect`. */
export function inspectContainer(ctx: Context, args: ParsedArgs): Promise<number> {
  return inspectWith(
    ctx,
    args,
    (ref) => ctx.api.json("GET", `/containers/${ref}/json`, sizeQuery(args)),
  );
}

/** `berth inspect`: a container, else an image. */
export function inspectAny(ctx: Context, args: ParsedArgs): Promise<number> {
  const type = flagString(args, "type");
  return inspectWith(ctx, args, async (ref) => {
    if (type !== "image") {
      try {
        return await ctx.api.json("GET", `/containers/${ref}/json`, sizeQuery(args));
      } catch (err) {
        if (!(err instanceof DaemonError) || err.status !== 404 || type === "container") throw err;
      }
    }
    return await ctx.api.json("GET", `/images/${ref}/json`);
  });
}

interface StatsBody {
  name: string;
  id: string;
  cpu_stats: { cpu_usage: { total_usage: number }; system_cpu_usage: number; online_cpus: number };
  precpu_stats: { cpu_usage: { total_usage?: number }; system_cpu_usage?: number };
  memory_stats: { usage?: number; limit?: number };
  pids_stats: { current?: number };
}

function statsRow(s: StatsBody, noTrunc: boolean) {
  const cpuDelta = s.cpu_stats.cpu_usage.total_usage - (s.precpu_stats.cpu_usage.total_usage ?? 0);
  const sysDelta = s.cpu_stats.system_cpu_usage - (s.precpu_stats.system_cpu_usage ?? 0);
  const cpu = sysDelta > 0 && s.precpu_stats.system_cpu_usage
    ? (cpuDelta / sysDelta) * s.cpu_stats.online_cpus * 100
    : 0;
  const usage = s.memory_stats.usage ?? 0;
  const limit = s.memory_stats.limit ?? 0;
  return {
    Container: noTrunc ? s.id : s.id.slice(0, 12),
    ID: noTrunc ? s.id : s.id.slice(0, 12),
    Name: s.name.replace(/^\//, ""),
    CPUPerc: `${cpu.toFixed(2)}%`,
    MemUsage: `${binarySize(usage)} / ${binarySize(limit)}`,
    MemPerc: `${limit > 0 ? ((usage / limit) * 100).toFixed(2) : "0.00"}%`,
    NetIO: "0B / 0B",
    BlockIO: "0B / 0B",
    PIDs: String(s.pids_stats.current ?? 0),
  };
}

/** `berth stats`. */
export async function stats(ctx: Context, args: ParsedArgs): Promise<number> {
  const noStream = flagBool(args, "no-stream");
  let refs = args.positionals;
  if (refs.length === 0) {
    const list = await ctx.api.json<Summary[]>("GET", "/containers/json", {
      query: { all: flagBool(args, "all") ? 1 : undefined },
    });
    refs = list.map((c) => c.Id);
  }
  const format = flagString(args, "format") ?? "";
  const render = (bodies: StatsBody[]) =>
    formatList(
      bodies.map((b) => statsRow(b, flagBool(args, "no-trunc"))),
      format,
      "table {{.ID}}\t{{.Name}}\t{{.CPUPerc}}\t{{.MemUsage}}\t{{.MemPerc}}\t{{.NetIO}}\t{{.BlockIO}}\t{{.PIDs}}",
      {
        ID: "CONTAINER ID",
        CPUPerc: "CPU %",
        MemUsage: "MEM USAGE / LIMIT",
        MemPerc: "MEM %",
        NetIO: "NET I/O",
        BlockIO: "BLOCK I/O",
      },
    );
  const once = () =>
    Promise.all(
      refs.map((ref) =>
        ctx.api.json<StatsBody>("GET", `/containers/${ref}/stats`, { query: { stream: 0 } })
      ),
    );
  if (noStream) {
    ctx.out(render(await once()));
    return 0;
  }
  const tty = Deno.stdout.isTerminal();
  while (true) {
    const bodies = await once().catch(() => [] as StatsBody[]);
    if (tty) ctx.out("\x1b[2J\x1b[H" + render(bodies));
    else ctx.out(render(bodies));
    await new Promise((r) => setTimeout(r, 1000));
  }
}
