/**
 * Bad input gets a clear error: random Dockerfiles (made of the pieces real ones are
 * made of: instructions, flags, quotes, escapes, heredocs, substitutions, JSON) and
 * random values for `berth create`'s flags. A Dockerfile parses or fails with a
 * `DockerfileError` naming the file and line; a flag value is accepted or refused with
 * exit 125 and a message — never a crash, a stack trace, or another exit code.
 */
import assert from "node:assert/strict";
import { fc, runs } from "../_property.ts";
import { DockerfileError } from "../../image/build/dockerfile_parser.ts";
import { parseInstructions } from "../../image/build/instructions.ts";
import { tempBerth } from "../e2e/cli_harness.ts";
import { snapshotTree } from "./_snapshot.ts";

const STRESS = Deno.env.get("BERTH_STRESS") !== undefined;

const piece = fc.oneof(
  fc.constantFrom(
    "FROM",
    "from",
    "RUN",
    "COPY",
    "ADD",
    "ENV",
    "ARG",
    "WORKDIR",
    "USER",
    "LABEL",
    "EXPOSE",
    "VOLUME",
    "CMD",
    "ENTRYPOINT",
    "SHELL",
    "STOPSIGNAL",
    "HEALTHCHECK",
    "ONBUILD",
    "MAINTAINER",
    "RUNN",
    "scratch",
    "AS",
    "alpine:3",
    "--from=",
    "--chown=1:1",
    "--chmod=0755",
    "--mount=type=cache,target=/c",
    "--platform=$X",
    "--interval=5s",
    "NONE",
    "\\",
    "\\\n",
    "\n",
    " ",
    "\t",
    '"',
    "'",
    "`",
    "$",
    "${",
    "}",
    "${A:-x}",
    "${A:+y}",
    "${#A}",
    "$A",
    "[",
    "]",
    '["a","b"]',
    '["sh", "-c"',
    "[1,2]",
    ",",
    "=",
    "A=1",
    "<<EOF",
    "<<-EOF",
    "<<'EOF'",
    "EOF",
    "#",
    "# escape=`",
    "# syntax=docker/dockerfile:1",
    "\r\n",
    "\u0000",
    "é",
    "../x",
    "/",
    "*",
    "**",
    "?",
  ),
  fc.string({ maxLength: 8 }),
);
const dockerfile = fc.array(piece, { maxLength: 60 }).map((p) => p.join(""));

Deno.test("random Dockerfiles parse or fail with a DockerfileError naming file and line", () => {
  let refused = 0;
  fc.assert(
    fc.property(dockerfile, (text) => {
      try {
        parseInstructions(text, "Fuzzfile");
      } catch (err) {
        assert.ok(
          err instanceof DockerfileError,
          `untyped failure on ${JSON.stringify(text)}: ${err}`,
        );
        assert.match(err.message, /Fuzzfile/, err.message);
        refused++;
      }
    }),
    { numRuns: runs(2000) },
  );
  assert.ok(refused > 0, "nothing was refused: the fuzzer does not reach the parser's errors");
});

const FLAGS = [
  "--memory",
  "--cpus",
  "--pids-limit",
  "--cpu-shares",
  "--cpu-quota",
  "--cpu-period",
  "-e",
  "-v",
  "--mount",
  "--tmpfs",
  "--restart",
  "--log-opt",
  "--stop-timeout",
  "--stop-signal",
  "-u",
  "-w",
  "--ipc",
  "--pid",
  "--hostname",
  "--label",
  "--name",
  "--entrypoint",
];
const value = fc.oneof(
  fc.constantFrom(
    "",
    "-1",
    "0",
    "1e309",
    "abc",
    "1k",
    "10g",
    "99999999999999999999",
    "1.5",
    ":",
    "::",
    "/a:/b:rw:x",
    "type=bind",
    "type=tmpfs,tmpfs-size=-1",
    "src=..,dst=/x",
    "always:3",
    "on-failure:-1",
    "unless-stopped",
    "container:",
    "host",
    "max-size=abc",
    "max-file=0",
    "SIGFOO",
    "99",
    "65536:65536",
    "root:",
    "/../..",
    "a=b=c",
    "=",
    "\u0000",
    "x".repeat(300),
  ),
  fc.string({ maxLength: 12 }),
);

Deno.test("random values for berth create's flags are accepted or refused with 125 and a message", async () => {
  const berth = await tempBerth();
  try {
    assert.equal((await berth.run(["run", "--rm", "berth/base", "true"])).code, 0);
    const imagesBefore = await snapshotTree(`${berth.root}/images`, ["index.lock", "pins"]);
    const samples = fc.sample(fc.tuple(fc.constantFrom(...FLAGS), value), STRESS ? 150 : 25);
    for (const [flag, v] of samples) {
      if (v.includes("\u0000")) continue; // cannot be passed in argv
      const out = await berth.run(["create", flag, v, "berth/base", "true"]);
      const what = `create ${flag} ${JSON.stringify(v)}`;
      assert.doesNotMatch(
        out.stderr,
        /^\s+at .*:\d+:\d+\)?$/m,
        `${what} printed a stack trace:\n${out.stderr}`,
      );
      if (out.code === 0) {
        const rm = await berth.run(["rm", out.stdout.trim()]);
        assert.equal(rm.code, 0, `${what}: ${rm.stderr}`);
      } else {
        assert.equal(out.code, 125, `${what} exited ${out.code}:\n${out.stderr}`);
        assert.ok(out.stderr.trim().length > 0, `${what} failed without a message`);
      }
    }
    const ps = await berth.run(["ps", "-aq"]);
    assert.equal(ps.code, 0, ps.stderr);
    assert.equal(ps.stdout.trim(), "", "a refused create left a container behind");
    assert.deepEqual(
      await snapshotTree(`${berth.root}/images`, ["index.lock", "pins"]),
      imagesBefore,
      "the image store changed",
    );
  } finally {
    await berth.cleanup();
  }
});
