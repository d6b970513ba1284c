/**
 * The adversarial path suite: a process confined to /jail (chroot or pivot_root) tries
 * every way out — `..` chains, absolute and relative symlinks to `/`, loops, long names,
 * NUL bytes, hard links to directories, renames of its cwd out of the jail — plus random
 * sequences from fast-check. A canary file outside the jail is watched: nothing may look
 * it up, open it, read it or change it, and no walk may return an inode outside the jail.
 */
import assert from "node:assert/strict";
import { fc, runs } from "../../../tests/_property.ts";
import { Errno } from "../errno.ts";
import { AT, O } from "../syscalls/api.ts";
import { close, openat, read, write } from "../syscalls/sys_file.ts";
import {
  chdir,
  chroot,
  fstatat,
  getcwd,
  linkat,
  mkdirat,
  readlinkat,
  renameat2,
  symlinkat,
  unlinkat,
} from "../syscalls/sys_file_meta.ts";
import { mount, pivot_root, umount2 } from "../syscalls/sys_mount.ts";
import { makeTask, testRoot, type TestTask } from "./_test_task.ts";
import type { TmpNode } from "../fs/tmpfs/tmpfs.ts";
import type { Stat } from "../syscalls/api.ts";

const enc = new TextEncoder();

interface Jail {
  host: TestTask;
  jailed: TestTask;
  touched: string[];
  outsideInos: Set<number>;
  canary: TmpNode;
}

/** A tree with /outside/canary and /jail, and a task chrooted into /jail. */
function makeJail(kind: "chroot" | "pivot"): Jail {
  const { task: host, fs, rootFs } = testRoot();
  mkdirat(host, AT.FDCWD, "/outside", 0o755);
  const cfd = openat(host, AT.FDCWD, "/outside/canary", O.CREAT | O.WRONLY, 0o666) as number;
  write(host, cfd, enc.encode("canary"));
  close(host, cfd);
  mkdirat(host, AT.FDCWD, "/jail", 0o755);
  if (kind === "pivot") mount(host, "tmpfs", "/jail", "tmpfs", 0, "");
  for (const d of ["/jail/a", "/jail/a/b", "/jail/a/b/c", "/jail/tmp", "/jail/old"]) {
    mkdirat(host, AT.FDCWD, d, 0o777);
  }
  close(host, openat(host, AT.FDCWD, "/jail/file", O.CREAT | O.WRONLY, 0o666) as number);
  const touched: string[] = [];
  const outsideInos = new Set<number>();
  const root = rootFs.root;
  const canary = root.children?.get("outside")?.children?.get("canary") as TmpNode;
  outsideInos.add(root.ino);
  outsideInos.add(canary.ino);
  outsideInos.add((root.children?.get("outside") as TmpNode).ino);
  const jailed = makeTask(fs.fork());
  if (kind === "chroot") {
    assert.equal(chroot(jailed, "/jail"), 0);
    assert.equal(chdir(jailed, "/"), 0);
  } else {
    jailed.fs.unshareMounts();
    assert.equal(chdir(jailed, "/jail"), 0);
    assert.equal(pivot_root(jailed, ".", "old"), 0);
    assert.equal(umount2(jailed, "/old", 2), 0);
    assert.equal(chdir(jailed, "/"), 0);
  }
  // Spies: after setup nothing may touch the real root or the canary.
  const spy = (node: TmpNode, name: string, methods: (keyof TmpNode)[]) => {
    for (const m of methods) {
      const orig = node[m] as (...a: unknown[]) => unknown;
      (node as unknown as Record<string, unknown>)[m as string] = (...a: unknown[]) => {
        touched.push(`${name}.${String(m)}(${a.map(String).join(",")})`);
        return orig.apply(node, a);
      };
    }
  };
  spy(root, "/", ["lookup", "readdir", "create", "unlink", "rename", "link"]);
  spy(canary, "canary", ["readAt", "writeAt", "setattr", "retain"]);
  return { host, jailed, touched, outsideInos, canary };
}

function assertConfined(j: Jail, r: unknown, what: string): void {
  assert.deepEqual(j.touched, [], `${what}: touched outside: ${j.touched.join(" ")}`);
  if (typeof r === "object" && r !== null && "ino" in r) {
    const st = r as Stat;
    if (st.dev === j.canary.fs.dev) {
      assert.ok(!j.outsideInos.has(st.ino), `${what}: resolved to outside inode ${st.ino}`);
    }
  }
  assert.equal(j.canary.size, 6);
}

const ESCAPES = [
  "..",
  "../..",
  "../../..",
  "/..",
  "/../..",
  "/../../outside",
  "../outside/canary",
  "a/b/c/../../../../..",
  "a/b/c/../../../../outside/canary",
  "/./.././../outside",
  "//..//..//outside//canary",
];

for (const kind of ["chroot", "pivot"] as const) {
  Deno.test(`${kind}: '..' chains stop at the root`, () => {
    const j = makeJail(kind);
    const rootSt = fstatat(j.jailed, AT.FDCWD, "/", 0) as Stat;
    for (const p of ESCAPES) {
      const st = fstatat(j.jailed, AT.FDCWD, p, 0);
      assertConfined(j, st, p);
      if (!p.includes("outside")) assert.equal((st as Stat).ino, rootSt.ino, p);
      else assert.equal(st, Errno.ENOENT, p);
    }
    assert.equal(chdir(j.jailed, "a/b/c/../../../../.."), 0);
    assert.equal(getcwd(j.jailed), "/");
    assertConfined(j, null, "chdir");
  });

  Deno.test(`${kind}: symlinks to '/', up-chains and absolute targets resolve inside`, () => {
    const j = makeJail(kind);
    const t = j.jailed;
    symlinkat(t, "/", AT.FDCWD, "/a/toroot");
    symlinkat(t, "../../../../../../..", AT.FDCWD, "/a/b/up");
    symlinkat(t, "/../../outside/canary", AT.FDCWD, "/abs");
    symlinkat(t, "up/outside/canary", AT.FDCWD, "/a/b/rel");
    symlinkat(t, "/a/toroot/../..", AT.FDCWD, "/chain");
    const rootIno = (fstatat(t, AT.FDCWD, "/", 0) as Stat).ino;
    for (const p of ["/a/toroot/..", "/a/b/up", "/a/b/up/..", "/chain", "/chain/.."]) {
      const st = fstatat(t, AT.FDCWD, p, 0);
      assertConfined(j, st, p);
      assert.equal((st as Stat).ino, rootIno, p);
    }
    for (const p of ["/abs", "/a/b/rel", "/a/toroot/../outside/canary"]) {
      assert.equal(fstatat(t, AT.FDCWD, p, 0), Errno.ENOENT, p);
      assert.equal(openat(t, AT.FDCWD, p, O.RDWR, 0), Errno.ENOENT, p);
      assertConfined(j, null, p);
    }
    // O_CREAT through a symlink pointing "outside" creates inside the jail.
    assert.equal(mkdirat(t, AT.FDCWD, "/../outside", 0o755), 0);
    const fd = openat(t, AT.FDCWD, "/abs", O.CREAT | O.WRONLY, 0o644);
    assert.ok(typeof fd === "number" && fd >= 0, `creat: ${fd}`);
    assertConfined(j, null, "creat through abs symlink");
    assert.equal(typeof fstatat(j.host, AT.FDCWD, "/jail/outside/canary", 0), "object");
    j.touched.length = 0;
    assert.equal(readlinkat(t, AT.FDCWD, "/abs"), "/../../outside/canary");
  });

  Deno.test(`${kind}: symlink loops give ELOOP, long names ENAMETOOLONG, NUL EINVAL`, () => {
    const j = makeJail(kind);
    const t = j.jailed;
    symlinkat(t, "self", AT.FDCWD, "/self");
    symlinkat(t, "/loop2", AT.FDCWD, "/loop1");
    symlinkat(t, "/loop1", AT.FDCWD, "/loop2");
    assert.equal(fstatat(t, AT.FDCWD, "/self", 0), Errno.ELOOP);
    assert.equal(fstatat(t, AT.FDCWD, "/loop1/x", 0), Errno.ELOOP);
    assert.equal(openat(t, AT.FDCWD, "/loop1", O.CREAT | O.WRONLY, 0o644), Errno.ELOOP);
    // 40 links are fine, 41 are not.
    symlinkat(t, "file", AT.FDCWD, "/l0");
    for (let i = 1; i <= 40; i++) symlinkat(t, `l${i - 1}`, AT.FDCWD, `/l${i}`);
    assert.equal(typeof fstatat(t, AT.FDCWD, "/l39", 0), "object");
    assert.equal(fstatat(t, AT.FDCWD, "/l40", 0), Errno.ELOOP);
    assert.equal(fstatat(t, AT.FDCWD, "/" + "n".repeat(256), 0), Errno.ENAMETOOLONG);
    assert.equal(mkdirat(t, AT.FDCWD, "/" + "n".repeat(255), 0o755), 0);
    assert.equal(fstatat(t, AT.FDCWD, "/a/".repeat(1400), 0), Errno.ENAMETOOLONG);
    assert.equal(fstatat(t, AT.FDCWD, "/file\0/../../outside", 0), Errno.EINVAL);
    assert.equal(openat(t, AT.FDCWD, "/x\0", O.CREAT | O.WRONLY, 0o644), Errno.EINVAL);
    assertConfined(j, null, "loops");
  });

  Deno.test(`${kind}: hard links to directories are EPERM; '..' targets of mkdir/rename stay inside`, () => {
    const j = makeJail(kind);
    const t = j.jailed;
    assert.equal(linkat(t, AT.FDCWD, "/a", AT.FDCWD, "/alink", 0), Errno.EPERM);
    assert.equal(linkat(t, AT.FDCWD, "/..", AT.FDCWD, "/rootlink", 0), Errno.EPERM);
    assert.equal(mkdirat(t, AT.FDCWD, "../../evil", 0o755), 0);
    assert.equal(renameat2(t, AT.FDCWD, "/file", AT.FDCWD, "../../../moved", 0), 0);
    assert.equal(unlinkat(t, AT.FDCWD, "../outside/canary", 0), Errno.ENOENT);
    assertConfined(j, null, "links");
    assert.equal(typeof fstatat(j.host, AT.FDCWD, "/jail/evil", 0), "object");
    assert.equal(typeof fstatat(j.host, AT.FDCWD, "/jail/moved", 0), "object");
  });

  Deno.test(`${kind}: a cwd renamed out of the jail cannot walk up out of it`, () => {
    const j = makeJail(kind);
    const t = j.jailed;
    assert.equal(chdir(t, "/a/b"), 0);
    // Someone outside moves the jailed process's cwd out of the jail.
    const hostSrc = "/jail/a";
    if (kind === "chroot") {
      assert.equal(renameat2(j.host, AT.FDCWD, hostSrc, AT.FDCWD, "/outside/a", 0), 0);
    } else {
      // Across mounts a rename is EXDEV: the pivot jail is a mount, cwd cannot leave it.
      assert.equal(
        renameat2(j.host, AT.FDCWD, hostSrc, AT.FDCWD, "/outside/a", 0),
        Errno.EXDEV,
      );
      return;
    }
    j.touched.length = 0;
    const st = fstatat(t, AT.FDCWD, "../../../outside/canary", 0);
    assert.equal(st, Errno.ENOENT);
    assert.equal(fstatat(t, AT.FDCWD, "..", 0), Errno.ENOENT, "relative walk from outside");
    assert.equal(chdir(t, ".."), Errno.ENOENT);
    const root = fstatat(t, AT.FDCWD, "/..", 0) as Stat;
    assertConfined(j, root, "after rename");
  });

  Deno.test(`${kind}: fuzzed path operations never leave the jail`, () => {
    const j = makeJail(kind);
    const t = j.jailed;
    // Mount points inside the jail: a tmpfs and a bind of /a (crossings both ways).
    mkdirat(t, AT.FDCWD, "/mt", 0o777);
    mkdirat(t, AT.FDCWD, "/mb", 0o777);
    assert.equal(mount(t, "tmpfs", "/mt", "tmpfs", 0, ""), 0);
    assert.equal(mount(t, "/a", "/mb", "", 4096, ""), 0);
    j.touched.length = 0;
    const comp = fc.constantFrom(
      "mt",
      "mb",
      "..",
      ".",
      "a",
      "b",
      "c",
      "l",
      "m",
      "outside",
      "canary",
      "",
      "file",
    );
    const path = fc.tuple(fc.boolean(), fc.array(comp, { maxLength: 8 })).map(([abs, cs]) =>
      (abs ? "/" : "") + cs.join("/")
    );
    const op = fc.oneof(
      fc.record({ k: fc.constant("stat" as const), p: path }),
      fc.record({ k: fc.constant("open" as const), p: path, creat: fc.boolean() }),
      fc.record({ k: fc.constant("mkdir" as const), p: path }),
      fc.record({ k: fc.constant("symlink" as const), target: path, p: path }),
      fc.record({ k: fc.constant("rename" as const), p: path, q: path }),
      fc.record({ k: fc.constant("unlink" as const), p: path }),
      fc.record({ k: fc.constant("chdir" as const), p: path }),
      fc.record({ k: fc.constant("link" as const), p: path, q: path }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 25 }), (ops) => {
        for (const o of ops) {
          let r: unknown;
          switch (o.k) {
            case "stat":
              r = fstatat(t, AT.FDCWD, o.p, 0);
              break;
            case "open": {
              r = openat(t, AT.FDCWD, o.p, o.creat ? O.CREAT | O.RDWR : O.RDONLY, 0o644);
              if (typeof r === "number" && r >= 0) {
                read(t, r, new Uint8Array(8));
                close(t, r);
              }
              break;
            }
            case "mkdir":
              r = mkdirat(t, AT.FDCWD, o.p, 0o777);
              break;
            case "symlink":
              r = symlinkat(t, o.target || "/", AT.FDCWD, o.p);
              break;
            case "rename":
              r = renameat2(t, AT.FDCWD, o.p, AT.FDCWD, o.q, 0);
              break;
            case "unlink":
              r = unlinkat(t, AT.FDCWD, o.p, 0);
              break;
            case "chdir":
              r = chdir(t, o.p);
              break;
            case "link":
              r = linkat(t, AT.FDCWD, o.p, AT.FDCWD, o.q, AT.SYMLINK_FOLLOW);
              break;
          }
          assertConfined(j, r, JSON.stringify(o));
          const cwd = getcwd(t);
          assert.ok(typeof cwd === "string" && cwd.startsWith("/"), `cwd ${cwd}`);
        }
      }),
      { numRuns: runs(150) },
    );
  });
}
