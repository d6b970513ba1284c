/**
 * Redirections (POSIX 2.7): `< > >> >| <> <& >& <<  <<-` applied to the shell's
 * virtual fd table. Opened files are owned by the table (see `fd_table.ts`).
 *
 * @module
 */
import { Errno } from "../../kernel/errno.ts";
import { O } from "../../kernel/syscalls/api.ts";
import type { Redir } from "./ast.ts";
import { expandString, expandWord } from "./expand.ts";
import { MemFile } from "./fd_table.ts";
import type { Shell } from "./shell.ts";
import { ShellError } from "./state.ts";

const AT_FDCWD = -100;

function openFlags(op: Redir["op"], noclobber: boolean): number {
  switch (op) {
    case "<":
      return O.RDONLY;
    case ">":
      return O.WRONLY | O.CREAT | O.TRUNC | (noclobber ? O.EXCL : 0);
    case ">|":
      return O.WRONLY | O.CREAT | O.TRUNC;
    case ">>":
      return O.WRONLY | O.CREAT | O.APPEND;
    default:
      return O.RDWR | O.CREAT;
  }
}

/** dash's wording for a failed open. */
function openError(op: Redir["op"], path: string, err: number): string {
  const reason = err === Errno.ENOENT
    ? op === "<" ? "No such file" : "Directory nonexistent"
    : err === Errno.EACCES
    ? "Permission denied"
    : err === Errno.EISDIR
    ? "Is a directory"
    : err === Errno.EEXIST
    ? "File exists"
    : err === Errno.ENOTDIR
    ? "Not a directory"
    : err === Errno.EROFS
    ? "Read-only file system"
    : `error ${-err}`;
  return `${op === "<" ? "cannot open" : "cannot create"} ${path}: ${reason}`;
}

/**
 * Applies redirections to `sh.fds` in order. Errors are reported on stderr.
 *
 * @param sh The shell (its `fds` is modified).
 * @param redirs Redirections.
 * @returns false when one failed (the command must not run; status 2, as dash).
 * @example
 * ```ts ignore
 * if (!(await applyRedirs(shell, cmd.redirs))) return 1;
 * ```
 */
export async function applyRedirs(sh: Shell, redirs: Redir[]): Promise<boolean> {
  // Queued output belongs to the fds as they were.
  if (redirs.length > 0) await sh.flushOut();
  for (const r of redirs) {
    try {
      if (!(await applyRedir(sh, r))) return false;
    } catch (e) {
      if (e instanceof ShellError) {
        await sh.error(e.message);
        return false;
      }
      throw e;
    }
  }
  return true;
}

async function applyRedir(sh: Shell, r: Redir): Promise<boolean> {
  if (r.op === "<<" || r.op === "<<-") {
    const body = await expandString(r.here!, sh);
    // Held in memory: a spawned reader gets a pipe the shell feeds (spawn_io.ts).
    sh.fds.set(r.fd, new MemFile("in", body));
    return true;
  }
  if (r.op === "<&" || r.op === ">&") {
    const target = await expandString(r.target, sh);
    if (target === "-") {
      sh.fds.close(r.fd);
      return true;
    }
    if (/^[0-9]+$/.test(target)) {
      const real = sh.fds.get(Number(target));
      if (real === undefined) {
        await sh.error(`${target}: Bad file descriptor`);
        return false;
      }
      sh.fds.set(r.fd, real);
      return true;
    }
    if (r.op === "<&") {
      await sh.error(`Syntax error: Bad fd number`);
      return false;
    }
    // `>&file` as bash's `>file 2>&1` is not POSIX; dash rejects it the same way.
    await sh.error(`Syntax error: Bad fd number`);
    return false;
  }
  const fields = await expandWord(r.target, sh);
  const path = fields.length === 1 ? fields[0]! : await expandString(r.target, sh);
  let fd = sh.sys.openat(AT_FDCWD, path, openFlags(r.op, sh.opts.noclobber) | O.CLOEXEC, 0o666);
  if (typeof fd !== "number") fd = await fd;
  if (fd < 0) {
    await sh.error(openError(r.op, path, fd));
    return false;
  }
  const [real] = sh.fds.adopt(sh.sys, [fd]);
  sh.fds.set(r.fd, real!);
  sh.fds.release(real!);
  return true;
}
