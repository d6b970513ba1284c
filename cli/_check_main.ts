/**
 * The program behind `berth system check`: verifies the store and the containers' state
 * files of `BERTH_ROOT` and prints one line per problem and a summary.
 *
 * Usage: `deno run -A cli/_check_main.ts [--repair] [--daemon-running]`. Exit 0 when all
 * is whole, 1 when problems remain.
 *
 * @module
 */
import { join } from "node:path";
import { checkStore, openStore, parseDigest } from "../image/mod.ts";
import { stateRoot } from "../image/state_root.ts";

async function exists(path: string): Promise<boolean> {
  return await Deno.lstat(path).then(() => true, () => false);
}

/** Problems with the containers' state files under `root/containers`. */
async function checkContainers(
  root: string,
  hasBlob: (digest: string) => Promise<boolean>,
  daemonRunning: boolean,
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
    // With the daemon up, a directory without a record is work in progress: a create before
    // its commit point, or an --rm container (never written down; see container_engine.ts).
    if (daemonRunning && !(await exists(join(dir, id, "container.json")))) continue;
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

/** Runs the check; returns the exit code. */
async function main(args: string[]): Promise<number> {
  const root = stateRoot();
  const repair = args.includes("--repair");
  const running = args.includes("--daemon-running");
  const store = await openStore(root);
  const report = await checkStore(store, { repair });
  // With the daemon up, temporary files are work in progress, not leftovers.
  const storeProblems = report.problems.filter((p) =>
    !(running && /leftover of interrupted work/.test(p.message))
  );
  const containers = await checkContainers(root, async (d) => {
    try {
      return await store.hasBlob(parseDigest(d));
    } catch {
      return false;
    }
  }, running);
  const lines: string[] = [];
  for (const p of storeProblems) lines.push(`${p.repaired ? "repaired" : "problem"}: ${p.message}`);
  for (const p of containers.problems) lines.push(`problem: ${p}`);
  const left = storeProblems.filter((p) => !p.repaired).length + containers.problems.length;
  lines.push(
    `checked ${report.blobs} blobs, ${report.images} images, ${report.layers} layers, ` +
      `${containers.count} containers: ${
        left === 0 ? "no problems found" : `${left} problem${left === 1 ? "" : "s"}`
      }`,
  );
  console.log(lines.join("\n"));
  return left === 0 ? 0 : 1;
}

if (import.meta.main) Deno.exit(await main(Deno.args));
