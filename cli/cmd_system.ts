/**
 * System commands: version, info, events, system df/prune/shutdown, daemon.
 *
 * @module
 */
import { flagBool, flagList, flagString, type ParsedArgs } from "./_args.ts";
import type { Context } from "./_context.ts";
import { compileTemplate, formatList, humanSize, renderTable } from "./_format.ts";
import { VERSION } from "./_version.ts";
import { request } from "../runtime/daemon/http_client.ts";

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

/** `berth version`. */
export async function version(ctx: Context, args: ParsedArgs): Promise<number> {
  const client = {
    Version: VERSION,
    ApiVersion: "1.47",
    DenoVersion: Deno.version.deno,
    Os: Deno.build.os,
    Arch: Deno.build.arch,
  };
  let server: Record<string, unknown> | undefined;
  let serverError: unknown;
  try {
    server = await ctx.api.json<Record<string, unknown>>("GET", "/version");
  } catch (err) {
    serverError = err;
  }
  const format = flagString(args, "format") ?? "";
  if (format !== "") {
    const value = { Client: client, Server: server ?? null };
    ctx.out(format === "json" ? JSON.stringify(value) : compileTemplate(format).render(value));
    return serverError ? 1 : 0;
  }
  ctx.out(
    [
      "Client:",
      ` Version:           ${client.Version}`,
      ` API version:       ${client.ApiVersion}`,
      ` Deno version:      ${client.DenoVersion}`,
      ` OS/Arch:           ${client.Os}/${client.Arch}`,
    ].join("\n"),
  );
  if (server) {
    ctx.out(
      [
        "",
        "Server: Berth",
        " Engine:",
        `  Version:          ${server.Version}`,
        `  API version:      ${server.ApiVersion} (minimum version ${server.MinAPIVersion})`,
        `  Go version:       ${server.GoVersion}`,
        `  OS/Arch:          ${server.Os}/${server.Arch}`,
        `  Kernel:           ${server.KernelVersion}`,
      ].join("\n"),
    );
    return 0;
  }
  throw serverError;
}

/** `berth info`. */
export async function info(ctx: Context, args: ParsedArgs): Promise<number> {
  const i = await ctx.api.json<Record<string, unknown>>("GET", "/info");
  const format = flagString(args, "format") ?? "";
  if (format !== "") {
    ctx.out(format === "json" ? JSON.stringify(i) : compileTemplate(format).render(i));
    return 0;
  }
  ctx.out(
    [
      "Client:",
      ` Version:    ${VERSION}`,
      ` Context:    default`,
      "",
      "Server:",
      ` Containers: ${i.Containers}`,
      `  Running: ${i.ContainersRunning}`,
      `  Paused: ${i.ContainersPaused}`,
      `  Stopped: ${i.ContainersStopped}`,
      ` Images: ${i.Images}`,
      ` Server Version: ${i.ServerVersion}`,
      ` Storage Driver: ${i.Driver}`,
      ` Logging Driver: ${i.LoggingDriver}`,
      ` Cgroup Driver: ${i.CgroupDriver}`,
      ` Cgroup Version: ${i.CgroupVersion}`,
      ` Kernel Version: ${i.KernelVersion}`,
      ` Operating System: ${i.OperatingSystem}`,
      ` OSType: ${i.OSType}`,
      ` Architecture: ${i.Architecture}`,
      ` CPUs: ${i.NCPU}`,
      ` Total Memory: ${humanSize(Number(i.MemTotal))}`,
      ` Name: ${i.Name}`,
      ` Berth Root Dir: ${i.DockerRootDir}`,
      ...((i.Warnings as string[] | undefined) ?? []).map((w) => `\nWARNING: ${w}`),
    ].join("\n"),
  );
  return 0;
}

/** `berth events`. */
export async function events(ctx: Context, args: ParsedArgs): Promise<number> {
  const res = await ctx.api.ok("GET", "/events", {
    query: {
      since: flagString(args, "since"),
      until: flagString(args, "until"),
      filters: filtersJson(flagList(args, "filter")),
    },
  });
  const format = flagString(args, "format") ?? "";
  const tpl = format && format !== "json" ? compileTemplate(format) : undefined;
  let pending = "";
  const dec = new TextDecoder();
  for await (const piece of res.stream()) {
    pending += dec.decode(piece, { stream: true });
    let nl: number;
    while ((nl = pending.indexOf("\n")) >= 0) {
      const line = pending.slice(0, nl);
      pending = pending.slice(nl + 1);
      if (!line.trim()) continue;
      const e = JSON.parse(line) as {
        Type: string;
        Action: string;
        Actor: { ID: string; Attributes: Record<string, string> };
        timeNano: number;
      };
      if (format === "json") ctx.out(line);
      else if (tpl) ctx.out(tpl.render(e));
      else {
        const t = new Date(e.timeNano / 1e6).toISOString().replace("Z", "000000Z");
        const attrs = Object.entries(e.Actor.Attributes).map(([k, v]) => `${k}=${v}`).join(", ");
        ctx.out(`${t} ${e.Type} ${e.Action} ${e.Actor.ID}${attrs ? ` (${attrs})` : ""}`);
      }
    }
  }
  return 0;
}

/** `berth system df`. */
export async function df(ctx: Context, args: ParsedArgs): Promise<number> {
  const d = await ctx.api.json<{
    LayersSize?: number;
    Images?: { Size: number; Containers: number; SharedSize?: number }[];
    Containers?: { SizeRw?: number; State: string }[];
  }>("GET", "/system/df");
  const images = d.Images ?? [];
  const containers = d.Containers ?? [];
  const imgSize = d.LayersSize ?? images.reduce((a, i) => a + i.Size, 0);
  const unusedImages = images.filter((i) => i.Containers === 0);
  const ctrSize = containers.reduce((a, c) => a + (c.SizeRw ?? 0), 0);
  const stopped = containers.filter((c) => c.State !== "running" && c.State !== "paused");
  const rows = [
    {
      Type: "Images",
      TotalCount: String(images.length),
      Active: String(images.length - unusedImages.length),
      Size: humanSize(imgSize),
      Reclaimable: `${humanSize(unusedImages.reduce((a, i) => a + i.Size, 0))}`,
    },
    {
      Type: "Containers",
      TotalCount: String(containers.length),
      Active: String(containers.length - stopped.length),
      Size: humanSize(ctrSize),
      Reclaimable: humanSize(stopped.reduce((a, c) => a + (c.SizeRw ?? 0), 0)),
    },
    { Type: "Local Volumes", TotalCount: "0", Active: "0", Size: "0B", Reclaimable: "0B" },
    { Type: "Build Cache", TotalCount: "0", Active: "0", Size: "0B", Reclaimable: "0B" },
  ];
  ctx.out(formatList(
    rows,
    flagString(args, "format") ?? "",
    "table {{.Type}}\t{{.TotalCount}}\t{{.Active}}\t{{.Size}}\t{{.Reclaimable}}",
    {
      Type: "TYPE",
      TotalCount: "TOTAL",
      Active: "ACTIVE",
      Size: "SIZE",
      Reclaimable: "RECLAIMABLE",
    },
  ));
  return 0;
}

/** `berth system prune`. */
export async function systemPrune(ctx: Context, args: ParsedArgs): Promise<number> {
  const c = await ctx.api.json<{ ContainersDeleted: string[] | null; SpaceReclaimed: number }>(
    "POST",
    "/containers/prune",
  );
  const i = await ctx.api.json<
    { ImagesDeleted: { Deleted?: string; Untagged?: string }[] | null; SpaceReclaimed: number }
  >(
    "POST",
    "/images/prune",
    {
      query: {
        filters: flagBool(args, "all") ? JSON.stringify({ dangling: ["false"] }) : undefined,
      },
    },
  );
  const lines: string[] = [];
  if (c.ContainersDeleted?.length) lines.push("Deleted Containers:", ...c.ContainersDeleted, "");
  if (i.ImagesDeleted?.length) {
    lines.push(
      "Deleted Images:",
      ...i.ImagesDeleted.map((d) =>
        d.Deleted ? `deleted: ${d.Deleted}` : `untagged: ${d.Untagged}`
      ),
      "",
    );
  }
  lines.push(`Total reclaimed space: ${humanSize(c.SpaceReclaimed + i.SpaceReclaimed)}`);
  ctx.out(lines.join("\n"));
  return 0;
}

/** `berth system shutdown`: stop the daemon (it stops its containers first). */
export async function shutdown(ctx: Context, _args: ParsedArgs): Promise<number> {
  if (!(await ctx.api.ping())) {
    ctx.err("berth: the daemon is not running");
    return 0;
  }
  const res = await request(ctx.socketPath, "POST", "/_berth/shutdown");
  await res.bytes();
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    try {
      await Deno.stat(ctx.socketPath);
    } catch {
      return 0;
    }
    await new Promise((r) => setTimeout(r, 25));
  }
  ctx.err("berth: the daemon did not stop within 30s");
  return 1;
}

/** `berth daemon` (foreground) and `berth daemon stop`. */
export async function daemon(ctx: Context, args: ParsedArgs): Promise<number> {
  if (args.positionals[0] === "stop") return await shutdown(ctx, args);
  if (args.positionals.length > 0) {
    ctx.err(
      `berth: unknown daemon action "${
        args.positionals[0]
      }" (try "berth daemon" or "berth daemon stop")`,
    );
    return 125;
  }
  // The daemon runs as its own program in the foreground, logging to this terminal;
  // Ctrl-C and SIGTERM are passed on, and its exit status is ours.
  const { daemonCommand } = await import("./_daemon_process.ts");
  const child = daemonCommand(ctx.root, ctx.socketPath, {
    foreground: true,
    quiet: flagBool(args, "quiet"),
    logFile: Deno.env.get("BERTH_DAEMON_LOG"),
  }).spawn();
  const forward = (sig: Deno.Signal) => () => {
    try {
      child.kill(sig);
    } catch { /* exited */ }
  };
  const onInt = forward("SIGINT");
  const onTerm = forward("SIGTERM");
  Deno.addSignalListener("SIGINT", onInt);
  Deno.addSignalListener("SIGTERM", onTerm);
  try {
    return (await child.status).code;
  } finally {
    Deno.removeSignalListener("SIGINT", onInt);
    Deno.removeSignalListener("SIGTERM", onTerm);
  }
}

export { renderTable };
