/**
 * `start`, `attach`, `exec` and the attached `run` (`-it`, `-i`, `-d`, `--cidfile`): the
 * commands that attach a session (framed or TTY stream, stdin, window size, detach keys) to a
 * container or an exec process, with Docker's exit codes.
 *
 * @module
 */
import { flagBool, flagString, type ParsedArgs, UsageError } from "./_args.ts";
import { DaemonError } from "./_client.ts";
import type { Context } from "./_context.ts";
import { ExitError } from "./_errors.ts";
import { runSession } from "./_attach.ts";
import { createContainer, envList, startFailure } from "./cmd_run.ts";
import { signalProxy } from "./_run_client.ts";

/** `berth start`. */
export async function start(ctx: Context, args: ParsedArgs): Promise<number> {
  const attach = flagBool(args, "attach") || flagBool(args, "interactive");
  if (attach) {
    if (args.positionals.length > 1) {
      throw new UsageError("you cannot start and attach multiple containers at once");
    }
    const ref = args.positionals[0]!;
    const info = await ctx.api.json<{ Id: string; Config: { Tty: boolean } }>(
      "GET",
      `/containers/${ref}/json`,
    );
    const session = await ctx.api.ok("POST", `/containers/${info.Id}/attach`, {
      query: { stream: 1, stdin: flagBool(args, "interactive") ? 1 : 0, stdout: 1, stderr: 1 },
      upgrade: true,
    });
    const wait = await ctx.api.ok("POST", `/containers/${info.Id}/wait`, {
      query: { condition: "next-exit" },
    });
    const result = wait.json() as Promise<{ StatusCode: number }>;
    result.catch(() => {});
    try {
      await ctx.api.ok("POST", `/containers/${info.Id}/start`).then((r) => r.bytes());
    } catch (err) {
      session.close();
      wait.close();
      startFailure(err);
    }
    const end = await runSession(session, {
      tty: info.Config.Tty,
      stdin: flagBool(args, "interactive"),
    });
    if (end.detached) return 0;
    return (await result).StatusCode;
  }
  let failed = false;
  for (const ref of args.positionals) {
    try {
      await ctx.api.ok("POST", `/containers/${ref}/start`).then((r) => r.bytes());
      ctx.out(ref);
    } catch (err) {
      if (!(err instanceof DaemonError)) throw err;
      ctx.err(`Error response from daemon: ${err.message}`);
      failed = true;
    }
  }
  if (failed) throw new ExitError(1, "Error: failed to start containers");
  return 0;
}

/** `berth attach`. */
export async function attach(ctx: Context, args: ParsedArgs): Promise<number> {
  const ref = args.positionals[0]!;
  const info = await ctx.api.json<
    { Id: string; State: { Running: boolean }; Config: { Tty: boolean; OpenStdin: boolean } }
  >(
    "GET",
    `/containers/${ref}/json`,
  );
  if (!info.State.Running) {
    throw new ExitError(1, "You cannot attach to a stopped container, start it first");
  }
  const stdin = info.Config.OpenStdin && !flagBool(args, "no-stdin");
  const wait = await ctx.api.ok("POST", `/containers/${info.Id}/wait`, {
    query: { condition: "next-exit" },
  });
  const result = wait.json() as Promise<{ StatusCode: number }>;
  result.catch(() => {});
  const session = await ctx.api.ok("POST", `/containers/${info.Id}/attach`, {
    query: { stream: 1, stdin: stdin ? 1 : 0, stdout: 1, stderr: 1 },
    upgrade: true,
  });
  const end = await runSession(session, { tty: info.Config.Tty, stdin });
  if (end.detached) {
    wait.close();
    return 0;
  }
  return (await result).StatusCode;
}

/** `berth exec`. */
export async function exec(ctx: Context, args: ParsedArgs): Promise<number> {
  const [ref, ...cmd] = args.positionals as [string, ...string[]];
  const tty = flagBool(args, "tty");
  const interactive = flagBool(args, "interactive");
  const detach = flagBool(args, "detach");
  const { Id } = await ctx.api.json<{ Id: string }>("POST", `/containers/${ref}/exec`, {
    json: {
      Cmd: cmd,
      Env: await envList(args),
      WorkingDir: flagString(args, "workdir") ?? "",
      User: flagString(args, "user") ?? "",
      Tty: tty,
      AttachStdin: interactive && !detach,
      AttachStdout: !detach,
      AttachStderr: !detach,
    },
  });
  if (detach) {
    try {
      await ctx.api.ok("POST", `/exec/${Id}/start`, { json: { Detach: true, Tty: tty } }).then((
        r,
      ) => r.bytes());
    } catch (err) {
      startFailure(err);
    }
    return 0;
  }
  const session = await ctx.api.ok("POST", `/exec/${Id}/start`, {
    json: { Detach: false, Tty: tty },
    upgrade: true,
  });
  await runSession(session, {
    tty,
    stdin: interactive,
    resize: (h, w) => {
      ctx.api.call("POST", `/exec/${Id}/resize`, { query: { h, w } }).then((r) => r.bytes()).catch(
        () => {},
      );
    },
  });
  const info = await ctx.api.json<{ ExitCode: number | null; Running: boolean }>(
    "GET",
    `/exec/${Id}/json`,
  );
  return info.ExitCode ?? 0;
}

/**
 * `berth run` as Docker's client does it: create, then start detached or attached (with a
 * terminal, stdin, `-d` or `--cidfile`; `cmd_run.ts` runs the rest in one request).
 *
 * @param ctx The command's context.
 * @param args Parsed flags.
 * @param mode `-d`, `-t`, `-i`.
 * @returns The exit code.
 * @example
 * ```ts ignore
 * const code = await runAttached(ctx, parsed, { detach: false, tty: true, interactive: true });
 * ```
 */
export async function runAttached(
  ctx: Context,
  args: ParsedArgs,
  { detach, tty, interactive }: { detach: boolean; tty: boolean; interactive: boolean },
): Promise<number> {
  const id = await createContainer(ctx, args);
  if (tty && interactive && !Deno.stdin.isTerminal()) {
    ctx.err("the input device is not a TTY");
    return 1;
  }
  if (detach) {
    try {
      await ctx.api.ok("POST", `/containers/${id}/start`).then((r) => r.bytes());
    } catch (err) {
      startFailure(err);
    }
    ctx.out(id);
    return 0;
  }
  // Attach and wait are both in place before the start, as Docker's client does.
  const [attach, wait] = await Promise.all([
    ctx.api.ok("POST", `/containers/${id}/attach`, {
      query: { stream: 1, stdin: interactive ? 1 : 0, stdout: 1, stderr: 1 },
      upgrade: true,
    }),
    ctx.api.ok("POST", `/containers/${id}/wait`, {
      query: { condition: flagBool(args, "rm") ? "removed" : "next-exit" },
    }),
  ]);
  const waitResult = wait.json() as Promise<{ StatusCode: number }>;
  waitResult.catch(() => {}); // settled below, or abandoned when the start fails
  try {
    await ctx.api.ok("POST", `/containers/${id}/start`).then((r) => r.bytes());
  } catch (err) {
    attach.close();
    wait.close();
    if (flagBool(args, "rm")) {
      await ctx.api.call("DELETE", `/containers/${id}`, { query: { force: 1 } }).then((r) =>
        r.bytes()
      ).catch(() => {});
    }
    startFailure(err);
  }
  const proxy = !tty && args.flags["sig-proxy"] !== false ? signalProxy(ctx, id) : undefined;
  const end = await runSession(attach, {
    tty,
    stdin: interactive,
    resize: (h, w) => {
      ctx.api.call("POST", `/containers/${id}/resize`, { query: { h, w } }).then((r) => r.bytes())
        .catch(() => {});
    },
  });
  proxy?.();
  if (end.detached) {
    wait.close();
    return 0;
  }
  const { StatusCode } = await waitResult;
  return StatusCode;
}
