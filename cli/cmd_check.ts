/**
 * `berth system check` (verify the store and containers' state; `--repair` removes what
 * interrupted work left) and `berth builder prune` (drop the build cache).
 *
 * @module
 */
import { flagBool, flagList, type ParsedArgs } from "./_args.ts";
import type { Context } from "./_context.ts";
import { humanSize } from "./_format.ts";
import { denoConfigArgs } from "./_daemon_process.ts";

/**
 * `berth system check [--repair]`: verify every blob's digest, every image's references,
 * every layer's tar and index, and every container's state files. Exit 0 when all is whole.
 * The check runs as a program of its own (`cli/_check_main.ts`), so that the CLI's start-up
 * never loads the image store's code.
 *
 * @param ctx CLI context.
 * @param args Parsed flags.
 * @returns Exit code: 0 whole, 1 problems remain, 125 repair refused.
 */
export async function systemCheck(ctx: Context, args: ParsedArgs): Promise<number> {
  const repair = flagBool(args, "repair");
  const running = await ctx.api.ping().catch(() => false);
  if (repair && running) {
    ctx.err(
      'berth: stop the daemon before repairing ("berth system shutdown"), then run this again',
    );
    return 125;
  }
  const main = new URL("./_check_main.ts", import.meta.url);
  const configArgs = denoConfigArgs();
  const out = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      "--no-prompt",
      ...configArgs,
      main.href,
      ...(repair ? ["--repair"] : []),
      ...(running ? ["--daemon-running"] : []),
    ],
    env: { BERTH_ROOT: ctx.root },
    stdin: "null",
    stdout: "inherit",
    stderr: "inherit",
  }).output();
  return out.code;
}

/**
 * `berth builder prune`: remove the build cache (Docker's `builder prune`).
 *
 * @param ctx CLI context.
 * @param args Parsed flags (`--filter until=24h`, `-a`, `-f`).
 * @returns Exit code.
 */
export async function builderPrune(ctx: Context, args: ParsedArgs): Promise<number> {
  const filters: Record<string, string[]> = {};
  for (const f of flagList(args, "filter")) {
    const eq = f.indexOf("=");
    (filters[eq < 0 ? f : f.slice(0, eq)] ??= []).push(eq < 0 ? "" : f.slice(eq + 1));
  }
  const query: Record<string, string | undefined> = {
    filters: Object.keys(filters).length ? JSON.stringify(filters) : undefined,
    all: flagBool(args, "all") ? "1" : undefined,
  };
  const r = await ctx.api.json<{ CachesDeleted: string[] | null; SpaceReclaimed: number }>(
    "POST",
    "/build/prune",
    { query },
  );
  if (r.CachesDeleted?.length) {
    ctx.out(["Deleted build cache objects:", ...r.CachesDeleted, ""].join("\n"));
  }
  ctx.out(`Total:\t${humanSize(r.SpaceReclaimed)}`);
  return 0;
}
