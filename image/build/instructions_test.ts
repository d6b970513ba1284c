import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { DockerfileError, parseDockerfile } from "./dockerfile_parser.ts";
import { type Instruction, parseGoDuration, parseInstructions } from "./instructions.ts";

const corpus = new URL("../../tests/fixtures/build/parser/", import.meta.url);
const read = (name: string) => readFileSync(new URL(name, corpus), "utf8");

function errorOf(text: string): DockerfileError {
  try {
    parseInstructions(text);
  } catch (e) {
    if (e instanceof DockerfileError) return e;
    throw e;
  }
  throw new Error("expected a DockerfileError");
}

function kind<K extends Instruction["kind"]>(
  ins: Instruction | undefined,
  k: K,
): Instruction & { kind: K } {
  assert.ok(ins, "missing instruction");
  assert.equal(ins.kind, k);
  return ins as Instruction & { kind: K };
}

Deno.test("parseInstructions() reads every instruction of the corpus file", () => {
  const df = parseInstructions(read("every_instruction.Dockerfile"));
  const kinds = df.instructions.map((i) => i.kind);
  assert.deepEqual(kinds, [
    "arg",
    "arg",
    "from",
    "label",
    "maintainer",
    "env",
    "env",
    "arg",
    "workdir",
    "copy",
    "copy",
    "add",
    "run",
    "run",
    "user",
    "expose",
    "volume",
    "volume",
    "shell",
    "stopsignal",
    "healthcheck",
    "onbuild",
    "onbuild",
    "entrypoint",
    "cmd",
    "from",
    "healthcheck",
    "cmd",
  ]);
  assert.match(df.warnings[0]!, /syntax directive "docker\/dockerfile:1.7" ignored/);
  const from = kind(df.instructions[2], "from");
  assert.equal(from.image, "${BASE}");
  assert.equal(from.stage, "build");
  assert.equal(from.platform, "linux/amd64");
  const label = kind(df.instructions[3], "label");
  assert.deepEqual(label.pairs, [
    { key: "org.opencontainers.image.title", value: '"demo app"' },
    { key: "version", value: "1.0" },
  ]);
  const legacy = kind(df.instructions[6], "env");
  assert.deepEqual(legacy.pairs, [{ key: "LEGACY", value: "value with spaces" }]);
  const copy = kind(df.instructions[9], "copy");
  assert.deepEqual(copy.sources, ["a.txt", "b.txt"]);
  assert.equal(copy.dest, "./");
  assert.equal(copy.chown, "1000:1000");
  assert.equal(copy.chmod, "0644");
  const jsonCopy = kind(df.instructions[10], "copy");
  assert.deepEqual(jsonCopy.sources, ["dir with space/"]);
  assert.equal(jsonCopy.dest, "/data/");
  const run = kind(df.instructions[12], "run");
  assert.equal(run.line, 15);
  assert.equal(run.endLine, 19);
  assert.deepEqual(run.mounts[0]?.options, { type: "cache", target: "/root/.cache", id: "pip" });
  assert.equal(run.network, "none");
  assert.deepEqual(run.command, {
    form: "shell",
    text: 'echo "building $VERSION"     && echo done',
  });
  assert.deepEqual(kind(df.instructions[13], "run").command, {
    form: "exec",
    argv: ["/bin/echo", "exec", "form"],
  });
  assert.deepEqual(kind(df.instructions[16], "volume").values, ["/var/lib/data"]);
  assert.deepEqual(kind(df.instructions[17], "volume").values, ["/a", "/b"]);
  assert.deepEqual(kind(df.instructions[18], "shell").argv, ["/bin/sh", "-e", "-c"]);
  const hc = kind(df.instructions[20], "healthcheck");
  assert.equal(hc.interval, 30e9);
  assert.equal(hc.startPeriod, 60e9);
  assert.equal(hc.retries, 3);
  assert.deepEqual(hc.command, { form: "exec", argv: ["/bin/true"] });
  const onbuild = kind(df.instructions[21], "onbuild");
  assert.equal(onbuild.trigger, "COPY . /src");
  assert.equal(kind(onbuild.parsed, "copy").dest, "/src");
  assert.deepEqual(kind(df.instructions[24], "cmd").command, { form: "shell", text: "--help" });
  assert.equal(kind(df.instructions[25], "from").image, "build");
  assert.equal(kind(df.instructions[26], "healthcheck").none, true);
  assert.deepEqual(kind(df.instructions[27], "cmd").command, {
    form: "shell",
    text: "echo lower case works",
  });
});

Deno.test("the escape directive switches continuations and escapes to backtick", () => {
  const df = parseInstructions(read("escape_backtick.Dockerfile"));
  assert.equal(df.escape, "`");
  const copy = kind(df.instructions[1], "copy");
  assert.deepEqual(copy.sources, ["C:\\src\\app"]);
  assert.equal(copy.dest, "C:\\dst\\");
  assert.deepEqual(kind(df.instructions[2], "run").command, { form: "shell", text: "dir     /w" });
});

Deno.test("heredocs: bodies, <<- tab stripping, quoted delimiters, several per line", () => {
  const df = parseInstructions(read("heredocs.Dockerfile"));
  const r1 = kind(df.instructions[1], "run");
  assert.deepEqual(r1.heredocs, [
    { name: "EOF", content: 'echo one\necho "two $HOME"\n', expand: true, chomp: false },
  ]);
  const r2 = kind(df.instructions[2], "run");
  assert.equal(r2.heredocs[0]?.content, "echo tabbed\n");
  assert.equal(r2.heredocs[0]?.expand, false);
  const copy = kind(df.instructions[3], "copy");
  assert.deepEqual(copy.sources, ["<<first.txt", "<<'second.txt'"]);
  assert.deepEqual(copy.heredocs.map((h) => [h.name, h.content, h.expand]), [
    ["first.txt", "hello ${NAME}\n", true],
    ["second.txt", "literal ${NAME}\n", false],
  ]);
  const r4 = kind(df.instructions[4], "run");
  assert.equal(r4.heredocs.length, 1, "a quoted << is not a heredoc");
  assert.equal(r4.heredocs[0]?.content, "content\n");
  // JSON form never has heredocs.
  assert.equal(df.instructions[5]?.kind, "cmd");
  assert.equal(df.instructions.length, 6);
});

Deno.test("directives only count at the top and escape must be ` or \\", () => {
  const late = parseDockerfile("FROM scratch\n# escape=`\nRUN a \\\n b\n");
  assert.equal(late.escape, "\\");
  assert.equal(late.instructions[1]?.args, "a  b");
  const afterBlank = parseDockerfile("\n# escape=`\nFROM scratch\n");
  assert.equal(afterBlank.escape, "\\");
  assert.throws(() => parseDockerfile("# escape=x\nFROM scratch\n"), /invalid escape token/);
  assert.throws(
    () => parseDockerfile("# escape=`\n# escape=\\\nFROM scratch\n"),
    /only one escape parser directive/,
  );
});

Deno.test("continuations skip comment and empty lines, and allow trailing spaces", () => {
  const df = parseDockerfile("FROM scratch\nRUN a \\  \n# c\n\n  b\n");
  assert.equal(df.instructions[1]?.args, "a   b");
  assert.equal(df.warnings.length, 1);
});

Deno.test("errors name the file and line like BuildKit", () => {
  const e = errorOf("FROM scratch\n\n# x\nENV A=1\n\n\nRUNN echo\n");
  assert.equal(e.message, "Dockerfile:7: unknown instruction: RUNN (did you mean run?)");
  assert.equal(e.line, 7);
  assert.equal(e.column, 1);
  const flag = errorOf("FROM scratch\nCOPY --frm=a x /y\n");
  assert.equal(flag.message, "Dockerfile:2: unknown flag: --frm");
  assert.equal(flag.column, 6);
  assert.match(errorOf("ENV A=1\nFROM scratch\n").message, /Dockerfile:1: no build stage/);
  assert.match(errorOf("ARG A\n").message, /no FROM/);
  assert.match(
    errorOf("FROM scratch\nCOPY x\n").message,
    /Dockerfile:2: COPY requires at least two/,
  );
  assert.match(errorOf("FROM scratch\nSHELL sh -c\n").message, /JSON form/);
  assert.match(errorOf("FROM scratch\nENV A=1 B\n").message, /can't find = in "B"/);
  assert.match(errorOf("FROM scratch\nENV A\n").message, /must have two arguments/);
  assert.match(errorOf("FROM a b\n").message, /one or three arguments/);
  assert.match(errorOf("FROM a AS 1x\n").message, /invalid name for build stage/);
  assert.match(
    errorOf("FROM scratch\nRUN <<EOF\necho\n").message,
    /Dockerfile:2: unterminated heredoc/,
  );
  assert.match(errorOf("FROM scratch\nONBUILD ONBUILD RUN x\n").message, /Chaining ONBUILD/);
  assert.match(errorOf("FROM scratch\nONBUILD FROM x\n").message, /isn't allowed as an ONBUILD/);
  assert.match(errorOf("FROM scratch\nHEALTHCHECK --interval=abc CMD x\n").message, /duration/);
  assert.match(errorOf("FROM scratch\nHEALTHCHECK FOO\n").message, /Unknown type/);
  assert.match(errorOf("FROM scratch\nWORKDIR\n").message, /WORKDIR requires at least one/);
  assert.match(errorOf("FROM scratch\nARG 9x\n").message, /invalid ARG name/);
  assert.match(
    errorOf("FROM scratch\nADD --checksum=sha256:ab a /b\n").message,
    /Dockerfile:2: ADD --checksum is not supported by Berth/,
  );
});

Deno.test("JSON-looking text that is not a string array is shell form", () => {
  const df = parseInstructions("FROM scratch\nCMD [1, 2]\nENTRYPOINT [\"a\", 'b']\n");
  assert.deepEqual(kind(df.instructions[1], "cmd").command, { form: "shell", text: "[1, 2]" });
  assert.equal(kind(df.instructions[2], "entrypoint").command.form, "shell");
});

Deno.test("parseGoDuration() reads Go durations", () => {
  assert.equal(parseGoDuration("500ms"), 5e8);
  assert.equal(parseGoDuration("1h2m3s"), 3723e9);
  assert.equal(parseGoDuration("1.5s"), 1.5e9);
  assert.equal(parseGoDuration("0"), 0);
  assert.equal(parseGoDuration("5"), undefined);
  assert.equal(parseGoDuration(""), undefined);
});

Deno.test("error corpus: each file fails with the message its `# expect:` line names", () => {
  const dir = new URL("errors/", corpus);
  const files = [...Deno.readDirSync(dir)].map((e) => e.name).filter((n) =>
    n.endsWith(".Dockerfile")
  );
  assert.ok(files.length >= 10);
  for (const name of files.sort()) {
    const text = readFileSync(new URL(name, dir), "utf8");
    const expected = /^# expect: (.*)$/m.exec(text)?.[1];
    assert.ok(expected, `${name} has an expect line`);
    let message = "(no error)";
    try {
      parseInstructions(text);
    } catch (e) {
      assert.ok(e instanceof DockerfileError, `${name}: ${e}`);
      message = e.message;
    }
    assert.ok(message.includes(expected), `${name}: expected "${expected}", got "${message}"`);
  }
});

Deno.test("build checks warn like BuildKit, # check=skip silences, error=true fails", () => {
  const text = "FROM scratch as Build\nMAINTAINER me\nENV A 1\nrun echo\nCMD run\n";
  assert.deepEqual(parseInstructions(text).warnings, [
    "StageNameCasing: Stage name 'Build' should be lowercase (line 1)",
    "FromAsCasing: 'as' and 'FROM' keywords' casing do not match (line 1)",
    "MaintainerDeprecated: Maintainer instruction is deprecated in favor of using label (line 2)",
    `LegacyKeyValueFormat: "ENV key=value" should be used instead of legacy "ENV key value" format (line 3)`,
    "ConsistentInstructionCasing: Command 'run' should match the case of the command majority (uppercase) (line 4)",
    "JSONArgsRecommended: JSON arguments recommended for CMD to prevent unintended behavior related to OS signals (line 5)",
  ]);
  const skipped = parseInstructions(
    "# check=skip=JSONArgsRecommended,MaintainerDeprecated\n" + text,
  ).warnings;
  assert.equal(skipped.length, 4);
  assert.deepEqual(parseInstructions("# check=skip=all\n" + text).warnings, []);
  assert.match(
    errorOf("# check=error=true\nFROM scratch\nCMD run\n").message,
    /Dockerfile:3: lint violation: JSONArgsRecommended/,
  );
  assert.deepEqual(parseInstructions('FROM scratch AS build\nCMD ["x"]\n').warnings, []);
  assert.deepEqual(
    parseInstructions("FROM scratch AS context\nWORKDIR app\nWORKDIR /srv\nWORKDIR x\n").warnings,
    [
      `ReservedStageName: Stage name should not use the same name as reserved stage "context" (line 1)`,
      `WorkdirRelativePath: Relative workdir "app" can have unexpected results if the base image changes (line 2)`,
    ],
  );
  assert.deepEqual(parseDockerfile("FROM scratch\nRUN a \\\n\n b\n").warnings, [
    "NoEmptyContinuation: Empty continuation line (line 3)",
  ]);
});
