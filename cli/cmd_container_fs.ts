/**
 * Container file-system commands: diff, export, cp, commit.
 *
 * @module
 */
import { flagList, flagString, type ParsedArgs, UsageError } from "./_args.ts";
import type { Context } from "./_context.ts";

/** `berth diff`. */
export async function diff(ctx: Context, args: ParsedArgs): Promise<number> {
  const changes = await ctx.api.json<{ Path: string; Kind: number }[] | null>(
    "GET",
    `/containers/${args.positionals[0]}/changes`,
  );
  for (const c of changes ?? []) ctx.out(`${["C", "A", "D"][c.Kind] ?? "?"} ${c.Path}`);
  return 0;
}

async function toOutput(
  ctx: Context,
  stream: AsyncGenerator<Uint8Array>,
  output: string | undefined,
): Promise<void> {
  if (output === undefined && Deno.stdout.isTerminal()) {
    throw new UsageError("cowardly refusing to save to a terminal. Use the -o flag or redirect");
  }
  const file = output
    ? await Deno.open(output, { write: true, create: true, truncate: true })
    : undefined;
  try {
    for await (const piece of stream) {
      if (file) {
        let rest = piece;
        while (rest.length > 0) rest = rest.subarray(await file.write(rest));
      } else await ctx.write(piece);
    }
  } finally {
    file?.close();
  }
}

/** `berth export`. */
export async function exportContainer(ctx: Context, args: ParsedArgs): Promise<number> {
  const res = await ctx.api.ok("GET", `/containers/${args.positionals[0]}/export`);
  await toOutput(ctx, res.stream(), flagString(args, "output"));
  return 0;
}

function splitCpArg(arg: string): { container?: string; path: string } {
  if (arg === "-" || arg.startsWith("/") || arg.startsWith(".")) return { path: arg };
  const colon = arg.indexOf(":");
  if (colon <= 0) return { path: arg };
  return { container: arg.slice(0, colon), path: arg.slice(colon + 1) };
}

/** `berth cp`: tar streams both ways, as `docker cp`. */
export async function cp(ctx: Context, args: ParsedArgs): Promise<number> {
  const [srcArg, dstArg] = args.positionals as [string, string];
  const src = splitCpArg(srcArg);
  const dst = splitCpArg(dstArg);
  if (src.container && dst.container) {
    throw new UsageError("copying between containers is not supported");
  }
  if (!src.container && !dst.container) {
    throw new UsageError("must specify at least one container source");
  }
  if (src.container) {
    const res = await ctx.api.ok("GET", `/containers/${src.container}/archive`, {
      query: { path: src.path },
    });
    const tar = await res.bytes();
    if (dst.path === "-") {
      await ctx.write(tar);
      return 0;
    }
    const { extractTarTo } = await import("./_tar_fs.ts");
    await extractTarTo(tar, dst.path);
    return 0;
  }
  const { tarOfPath } = await import("./_tar_fs.ts");
  // As docker cp: into DST when it is a directory, else as DST (a new name in its parent).
  let dir = dst.path;
  let name: string | undefined;
  const head = await ctx.api.call("HEAD", `/containers/${dst.container}/archive`, {
    query: { path: dst.path },
  });
  await head.bytes();
  const statText = head.headers.get("x-docker-container-path-stat");
  const isDir = head.status === 200 && statText !== null &&
    (JSON.parse(atob(statText)) as { mode: number }).mode >= 2 ** 31;
  if (!isDir && !dst.path.endsWith("/")) {
    const at = dst.path.lastIndexOf("/");
    dir = at <= 0 ? "/" : dst.path.slice(0, at);
    name = dst.path.slice(at + 1);
  }
  const body = src.path === "-"
    ? new Uint8Array(await new Response(Deno.stdin.readable).arrayBuffer())
    : await tarOfPath(src.path, name);
  const res = await ctx.api.ok("PUT", `/containers/${dst.container}/archive`, {
    query: { path: dir },
    body,
    contentType: "application/x-tar",
  });
  await res.bytes();
  return 0;
}

/** `berth commit`. */
export async function commit(ctx: Context, args: ParsedArgs): Promise<number> {
  const [ref, target] = args.positionals as [string, string | undefined];
  let repo: string | undefined;
  let tag: string | undefined;
  if (target) {
    const at = target.lastIndexOf(":");
    if (at > target.lastIndexOf("/")) {
      repo = target.slice(0, at);
      tag = target.slice(at + 1);
    } else repo = target;
  }
  const q = new URLSearchParams();
  q.set("container", ref);
  if (repo) q.set("repo", repo);
  if (tag) q.set("tag", tag);
  const msg = flagString(args, "message");
  if (msg) q.set("comment", msg);
  const author = flagString(args, "author");
  if (author) q.set("author", author);
  if (args.flags.pause === false) q.set("pause", "0");
  for (const c of flagList(args, "change")) q.append("changes", c);
  const r = await ctx.api.json<{ Id: string }>("POST", `/commit?${q}`);
  ctx.out(r.Id);
  return 0;
}
