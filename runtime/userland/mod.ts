/**
 * The Berth userland: BusyBox-style programs reached through `/bin/berthbox` by
 * `argv[0]`. The kernel is given {@link applets}; the base image links `/bin/<name>` for
 * every name in {@link appletNames}.
 *
 * @module
 */
import type { BuiltinMain } from "./_builtin.ts";
import { addgroup, adduser, delgroup, deluser } from "./adduser.ts";
import { arch } from "./arch.ts";
import { awk } from "./awk.ts";
import { basename, dirname } from "./basename.ts";
import { cat } from "./cat.ts";
import { chmod } from "./chmod.ts";
import { chgrp, chown } from "./chown.ts";
import { chroot } from "./chroot.ts";
import { cmp } from "./cmp.ts";
import { cp } from "./cp.ts";
import { cut } from "./cut.ts";
import { date } from "./date.ts";
import { diff } from "./diff.ts";
import { df, du } from "./du.ts";
import { echo } from "./echo.ts";
import { env } from "./env.ts";
import { expr } from "./expr.ts";
import { find } from "./find.ts";
import { flock } from "./flock.ts";
import { free } from "./free.ts";
import { getent } from "./getent.ts";
import { egrep, fgrep, grep } from "./grep.ts";
import { groups } from "./groups.ts";
import { gunzip, gzip, zcat } from "./gzip.ts";
import { head } from "./head.ts";
import { hexdump, od } from "./hexdump.ts";
import { id, whoami } from "./id.ts";
import { install } from "./install.ts";
import { ipcmk, ipcrm, ipcs } from "./ipcs.ts";
import { kill, pgrep, pkill } from "./kill.ts";
import { link } from "./link.ts";
import { ln } from "./ln.ts";
import { ls } from "./ls.ts";
import { mkdir } from "./mkdir.ts";
import { mkfifo } from "./mkfifo.ts";
import { mknod } from "./mknod.ts";
import { renice } from "./renice.ts";
import { mktemp } from "./mktemp.ts";
import { mount, umount } from "./mount.ts";
import { mv } from "./mv.ts";
import { nproc } from "./nproc.ts";
import { printenv } from "./printenv.ts";
import { printf } from "./printf.ts";
import { ps, top } from "./ps.ts";
import { pwd } from "./pwd.ts";
import { readlink, realpath } from "./readlink.ts";
import { rm } from "./rm.ts";
import { rmdir } from "./rmdir.ts";
import { script } from "./script.ts";
import { sed } from "./sed.ts";
import { seq } from "./seq.ts";
import { sh } from "./sh/mod.ts";
import { md5sum, sha1sum, sha256sum, sha512sum } from "./sha256sum.ts";
import { sleep } from "./sleep.ts";
import { sort } from "./sort.ts";
import { stat } from "./stat.ts";
import { stty } from "./stty.ts";
import { sync } from "./sync.ts";
import { nl, paste, rev, tac } from "./tac.ts";
import { tail } from "./tail.ts";
import { tar } from "./tar.ts";
import { tee } from "./tee.ts";
import { test } from "./test.ts";
import { nice, timeout } from "./timeout.ts";
import { touch } from "./touch.ts";
import { tr } from "./tr.ts";
import { falseMain, trueMain } from "./true.ts";
import { truncate } from "./truncate.ts";
import { tty } from "./tty.ts";
import { hostname, uname } from "./uname.ts";
import { uniq } from "./uniq.ts";
import { unlink } from "./unlink.ts";
import { uptime } from "./uptime.ts";
import { usleep } from "./usleep.ts";
import { wc } from "./wc.ts";
import { which } from "./which.ts";
import { xargs } from "./xargs.ts";
import { yes } from "./yes.ts";

export type { BuiltinMain } from "./_builtin.ts";
export type { Syscalls } from "../kernel/syscalls/api.ts";

/**
 * Every applet by name.
 *
 * @example
 * ```ts ignore
 * import { applets } from "./mod.ts";
 * const kernel = new Kernel({ builtins: new Map(Object.entries(applets)) });
 * ```
 */
export const applets: Record<string, BuiltinMain> = {
  "[": test,
  addgroup,
  adduser,
  arch,
  awk,
  basename,
  cat,
  chgrp,
  chmod,
  chown,
  chroot,
  cmp,
  cp,
  cut,
  date,
  delgroup,
  deluser,
  df,
  diff,
  dirname,
  du,
  echo,
  egrep,
  env,
  expr,
  false: falseMain,
  fgrep,
  find,
  flock,
  free,
  getent,
  grep,
  groups,
  gunzip,
  gzip,
  head,
  hexdump,
  hostname,
  id,
  install,
  ipcmk,
  ipcrm,
  ipcs,
  kill,
  link,
  ln,
  ls,
  md5sum,
  mkdir,
  mkfifo,
  mknod,
  renice,
  mktemp,
  mount,
  mv,
  nice,
  nl,
  nproc,
  od,
  paste,
  pgrep,
  pkill,
  printenv,
  printf,
  ps,
  pwd,
  readlink,
  realpath,
  rev,
  rm,
  rmdir,
  script,
  sed,
  seq,
  sh,
  sha1sum,
  sha256sum,
  sha512sum,
  sleep,
  sort,
  stat,
  stty,
  sync,
  tac,
  tail,
  tar,
  tee,
  test,
  timeout,
  top,
  touch,
  tr,
  true: trueMain,
  truncate,
  tty,
  umount,
  uname,
  uniq,
  unlink,
  uptime,
  usleep,
  wc,
  which,
  whoami,
  xargs,
  yes,
  zcat,
};

/** The applet names, sorted (the base image makes `/bin/<name>` for each). */
export const appletNames: readonly string[] = Object.keys(applets).sort();
