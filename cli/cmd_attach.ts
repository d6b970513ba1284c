/**
 * `start`, `attach` and `exec`: the commands that attach a session (framed or TTY stream,
 * stdin, window size, detach keys) to a container or an exec process, with Docker's exit
 * codes.
 *
 * @module
 */
import { flagBool, flagString, type ParsedArgs, UsageError } from "./_args.ts";
import { DaemonError } from "./_client.ts";
import type { Context } from "./_context.ts";
import { ExitError } from "./_errors.ts";
import { runSession } from "./_attach.ts";
import { envList, startFailure } from "./cmd_run.ts";

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
