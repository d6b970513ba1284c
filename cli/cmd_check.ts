/**
 * `berth system check` (verify the store and containers' state; `--repair` removes what
 * interrupted work left) and `berth builder prune` (drop the build cache).
 *
 * @module
 */
import { join } from "node:path";
import { flagBool, flagList, type ParsedArgs } from "./_args.ts";
import type { Context } from "./_context.ts";
import { humanSize } from "./_format.ts";

// The specifier is in a variable so that Deno does not walk this module's whole graph
// (hundreds of modules) when any `berth` command starts: a literal `import("…")` is
// analysed and loaded up front, which cost every CLI start ~12 ms.
const IMAGE_MOD = "../image/mod.ts";

/** Problems with the containers' state files under `root/containers`. */
async function checkContainers(
  root: string,
  hasBlob: (digest: string) => Promise<boolean>,
): Promise<{ count: number; problems: string[] }> {
  const problems: string[] = [];
  let count = 0;
  const dir = join(root, "containers");
  let names: string[] = [];
  try {
    for await (const e of Deno.readDir(dir)) {
      if (e.isDirectory && !e.name.startsWith(".")) names.push(e.name);
    }
  } catch (err) {
    if (!(err instanceof Deno.errors.NotFound)) throw err;
  }
  names = names.sort();
  for (const id of names) {
    count++;
    let record: { ManifestDigest?: unknown } | undefined;
    for (const file of ["container.json", "config.json"]) {
      const path = join(dir, id, file);
      try {
        const value = JSON.parse(await Deno.readTextFile(path));
        if (file === "container.json") record = value;
      } catch (err) {
        problems.push(
          err instanceof Deno.errors.NotFound
            ? `container ${id.slice(0, 12)}: ${file} is missing`
            : `container ${id.slice(0, 12)}: ${file} does not parse: ${(err as Error).message}`,
        );
      }
    }
    const manifest = record?.ManifestDigest;
    if (typeof manifest === "string" && !(await hasBlob(manifest))) {
      problems.push(
        `container ${id.slice(0, 12)}: its image ${manifest} is missing from the store`,
      );
    }
  }
  return { count, problems };
}

/**
 * `berth system check [--repair]`: verify every blob's digest, every image's references,
 * every layer's tar and index, and every container's state files. Exit 0 when all is whole.
 *
 * @param ctx CLI context.
 * @param args Parsed flags.
 * @returns Exit code: 0 whole, 1 problems remain.
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
  const { openStore, checkStore, parseDigest } = await import(
    IMAGE_MOD
  ) as typeof import("../image/mod.ts");
  const store = await openStore(ctx.root);
  const report = await checkStore(store, { repair });
  // With the daemon up, temporary files are work in progress, not leftovers.
  const storeProblems = report.problems.filter((p) =>
    !(running && /leftover of interrupted work/.test(p.message))
  );
  const containers = await checkContainers(ctx.root, async (d) => {
    try {
      return await store.hasBlob(parseDigest(d));
    } catch {
      return false;
    }
  });
  for (const p of storeProblems) ctx.out(`${p.repaired ? "repaired" : "problem"}: ${p.message}`);
  for (const p of containers.problems) ctx.out(`problem: ${p}`);
  const left = storeProblems.filter((p) => !p.repaired).length + containers.problems.length;
  ctx.out(
    `checked ${report.blobs} blobs, ${report.images} images, ${report.layers} layers, ` +
      `${containers.count} containers: ${
        left === 0 ? "no problems found" : `${left} problem${left === 1 ? "" : "s"}`
      }`,
  );
  return left === 0 ? 0 : 1;
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
