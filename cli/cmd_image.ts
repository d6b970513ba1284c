/**
 * Image commands: images, rmi, tag, history, inspect, save, load, import, build, prune.
 *
 * @module
 */
import { flagBool, flagList, flagString, type ParsedArgs, UsageError } from "./_args.ts";
import { DaemonError } from "./_client.ts";
import type { Context } from "./_context.ts";
import { compileTemplate, formatList, humanSize, timeAgo } from "./_format.ts";

interface ImageRow {
  Id: string;
  RepoTags: string[];
  RepoDigests: string[];
  Created: number;
  Size: number;
  Containers: number;
}

function shortId(id: string, noTrunc: boolean): string {
  return noTrunc ? id : id.replace(/^sha256:/, "").slice(0, 12);
}

/** `berth images`. */
export async function images(ctx: Context, args: ParsedArgs): Promise<number> {
  const filters: Record<string, string[]> = {};
  for (const f of flagList(args, "filter")) {
    const eq = f.indexOf("=");
    (filters[eq < 0 ? f : f.slice(0, eq)] ??= []).push(eq < 0 ? "" : f.slice(eq + 1));
  }
  if (args.positionals[0]) (filters.reference ??= []).push(args.positionals[0]);
  const list = await ctx.api.json<ImageRow[]>("GET", "/images/json", {
    query: { filters: Object.keys(filters).length ? JSON.stringify(filters) : undefined },
  });
  const noTrunc = flagBool(args, "no-trunc");
  if (flagBool(args, "quiet")) {
    const seen = new Set<string>();
    for (const i of list) {
      const id = shortId(i.Id, noTrunc);
      if (!seen.has(id)) ctx.out(id);
      seen.add(id);
    }
    return 0;
  }
  const now = Date.now();
  const rows = list.flatMap((i) => {
    const tags = i.RepoTags.length ? i.RepoTags : ["<none>:<none>"];
    return tags.map((t) => {
      const at = t.lastIndexOf(":");
      return {
        ID: shortId(i.Id, noTrunc),
        Repository: t.slice(0, at),
        Tag: t.slice(at + 1),
        Digest: i.RepoDigests[0]?.split("@")[1] ?? "<none>",
        CreatedSince: timeAgo(i.Created * 1000, now),
        CreatedAt: new Date(i.Created * 1000).toISOString(),
        Size: humanSize(i.Size),
        Containers: String(i.Containers),
      };
    });
  });
  const def = flagBool(args, "digests")
    ? "table {{.Repository}}\t{{.Tag}}\t{{.Digest}}\t{{.ID}}\t{{.CreatedSince}}\t{{.Size}}"
    : "table {{.Repository}}\t{{.Tag}}\t{{.ID}}\t{{.CreatedSince}}\t{{.Size}}";
  const text = formatList(rows, flagString(args, "format") ?? "", def, {
    ID: "IMAGE ID",
    CreatedSince: "CREATED",
    CreatedAt: "CREATED AT",
  });
  if (text !== "") ctx.out(text);
  return 0;
}

/** `berth rmi`. */
export async function rmi(ctx: Context, args: ParsedArgs): Promise<number> {
  let failed = false;
  for (const ref of args.positionals) {
    try {
      const r = await ctx.api.json<({ Untagged?: string; Deleted?: string })[]>(
        "DELETE",
        `/images/${ref}`,
        {
          query: {
            force: flagBool(args, "force") ? 1 : undefined,
            noprune: flagBool(args, "no-prune") ? 1 : undefined,
          },
        },
      );
      for (const x of r) ctx.out(x.Untagged ? `Untagged: ${x.Untagged}` : `Deleted: ${x.Deleted}`);
    } catch (err) {
      if (!(err instanceof DaemonError)) throw err;
      ctx.err(`Error response from daemon: ${err.message}`);
      failed = true;
    }
  }
  return failed ? 1 : 0;
}

/** `berth tag`. */
export async function tag(ctx: Context, args: ParsedArgs): Promise<number> {
  const [src, target] = args.positionals as [string, string];
  const at = target.lastIndexOf(":");
  const hasTag = at > target.lastIndexOf("/");
  const res = await ctx.api.ok("POST", `/images/${src}/tag`, {
    query: {
      repo: hasTag ? target.slice(0, at) : target,
      tag: hasTag ? target.slice(at + 1) : "latest",
    },
  });
  await res.bytes();
  return 0;
}

/** `berth history`. */
export async function history(ctx: Context, args: ParsedArgs): Promise<number> {
  const rows = await ctx.api.json<
    { Id: string; Created: number; CreatedBy: string; Size: number; Comment: string }[]
  >(
    "GET",
    `/images/${args.positionals[0]}/history`,
  );
  const noTrunc = flagBool(args, "no-trunc");
  if (flagBool(args, "quiet")) {
    for (const r of rows) ctx.out(r.Id === "<missing>" ? r.Id : shortId(r.Id, noTrunc));
    return 0;
  }
  const now = Date.now();
  const human = args.flags.human !== false;
  const out = rows.map((r) => ({
    ID: r.Id === "<missing>" ? r.Id : shortId(r.Id, noTrunc),
    CreatedSince: human ? timeAgo(r.Created * 1000, now) : new Date(r.Created * 1000).toISOString(),
    CreatedBy: noTrunc || r.CreatedBy.length <= 45 ? r.CreatedBy : `${r.CreatedBy.slice(0, 44)}…`,
    Size: human ? humanSize(r.Size) : String(r.Size),
    Comment: r.Comment,
  }));
  ctx.out(
    formatList(
      out,
      flagString(args, "format") ?? "",
      "table {{.ID}}\t{{.CreatedSince}}\t{{.CreatedBy}}\t{{.Size}}\t{{.Comment}}",
      {
        ID: "IMAGE",
        CreatedSince: "CREATED",
        CreatedBy: "CREATED BY",
      },
    ),
  );
  return 0;
}

/** `berth image inspect`. */
export async function inspectImage(ctx: Context, args: ParsedArgs): Promise<number> {
  const found: unknown[] = [];
  let failed = false;
  for (const ref of args.positionals) {
    try {
      found.push(await ctx.api.json("GET", `/images/${ref}/json`));
    } catch (err) {
      if (!(err instanceof DaemonError)) throw err;
      ctx.err(`Error: No such image: ${ref}`);
      failed = true;
    }
  }
  const format = flagString(args, "format") ?? "";
  if (format === "" || format === "json") ctx.out(JSON.stringify(found, null, 4));
  else for (const v of found) ctx.out(compileTemplate(format).render(v));
  return failed ? 1 : 0;
}

/** `berth image prune`. */
export async function prune(ctx: Context, args: ParsedArgs): Promise<number> {
  const r = await ctx.api.json<
    { ImagesDeleted: { Untagged?: string; Deleted?: string }[] | null; SpaceReclaimed: number }
  >(
    "POST",
    "/images/prune",
    {
      query: {
        filters: flagBool(args, "all") ? JSON.stringify({ dangling: ["false"] }) : undefined,
      },
    },
  );
  if (r.ImagesDeleted?.length) {
    ctx.out(
      [
        "Deleted Images:",
        ...r.ImagesDeleted.map((d) =>
          d.Deleted ? `deleted: ${d.Deleted}` : `untagged: ${d.Untagged}`
        ),
        "",
      ].join("\n"),
    );
  }
  ctx.out(`Total reclaimed space: ${humanSize(r.SpaceReclaimed)}`);
  return 0;
}

/**
 * Count bytes passing through, showing "<verb> 12.3MB" on a terminal (stderr), updated in
 * place; nothing when stderr is not a terminal (plain output stays clean).
 */
async function* progress(
  verb: string,
  source: AsyncIterable<Uint8Array>,
): AsyncGenerator<Uint8Array> {
  const tty = Deno.stderr.isTerminal();
  const enc = new TextEncoder();
  let total = 0;
  let shown = 0;
  const show = (final: boolean) => {
    if (!tty) return;
    Deno.stderr.writeSync(
      enc.encode(`\r${verb} ${humanSize(total).padEnd(8)}${final ? "\n" : ""}`),
    );
  };
  for await (const chunk of source) {
    total += chunk.length;
    if (total - shown >= 256 * 1024) {
      shown = total;
      show(false);
    }
    yield chunk;
  }
  show(true);
}

async function* fileOrStdin(path: string | undefined): AsyncGenerator<Uint8Array> {
  if (path === undefined || path === "-") {
    if (Deno.stdin.isTerminal()) {
      throw new UsageError("requested load from stdin, but stdin is empty");
    }
    for await (const c of Deno.stdin.readable) yield c;
    return;
  }
  const f = await Deno.open(path);
  for await (const c of f.readable) yield c;
}

/** Print a JSON-lines progress stream (`{"stream": …}`, `{"status": …}`, `{"error": …}`). */
async function printProgress(
  ctx: Context,
  stream: AsyncGenerator<Uint8Array>,
  quiet: boolean,
  onStream: (text: string) => void | Promise<void> = (text) =>
    ctx.write(new TextEncoder().encode(text)),
): Promise<{ error?: string; aux: unknown[] }> {
  const dec = new TextDecoder();
  let pending = "";
  const aux: unknown[] = [];
  let error: string | undefined;
  for await (const piece of stream) {
    pending += dec.decode(piece, { stream: true });
    let nl: number;
    while ((nl = pending.indexOf("\n")) >= 0) {
      const line = pending.slice(0, nl).trim();
      pending = pending.slice(nl + 1);
      if (!line) continue;
      let m: {
        stream?: string;
        status?: string;
        error?: string;
        errorDetail?: { message?: string };
        aux?: unknown;
      };
      try {
        m = JSON.parse(line);
      } catch {
        if (!quiet) ctx.out(line);
        continue;
      }
      if (m.error) error = m.errorDetail?.message ?? m.error;
      else if (m.aux !== undefined) aux.push(m.aux);
      else if (!quiet && m.stream) await onStream(m.stream);
      else if (!quiet && m.status) ctx.out(m.status);
    }
  }
  return { error, aux };
}

/** `berth load`. */
export async function load(ctx: Context, args: ParsedArgs): Promise<number> {
  const res = await ctx.api.ok("POST", "/images/load", {
    query: { quiet: flagBool(args, "quiet") ? 1 : undefined },
    body: progress("Loading", fileOrStdin(flagString(args, "input"))),
    contentType: "application/x-tar",
  });
  const r = await printProgress(ctx, res.stream(), false);
  if (r.error) {
    ctx.err(`Error response from daemon: ${r.error}`);
    return 1;
  }
  return 0;
}

/** `berth save`. */
export async function save(ctx: Context, args: ParsedArgs): Promise<number> {
  const output = flagString(args, "output");
  if (output === undefined && Deno.stdout.isTerminal()) {
    throw new UsageError("cowardly refusing to save to a terminal. Use the -o flag or redirect");
  }
  const q = new URLSearchParams();
  for (const n of args.positionals) q.append("names", n);
  const res = await ctx.api.ok("GET", `/images/get?${q}`);
  const file = output
    ? await Deno.open(output, { write: true, create: true, truncate: true })
    : undefined;
  try {
    for await (const piece of progress("Saving", res.stream())) {
      if (file) {
        let rest = piece;
        while (rest.length > 0) rest = rest.subarray(await file.write(rest));
      } else await ctx.write(piece);
    }
  } finally {
    file?.close();
  }
  return 0;
}

/** `berth import`. */
export async function importImage(ctx: Context, args: ParsedArgs): Promise<number> {
  const [src, ref] = args.positionals as [string, string | undefined];
  const q = new URLSearchParams({ fromSrc: "-" });
  if (ref) {
    const at = ref.lastIndexOf(":");
    if (at > ref.lastIndexOf("/")) {
      q.set("repo", ref.slice(0, at));
      q.set("tag", ref.slice(at + 1));
    } else q.set("repo", ref);
  }
  const msg = flagString(args, "message");
  if (msg) q.set("message", msg);
  for (const c of flagList(args, "change")) q.append("changes", c);
  const res = await ctx.api.ok("POST", `/images/create?${q}`, {
    body: progress("Importing", fileOrStdin(src)),
    contentType: "application/x-tar",
  });
  const r = await printProgress(ctx, res.stream(), true);
  if (r.error) {
    ctx.err(`Error response from daemon: ${r.error}`);
    return 1;
  }
  const id = (r.aux.at(-1) as { ID?: string } | undefined)?.ID;
  if (id) ctx.out(id);
  return 0;
}

/** Read all of stdin, refusing a terminal (nothing was piped or redirected). */
async function readStdin(what: string): Promise<Uint8Array> {
  if (Deno.stdin.isTerminal()) {
    throw new UsageError(
      `${what} is read from stdin, but stdin is a terminal: pipe or redirect it`,
    );
  }
  return new Uint8Array(await new Response(Deno.stdin.readable).arrayBuffer());
}

/**
 * `berth build`: the context is sent as a tar, as Docker does. `-f -` reads the Dockerfile
 * from stdin (it travels in the tar), `-` reads the context tar from stdin. The CLI's
 * `SOURCE_DATE_EPOCH` becomes the build arg of that name unless `--build-arg` gives it (as
 * buildx does; an empty value means none); `--reproducible` fixes timestamps at 0 when no
 * epoch is given.
 */
export async function build(ctx: Context, args: ParsedArgs): Promise<number> {
  const dir = args.positionals[0]!;
  const file = flagString(args, "file");
  const { resolveProgressMode, makeProgressDisplay } = await import("./_build_progress.ts");
  const asked = resolveProgressMode(
    flagString(args, "progress"),
    Deno.env.get("BUILDKIT_PROGRESS"),
    Deno.stdout.isTerminal(),
  );
  const mode = flagBool(args, "quiet") ? "quiet" : asked;
  if (dir === "-" && file === "-") {
    throw new UsageError("invalid argument: can't use stdin for both build context and dockerfile");
  }
  const q = new URLSearchParams();
  let body: Uint8Array;
  if (dir === "-") {
    body = await readStdin("the build context (a tar)");
    if (file) q.set("dockerfile", file);
  } else {
    const { tarOfContext } = await import("./_build_context.ts");
    const packed = await tarOfContext(
      dir,
      file === "-"
        ? { text: new TextDecoder().decode(await readStdin("the Dockerfile (-f -)")) }
        : file !== undefined
        ? { path: file }
        : undefined,
    );
    body = packed.tar;
    if (packed.dockerfile) q.set("dockerfile", packed.dockerfile);
  }
  for (const t of flagList(args, "tag")) q.append("t", t);
  const buildArgs: Record<string, string> = {};
  for (const a of flagList(args, "build-arg")) {
    const eq = a.indexOf("=");
    buildArgs[eq < 0 ? a : a.slice(0, eq)] = eq < 0 ? (Deno.env.get(a) ?? "") : a.slice(eq + 1);
  }
  const epoch = Deno.env.get("SOURCE_DATE_EPOCH");
  if (epoch !== undefined && !("SOURCE_DATE_EPOCH" in buildArgs)) {
    buildArgs.SOURCE_DATE_EPOCH = epoch;
  }
  // BuildKit reads an empty SOURCE_DATE_EPOCH as none: `--build-arg SOURCE_DATE_EPOCH=` turns
  // the environment's off.
  if (buildArgs.SOURCE_DATE_EPOCH === "") delete buildArgs.SOURCE_DATE_EPOCH;
  q.set("buildargs", JSON.stringify(buildArgs));
  const labels: Record<string, string> = {};
  for (const a of flagList(args, "label")) {
    const eq = a.indexOf("=");
    labels[eq < 0 ? a : a.slice(0, eq)] = eq < 0 ? "" : a.slice(eq + 1);
  }
  q.set("labels", JSON.stringify(labels));
  if (flagBool(args, "no-cache")) q.set("nocache", "1");
  if (flagBool(args, "reproducible")) q.set("reproducible", "1");
  const target = flagString(args, "target");
  if (target) q.set("target", target);
  const quiet = mode === "quiet";
  if (quiet) q.set("q", "1");
  const mem = flagString(args, "memory");
  if (mem) q.set("memory", String((await import("./_run_request.ts")).parseBytes(mem, "memory")));
  const cpus = flagString(args, "cpus");
  if (cpus) q.set("cpuquota", String(Math.round(Number(cpus) * 100000)));
  if (!quiet) ctx.err(`Sending build context to Berth daemon  ${humanSize(body.length)}`);
  const res = await ctx.api.ok("POST", `/build?${q}`, { body, contentType: "application/x-tar" });
  const enc = new TextEncoder();
  const size = Deno.stdout.isTerminal() ? Deno.consoleSize() : undefined;
  const display = makeProgressDisplay(mode, (text) => ctx.write(enc.encode(text)), {
    width: size?.columns,
    height: size?.rows,
    color: Deno.stdout.isTerminal() && !Deno.env.get("NO_COLOR"),
  });
  let r: { error?: string; aux: unknown[] };
  try {
    r = await printProgress(ctx, res.stream(), quiet, (text) => display.write(text));
  } finally {
    await display.close();
  }
  if (r.error) {
    ctx.err(`ERROR: ${r.error}`);
    return 1;
  }
  const id = (r.aux.at(-1) as { ID?: string } | undefined)?.ID;
  if (quiet && id) ctx.out(id);
  const iidfile = flagString(args, "iidfile");
  if (iidfile && id) {
    // Written only once the image exists, and atomically, as docker build --iidfile.
    const tmp = `${iidfile}.tmp-${Deno.pid}`;
    await Deno.writeTextFile(tmp, id);
    await Deno.rename(tmp, iidfile);
  }
  return 0;
}
