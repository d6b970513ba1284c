/**
 * Running other programs: PATH search (execvp rules) and spawn-and-wait, for env, xargs,
 * find -exec, timeout and nice.
 *
 * @module
 */
import { Errno, isErrno } from "../kernel/errno.ts";
import { AT, W } from "../kernel/syscalls/api.ts";
import type { SpawnOptions, Syscalls } from "../kernel/syscalls/api.ts";

/** PATH used when the environment has none (glibc's default for execvp). */
export const DEFAULT_PATH = "/usr/local/bin:/usr/bin:/bin";

/**
 * Resolve a command name as execvp does: names with a `/` are used as they are; others
 * are looked up in each PATH directory for an executable regular file.
 *
 * @param sys System calls.
 * @param name Command name.
 * @param env Environment whose PATH applies (default: the process's).
 * @returns The path, or `ENOENT`/`EACCES`.
 */
export function findInPath(sys: Syscalls, name: string, env?: string[]): string | Errno {
  if (name === "") return Errno.ENOENT;
  if (name.includes("/")) return name;
  const pathVar = (env ?? sys.environ()).find((e) => e.startsWith("PATH="))?.slice(5) ??
    DEFAULT_PATH;
  let denied = false;
  for (const dir of pathVar.split(":")) {
    const p = `${dir || "."}/${name}`;
    const st = sys.fstatat(AT.FDCWD, p, 0);
    if (isErrno(st) || (st.mode & 0o170000) !== 0o100000) continue;
    if (sys.faccessat(AT.FDCWD, p, 1, AT.EACCESS) === 0) return p;
    denied = true;
  }
  return denied ? Errno.EACCES : Errno.ENOENT;
}

/** Outcome of {@link spawnAndWait}. */
export type RunOutcome =
  | { ok: true; status: number; exitCode: number; signal: number | null; pid: number }
  | { ok: false; errno: Errno };

/**
 * Spawn a program and wait for it.
 *
 * @param sys System calls.
 * @param opts Spawn options.
 * @param onStart Called with the pid once started (e.g. to arm a timer).
 * @returns The wait status, or the spawn error.
 */
export async function spawnAndWait(
  sys: Syscalls,
  opts: SpawnOptions,
  onStart?: (pid: number) => void,
): Promise<RunOutcome> {
  const pid = await sys.spawn(opts);
  if (isErrno(pid)) return { ok: false, errno: pid };
  onStart?.(pid);
  for (;;) {
    const r = await sys.wait4(pid, 0);
    if (r === Errno.EINTR) continue;
    if (isErrno(r)) return { ok: false, errno: r };
    const signal = W.IFSIGNALED(r.status) ? W.TERMSIG(r.status) : null;
    return {
      ok: true,
      status: r.status,
      exitCode: signal !== null ? 128 + signal : W.EXITSTATUS(r.status),
      signal,
      pid,
    };
  }
}
