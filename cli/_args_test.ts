import assert from "node:assert/strict";
import { parseArgs, UsageError } from "./_args.ts";
import { CREATE_FLAGS } from "./_flags.ts";

Deno.test("parseArgs handles Docker's conventions: -it, -e X, --name=x, repeated lists, -- and run's stop at IMAGE", () => {
  const p = parseArgs(
    [
      "-it",
      "--rm",
      "-e",
      "A=1",
      "-eB=2",
      "--env=C=3",
      "--name=web",
      "-v",
      "/a:/b",
      "berth/base",
      "sh",
      "-c",
      "ls -l",
    ],
    CREATE_FLAGS,
    false,
  );
  assert.equal(p.flags.interactive, true);
  assert.equal(p.flags.tty, true);
  assert.equal(p.flags.rm, true);
  assert.deepEqual(p.flags.env, ["A=1", "B=2", "C=3"]);
  assert.equal(p.flags.name, "web");
  assert.deepEqual(p.flags.volume, ["/a:/b"]);
  assert.deepEqual(p.positionals, ["berth/base", "sh", "-c", "ls -l"]);
  const h = parseArgs(["-h", "box", "img"], CREATE_FLAGS, false);
  assert.equal(h.flags.hostname, "box", "-h is --hostname for run, as in Docker");
  const i = parseArgs(["--stop-timeout", "3", "--rm=false", "img"], CREATE_FLAGS, false);
  assert.equal(i.flags["stop-timeout"], 3);
  assert.equal(i.flags.rm, false);
});

Deno.test("parseArgs reports unknown flags, missing values and bad ints as usage errors", () => {
  assert.throws(() => parseArgs(["--nope"], CREATE_FLAGS), UsageError);
  assert.throws(() => parseArgs(["-Z"], CREATE_FLAGS), /unknown shorthand flag: 'Z'/);
  assert.throws(() => parseArgs(["--name"], CREATE_FLAGS), /flag needs an argument/);
  assert.throws(() => parseArgs(["--pids-limit", "many"], CREATE_FLAGS), /invalid argument "many"/);
});
