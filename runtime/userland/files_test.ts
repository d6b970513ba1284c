import assert from "node:assert/strict";
import { fakeProc, runApplet, TestMachine } from "./_test_run.ts";
import { ls } from "./ls.ts";
import { mkdir } from "./mkdir.ts";
import { rm } from "./rm.ts";
import { rmdir } from "./rmdir.ts";
import { cp } from "./cp.ts";
import { mv } from "./mv.ts";
import { ln } from "./ln.ts";
import { touch } from "./touch.ts";
import { chmod } from "./chmod.ts";
import { chown } from "./chown.ts";
import { applyMode } from "./_mode.ts";
import { humanSize, modeString } from "./_format.ts";

Deno.test("ls lists sorted names one per line when stdout is not a tty", async () => {
  const r = await runApplet(ls, ["ls", "/d"], { files: { "/d/b": "", "/d/a": "", "/d/.h": "" } });
  assert.equal(r.stdout, "a\nb\n");
  const all = await runApplet(ls, ["ls", "-a", "/d"], r.proc);
  assert.equal(all.stdout, ".\n..\n.h\na\nb\n");
  const almost = await runApplet(ls, ["ls", "-A", "/d"], r.proc);
  assert.equal(almost.stdout, ".h\na\nb\n");
});

Deno.test("ls -l shows mode, links, owner, size and symlink targets", async () => {
  const r = await runApplet(ls, ["ls", "-l", "/d"], {
    files: {
      "/d/f": "hello",
      "/d/l": "->f",
      "/etc/passwd": "root:x:0:0:root:/root:/bin/sh\n",
      "/etc/group": "root:x:0:\n",
    },
  });
  const lines = r.stdout.split("\n");
  assert.match(lines[0]!, /^total \d+$/);
  assert.match(lines[1]!, /^-rw-r--r-- 1 root root 5 \w{3} [ \d]\d [\d: ]{5} f$/);
  assert.match(lines[2]!, /^lrwxrwxrwx 1 root root 1 .* l -> f$/);
});

Deno.test("ls reports a missing operand with exit 2 and still lists the others", async () => {
  const r = await runApplet(ls, ["ls", "/nope", "/d"], { files: { "/d/x": "" } });
  assert.equal(r.stderr, "ls: cannot access '/nope': No such file or directory\n");
  assert.equal(r.stdout, "/d:\nx\n");
  assert.equal(r.code, 2);
});

Deno.test("ls -R recurses with headers and -d lists the directory itself", async () => {
  const r = await runApplet(ls, ["ls", "-R", "/d"], { files: { "/d/s/f": "", "/d/g": "" } });
  assert.equal(r.stdout, "/d:\ng\ns\n\n/d/s:\nf\n");
  const d = await runApplet(ls, ["ls", "-d", "/d"], r.proc);
  assert.equal(d.stdout, "/d\n");
});

Deno.test("ls -lh prints human sizes", async () => {
  const r = await runApplet(ls, ["ls", "-lh", "/f"], { files: { "/f": "x".repeat(2048) } });
  assert.match(r.stdout, / 2\.0K /);
});

Deno.test("mkdir -p makes parents and mkdir reports File exists", async () => {
  const r = await runApplet(mkdir, ["mkdir", "-p", "/a/b/c"]);
  assert.equal(r.code, 0);
  const again = await runApplet(mkdir, ["mkdir", "/a/b"], r.proc);
  assert.equal(again.stderr, "mkdir: cannot create directory '/a/b': File exists\n");
  assert.equal(again.code, 1);
  assert.equal((await runApplet(mkdir, ["mkdir", "-p", "/a/b"], r.proc)).code, 0);
  const noParent = await runApplet(mkdir, ["mkdir", "/x/y"], r.proc);
  assert.equal(
    noParent.stderr,
    "mkdir: cannot create directory '/x/y': No such file or directory\n",
  );
});

Deno.test("rm refuses directories without -r, removes trees with -r, -f ignores missing", async () => {
  const p = fakeProc({ files: { "/d/s/f": "x", "/d/g": "y" } });
  const r1 = await runApplet(rm, ["rm", "/d"], p);
  assert.equal(r1.stderr, "rm: cannot remove '/d': Is a directory\n");
  assert.equal(r1.code, 1);
  assert.equal((await runApplet(rm, ["rm", "-r", "/d"], p)).code, 0);
  assert.equal((await runApplet(ls, ["ls", "/d"], p)).code, 2);
  assert.equal((await runApplet(rm, ["rm", "-f", "/nope"], p)).code, 0);
  const r2 = await runApplet(rm, ["rm", "/nope"], p);
  assert.equal(r2.stderr, "rm: cannot remove '/nope': No such file or directory\n");
});

Deno.test("rm -rf / is refused", async () => {
  const r = await runApplet(rm, ["rm", "-rf", "/"], { files: { "/keep": "" } });
  assert.equal(r.code, 1);
  assert.match(r.stderr, /dangerous/);
  assert.equal(await r.proc.file("/keep"), "");
});

Deno.test("rmdir removes empty dirs and reports non-empty ones", async () => {
  const p = fakeProc({ files: { "/a/b/": "", "/full/f": "" } });
  assert.equal((await runApplet(rmdir, ["rmdir", "-p", "/a/b"], p)).code, 0);
  const r = await runApplet(rmdir, ["rmdir", "/full"], p);
  assert.equal(r.stderr, "rmdir: failed to remove '/full': Directory not empty\n");
});

Deno.test("cp copies files, into directories, and trees with -r", async () => {
  const p = fakeProc({ files: { "/src/a": "A", "/src/sub/b": "B", "/dst/": "" } });
  assert.equal((await runApplet(cp, ["cp", "/src/a", "/copy"], p)).code, 0);
  assert.equal(await p.file("/copy"), "A");
  assert.equal((await runApplet(cp, ["cp", "/src/a", "/dst"], p)).code, 0);
  assert.equal(await p.file("/dst/a"), "A");
  const noR = await runApplet(cp, ["cp", "/src", "/t"], p);
  assert.equal(noR.stderr, "cp: -r not specified; omitting directory '/src'\n");
  assert.equal(noR.code, 1);
  assert.equal((await runApplet(cp, ["cp", "-r", "/src", "/t"], p)).code, 0);
  assert.equal(await p.file("/t/sub/b"), "B");
  const missing = await runApplet(cp, ["cp", "/nope", "/x"], p);
  assert.equal(missing.stderr, "cp: cannot stat '/nope': No such file or directory\n");
  const one = await runApplet(cp, ["cp", "/src/a"], p);
  assert.equal(
    one.stderr,
    "cp: missing destination file operand after '/src/a'\nTry 'cp --help' for more information.\n",
  );
});

Deno.test("mv renames and moves into directories", async () => {
  const p = fakeProc({ files: { "/a": "A", "/d/": "" } });
  assert.equal((await runApplet(mv, ["mv", "/a", "/b"], p)).code, 0);
  assert.equal(await p.file("/b"), "A");
  assert.equal((await runApplet(mv, ["mv", "/b", "/d"], p)).code, 0);
  assert.equal(await p.file("/d/b"), "A");
  const r = await runApplet(mv, ["mv", "/nope", "/x"], p);
  assert.equal(r.stderr, "mv: cannot stat '/nope': No such file or directory\n");
});

Deno.test("ln -s makes symlinks, -f replaces, and reports existing links", async () => {
  const p = fakeProc({ files: { "/t": "T" } });
  assert.equal((await runApplet(ln, ["ln", "-s", "/t", "/l"], p)).code, 0);
  assert.equal(await p.file("/l"), "T");
  const again = await runApplet(ln, ["ln", "-s", "/t", "/l"], p);
  assert.equal(again.stderr, "ln: failed to create symbolic link '/l': File exists\n");
  assert.equal((await runApplet(ln, ["ln", "-sf", "/t", "/l"], p)).code, 0);
  assert.equal((await runApplet(ln, ["ln", "/t", "/hard"], p)).code, 0);
  assert.equal(await p.file("/hard"), "T");
});

Deno.test("touch creates files and -c does not", async () => {
  const p = fakeProc({ files: { "/d/": "" } });
  assert.equal((await runApplet(touch, ["touch", "/d/new"], p)).code, 0);
  assert.equal(await p.file("/d/new"), "");
  assert.equal((await runApplet(touch, ["touch", "-c", "/d/none"], p)).code, 0);
  assert.equal(await p.file("/d/none"), null);
  const r = await runApplet(touch, ["touch", "/nodir/x"], p);
  assert.equal(r.stderr, "touch: cannot touch '/nodir/x': No such file or directory\n");
});

Deno.test("chmod applies octal and symbolic modes", async () => {
  const p = fakeProc({ files: { "/f": "" } });
  assert.equal((await runApplet(chmod, ["chmod", "755", "/f"], p)).code, 0);
  assert.match((await runApplet(ls, ["ls", "-l", "/f"], p)).stdout, /^-rwxr-xr-x /);
  assert.equal((await runApplet(chmod, ["chmod", "go-rx,u+s", "/f"], p)).code, 0);
  assert.match((await runApplet(ls, ["ls", "-l", "/f"], p)).stdout, /^-rws------ /);
  const bad = await runApplet(chmod, ["chmod", "z+q", "/f"], p);
  assert.equal(bad.stderr, "chmod: invalid mode: 'z+q'\n");
  const miss = await runApplet(chmod, ["chmod", "644", "/nope"], p);
  assert.equal(miss.stderr, "chmod: cannot access '/nope': No such file or directory\n");
});

Deno.test("chown resolves names from /etc/passwd and /etc/group", async () => {
  const p = fakeProc({
    files: {
      "/f": "",
      "/etc/passwd": "root:x:0:0::/root:/bin/sh\napp:x:1000:1000::/home/app:/bin/sh\n",
      "/etc/group": "root:x:0:\napp:x:1000:\n",
    },
  });
  assert.equal((await runApplet(chown, ["chown", "app:app", "/f"], p)).code, 0);
  assert.match((await runApplet(ls, ["ls", "-ln", "/f"], p)).stdout, / 1000 1000 /);
  const bad = await runApplet(chown, ["chown", "nobody", "/f"], p);
  assert.equal(bad.stderr, "chown: invalid user: 'nobody'\n");
});

Deno.test("applyMode handles X, = and umask-relative modes", () => {
  assert.equal(applyMode("a+X", 0o644, true, 0o022), 0o755);
  assert.equal(applyMode("a+X", 0o644, false, 0o022), 0o644);
  assert.equal(applyMode("u=rw,go=", 0o777, false, 0o022), 0o600);
  assert.equal(applyMode("+x", 0o644, false, 0o022), 0o755);
  assert.equal(applyMode("g=u", 0o740, false, 0), 0o770);
  assert.equal(applyMode("9", 0, false, 0), null);
});

Deno.test("modeString and humanSize match coreutils", () => {
  assert.equal(modeString(0o41777), "drwxrwxrwt");
  assert.equal(modeString(0o102644), "-rw-r-Sr--");
  assert.equal(humanSize(1023), "1023");
  assert.equal(humanSize(1024), "1.0K");
  assert.equal(humanSize(10 * 1024 + 1), "11K");
  assert.equal(humanSize(5 * 1024 * 1024), "5.0M");
});

Deno.test("mv across file systems copies then removes (EXDEV)", async () => {
  const m = new TestMachine({ "/src/d/f": "data", "/mnt/": "" });
  const r = await m.run([
    "sh",
    "-c",
    "mount -t tmpfs tmpfs /mnt && mv /src/d /mnt/d && cat /mnt/d/f && ls /src",
  ]);
  assert.equal(r.stderr, "");
  assert.equal(r.stdout, "data");
});

Deno.test("cp -a keeps modes, owners, times and symlinks", async () => {
  const m = new TestMachine({ "/s/f": "x", "/s/l": "->f" });
  const r = await m.run([
    "sh",
    "-c",
    "chmod 640 /s/f && chown 7:8 /s/f && touch -d 2001-02-03 /s/f && cp -a /s /t && stat -c '%a %u %g %y' /t/f && readlink /t/l",
  ]);
  assert.equal(r.stdout, "640 7 8 2001-02-03 00:00:00.000000000 +0000\nf\n");
});

Deno.test("rm -r removes a tree as a non-root user only where permitted", async () => {
  const m = new TestMachine({ "/tmp/own/f": "x" });
  const r = await m.run(["sh", "-c", "rm -rf /tmp/own/f; echo rc=$?"], {
    uid: 1000,
  });
  assert.match(r.stderr, /^rm: cannot remove '\/tmp\/own\/f': Permission denied\n$/);
  assert.equal(r.stdout, "rc=1\n");
});

Deno.test("ls lays names out in columns for a terminal width", async () => {
  const { columns } = await import("./ls.ts");
  assert.equal(columns(["a", "bb", "ccc", "d"], 80), "a  bb  ccc  d\n");
  assert.equal(columns(["alpha", "beta", "gamma", "delta"], 12), "alpha  gamma\nbeta   delta\n");
});
