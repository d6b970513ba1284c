/**
 * Access: only the daemon's owner reaches its socket. Another uid is refused by the
 * host's permissions (0600 socket in a 0700 root), and nothing inside a container can
 * see or open the socket.
 */
import assert from "node:assert/strict";
import { tempBerth } from "../e2e/cli_harness.ts";

const isRoot = Deno.uid() === 0;
const setpriv = ["/usr/bin/setpriv", "/bin/setpriv"].find((p) => {
  try {
    return Deno.statSync(p).isFile;
  } catch {
    return false;
  }
});

Deno.test({
  name: "another uid cannot connect to the daemon socket" +
    (isRoot && setpriv ? "" : " (needs root and setpriv to act as a second user)"),
  ignore: !(isRoot && setpriv),
  fn: async () => {
    const berth = await tempBerth();
    try {
      assert.equal((await berth.run(["version"])).code, 0);
      assert.equal((await Deno.stat(berth.socket)).mode! & 0o777, 0o600);
      assert.equal((await Deno.stat(berth.root)).mode! & 0o777, 0o700);
      // Act as nobody (65534): connecting needs search on the root and write on the socket.
      const probe = `try { const c = await Deno.connect({ transport: "unix", path: ${
        JSON.stringify(berth.socket)
      } }); c.close(); console.log("CONNECTED"); } catch (e) { console.log("REFUSED " + e.name); }`;
      const out = await new Deno.Command(setpriv!, {
        args: [
          "--reuid=65534",
          "--regid=65534",
          "--clear-groups",
          Deno.execPath(),
          "eval",
          "--quiet",
          probe,
        ],
        env: { DENO_DIR: `${berth.root}-nobody-deno`, HOME: "/tmp", NO_COLOR: "1" },
        stdout: "piped",
        stderr: "piped",
      }).output();
      const text = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
      assert.match(text, /REFUSED PermissionDenied/, text);
      // The owner still can.
      assert.equal((await berth.run(["version"])).code, 0);
    } finally {
      await berth.cleanup();
      await Deno.remove(`${berth.root}-nobody-deno`, { recursive: true }).catch(() => {});
    }
  },
});

Deno.test("nothing inside a container can see the daemon's socket or state root", async () => {
  const berth = await tempBerth();
  try {
    const out = await berth.run([
      "run",
      "--rm",
      "berth/base",
      "sh",
      "-c",
      `find / -name 'berth.sock' 2>/dev/null; ls ${berth.root} 2>&1; cat ${berth.root}/berth.pid 2>&1; echo end`,
    ]);
    assert.equal(out.code, 0, out.stderr);
    assert.doesNotMatch(out.stdout, /berth\.sock\n/, out.stdout);
    assert.match(out.stdout, /No such file or directory/);
    assert.match(out.stdout, /end\n$/);
  } finally {
    await berth.cleanup();
  }
});

Deno.test({
  name: "a state root reached through a symlink into another user's directory is warned about" +
    (isRoot ? "" : " (needs root to chown a directory to a second user)"),
  ignore: !isRoot,
  fn: async () => {
    const base = await Deno.makeTempDir({ prefix: "berth-rootlink-" });
    const theirs = `${base}/theirs`;
    await Deno.mkdir(theirs, { mode: 0o777 });
    await Deno.chown(theirs, 65534, 65534);
    await Deno.symlink(theirs, `${base}/link`);
    const root = `${base}/link/berth`;
    const cli = new URL("../../cli/main.ts", import.meta.url).pathname;
    const run = (args: string[]) =>
      new Deno.Command(Deno.execPath(), {
        args: ["run", "-A", cli, ...args],
        env: { BERTH_ROOT: root, NO_COLOR: "1" },
        stdout: "piped",
        stderr: "piped",
      }).output();
    try {
      assert.equal((await run(["version"])).code, 0);
      const log = await Deno.readTextFile(`${root}/daemon.log`);
      assert.match(log, /warning: .*link is a symlink to .*theirs, owned by uid 65534/, log);
    } finally {
      await run(["system", "shutdown"]);
      await Deno.remove(base, { recursive: true });
    }
  },
});
