/**
 * `cd` and `pwd`, with logical paths (`PWD` keeps symlinked names, `..` is resolved
 * textually) as POSIX `-L` mode.
 *
 * @module
 */
import { posix } from "node:path";
import { Errno } from "../../kernel/errno.ts";
import type { Shell } from "./shell.ts";

/**
 * `cd [-L|-P] [dir|-]`.
 *
 * @param sh The shell.
 * @param argv Arguments.
 * @returns 0, or 2 when the directory cannot be entered (dash's status).
 */
export async function cd(sh: Shell, argv: string[]): Promise<number> {
  const args = argv.slice(1);
  let physical = false;
  while (args[0] === "-L" || args[0] === "-P") physical = args.shift() === "-P";
  if (args[0] === "--") args.shift();
  let target = args[0];
  let print = false;
  if (target === undefined) {
    target = sh.lookup("HOME");
    if (target === undefined || target === "") return 0;
  } else if (target === "-") {
    target = sh.lookup("OLDPWD") ?? "";
    print = true;
  }
  const oldPwd = sh.lookup("PWD") ?? currentDir(sh);
  let dest = target;
  if (!dest.startsWith("/")) {
    let found: string | undefined;
    const first = dest.split("/")[0];
    if (first !== "." && first !== "..") {
      for (const dir of (sh.lookup("CDPATH") ?? "").split(":").filter((d) => d !== "")) {
        const cand = posix.join(dir.startsWith("/") ? dir : posix.join(oldPwd, dir), dest);
        const st = sh.sys.fstatat(-100, cand, 0);
        if (typeof st === "object" && (st.mode & 0o170000) === 0o040000) {
          found = cand;
          print = true;
          break;
        }
      }
    }
    dest = found ?? posix.join(oldPwd, dest);
  }
  dest = posix.normalize(dest);
  if (sh.subshell && sh.restore.cwd === undefined) {
    const before = sh.sys.getcwd();
    if (typeof before === "string") sh.restore.cwd = before;
  }
  const r = sh.sys.chdir(dest);
  if (r !== 0) {
    await sh.error(`cd: can't cd to ${target}`);
    return 2;
  }
  let pwd = dest;
  if (physical) {
    const real = sh.sys.getcwd();
    if (typeof real === "string") pwd = real;
  }
  sh.setVar("OLDPWD", oldPwd);
  sh.setVar("PWD", pwd);
  if (print) await sh.print(1, pwd + "\n");
  return 0;
}

function currentDir(sh: Shell): string {
  const c = sh.sys.getcwd();
  return typeof c === "string" ? c : "/";
}

/**
 * `pwd [-L|-P]`.
 *
 * @param sh The shell.
 * @param argv Arguments.
 * @returns 0.
 */
export async function pwd(sh: Shell, argv: string[]): Promise<number> {
  const physical = argv.includes("-P");
  let dir = physical ? undefined : sh.lookup("PWD");
  if (dir === undefined || !dir.startsWith("/")) {
    const c = sh.sys.getcwd();
    if (typeof c !== "string") {
      await sh.error(`pwd: ${c === Errno.ENOENT ? "No such file or directory" : "error"}`);
      return 2;
    }
    dir = c;
  }
  await sh.print(1, dir + "\n");
  return 0;
}
