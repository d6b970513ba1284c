/**
 * Raw instructions → typed instructions: flags, JSON (exec) vs shell form, `key=value`
 * pairs, heredocs. Arguments stay unexpanded here (variables are substituted while
 * building, with the ENV/ARG values in scope at that step); everything that can be
 * checked without them is checked here, with the line and column in the error.
 *
 * @module
 */
import { DockerfileError, parseDockerfile, type RawInstruction } from "./dockerfile_parser.ts";
import { splitRawWords } from "./shell_lex.ts";
import { runChecks } from "./dockerfile_checks.ts";

export type {
  ArgInstruction,
  CommandForm,
  CommandInstruction,
  CopyInstruction,
  Dockerfile,
  FromInstruction,
  HealthcheckInstruction,
  Instruction,
  InstructionBase,
  ListInstruction,
  OnbuildInstruction,
  PairsInstruction,
  RunInstruction,
  RunMount,
  ShellInstruction,
  ValueInstruction,
} from "./instruction_types.ts";
import type { CommandForm, Dockerfile, Instruction, RunMount } from "./instruction_types.ts";

const ALLOWED_FLAGS: Record<string, readonly string[]> = {
  from: ["platform"],
  run: ["mount", "network", "security"],
  copy: ["from", "chown", "chmod", "link", "parents", "exclude"],
  add: ["chown", "chmod", "link", "keep-git-dir", "checksum", "exclude"],
  healthcheck: ["interval", "timeout", "start-period", "start-interval", "retries"],
};

interface Flag {
  name: string;
  value: string | undefined;
  column: number;
}

/** Take leading `--flag[=value]` words; returns them and the rest of the text. */
function takeFlags(args: string, escape: string): { flags: Flag[]; rest: string; offset: number } {
  const flags: Flag[] = [];
  let pos = 0;
  for (;;) {
    while (pos < args.length && /\s/.test(args[pos]!)) pos++;
    if (!args.startsWith("--", pos)) break;
    const word = splitRawWords(args.slice(pos), escape)[0] ?? "";
    const start = pos;
    pos += word.length;
    if (word === "--") break;
    const eq = word.indexOf("=");
    flags.push({
      name: eq < 0 ? word.slice(2) : word.slice(2, eq),
      value: eq < 0 ? undefined : word.slice(eq + 1),
      column: start,
    });
  }
  while (pos < args.length && /\s/.test(args[pos]!)) pos++;
  return { flags, rest: args.slice(pos), offset: pos };
}

function parseJsonArray(text: string): string[] | undefined {
  const t = text.trim();
  if (!t.startsWith("[")) return undefined;
  try {
    const v: unknown = JSON.parse(t);
    if (Array.isArray(v) && v.every((x) => typeof x === "string")) return v as string[];
  } catch {
    // not JSON: shell form
  }
  return undefined;
}

function commandForm(text: string): CommandForm {
  const argv = parseJsonArray(text);
  return argv ? { form: "exec", argv } : { form: "shell", text };
}

const DURATION_UNITS: Record<string, number> = {
  ns: 1,
  us: 1e3,
  "µs": 1e3,
  ms: 1e6,
  s: 1e9,
  m: 60e9,
  h: 3600e9,
};

/**
 * Parse a Go duration ("30s", "1m30s", "500ms") into nanoseconds.
 *
 * @param text The duration.
 * @returns Nanoseconds, or undefined if malformed.
 * @example
 * ```ts
 * import { parseGoDuration } from "./instructions.ts";
 * console.assert(parseGoDuration("1m30s") === 90e9);
 * ```
 */
export function parseGoDuration(text: string): number | undefined {
  if (text === "0") return 0;
  const re = /(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/y;
  let total = 0;
  let pos = 0;
  while (pos < text.length) {
    re.lastIndex = pos;
    const m = re.exec(text);
    if (!m) return undefined;
    total += Number(m[1]) * DURATION_UNITS[m[2]!]!;
    pos = re.lastIndex;
  }
  return pos > 0 ? Math.round(total) : undefined;
}

function parsePairs(
  raw: RawInstruction,
  file: string,
  escape: string,
): { key: string; value: string }[] {
  const words = splitRawWords(raw.args, escape);
  const name = raw.cmd.toUpperCase();
  if (words.length === 0) {
    throw new DockerfileError(file, raw.line, `${name} requires at least one argument`);
  }
  if (!words[0]!.includes("=")) {
    if (raw.cmd === "label" || words.length < 2) {
      if (words.length < 2) {
        throw new DockerfileError(file, raw.line, `${name} must have two arguments`);
      }
    }
    // Legacy `ENV key value with spaces`.
    const key = words[0]!;
    const value = raw.args.slice(raw.args.indexOf(key) + key.length).trim();
    return [{ key, value }];
  }
  return words.map((w) => {
    const eq = w.indexOf("=");
    if (eq <= 0) {
      throw new DockerfileError(
        file,
        raw.line,
        `Syntax error - can't find = in "${w}". Must be of the form: name=value`,
      );
    }
    return { key: w.slice(0, eq), value: w.slice(eq + 1) };
  });
}

function checkFlags(raw: RawInstruction, flags: Flag[], file: string): void {
  const allowed = ALLOWED_FLAGS[raw.cmd] ?? [];
  for (const f of flags) {
    if (!allowed.includes(f.name)) {
      throw new DockerfileError(
        file,
        raw.line,
        `unknown flag: --${f.name}`,
        raw.argsColumn + f.column,
      );
    }
  }
}

function flagValue(flags: Flag[], name: string): string | undefined {
  let v: string | undefined;
  for (const f of flags) if (f.name === name) v = f.value ?? "true";
  return v;
}

function parseMount(text: string, raw: RawInstruction, file: string): RunMount {
  const options: Record<string, string> = {};
  for (const part of text.split(",")) {
    const eq = part.indexOf("=");
    const k = (eq < 0 ? part : part.slice(0, eq)).trim().toLowerCase();
    const v = eq < 0 ? "true" : part.slice(eq + 1).replace(/^"(.*)"$/, "$1");
    options[k] = v;
  }
  const type = options.type ?? "bind";
  const target = options.target ?? options.dst ?? options.destination;
  if (!target) throw new DockerfileError(file, raw.line, `mount "${text}": target is required`);
  return { type, target, id: options.id, options };
}

function toInstruction(
  raw: RawInstruction,
  file: string,
  escape: string,
  nested: boolean,
): Instruction {
  const original = `${raw.cmd.toUpperCase()} ${raw.args}`.trimEnd();
  const base = { line: raw.line, endLine: raw.endLine, original };
  const needArgs = (n = 1) => {
    if (raw.args.trim() === "" && n > 0) {
      throw new DockerfileError(
        file,
        raw.line,
        `${raw.cmd.toUpperCase()} requires at least one argument`,
      );
    }
  };
  switch (raw.cmd) {
    case "from": {
      const { flags, rest } = takeFlags(raw.args, escape);
      checkFlags(raw, flags, file);
      const words = splitRawWords(rest, escape);
      if (words.length !== 1 && !(words.length === 3 && words[1]!.toLowerCase() === "as")) {
        throw new DockerfileError(file, raw.line, `FROM requires either one or three arguments`);
      }
      const stage = words[2]?.toLowerCase();
      if (stage !== undefined && !/^[a-z][a-z0-9-_.]*$/.test(stage)) {
        throw new DockerfileError(
          file,
          raw.line,
          `invalid name for build stage: "${
            words[2]
          }", name can't start with a number or contain symbols`,
        );
      }
      return {
        ...base,
        kind: "from",
        image: words[0]!,
        stage,
        platform: flagValue(flags, "platform"),
      };
    }
    case "run": {
      const { flags, rest } = takeFlags(raw.args, escape);
      checkFlags(raw, flags, file);
      if (rest.trim() === "") {
        throw new DockerfileError(file, raw.line, "RUN requires at least one argument");
      }
      const mounts = flags.filter((f) => f.name === "mount").map((f) =>
        parseMount(f.value ?? "", raw, file)
      );
      return {
        ...base,
        kind: "run",
        command: commandForm(rest),
        heredocs: raw.heredocs,
        mounts,
        network: flagValue(flags, "network"),
      };
    }
    case "copy":
    case "add": {
      const { flags, rest } = takeFlags(raw.args, escape);
      checkFlags(raw, flags, file);
      for (const f of flags) {
        if (f.name === "parents" || f.name === "checksum" || f.name === "keep-git-dir") {
          throw new DockerfileError(
            file,
            raw.line,
            `${raw.cmd.toUpperCase()} --${f.name} is not supported by Berth`,
            raw.argsColumn + f.column,
          );
        }
      }
      const words = parseJsonArray(rest) ?? splitRawWords(rest, escape);
      if (words.length < 2) {
        throw new DockerfileError(
          file,
          raw.line,
          `${raw.cmd.toUpperCase()} requires at least two arguments, but only one was provided. Destination could not be determined`,
        );
      }
      const link = flagValue(flags, "link");
      return {
        ...base,
        kind: raw.cmd,
        sources: words.slice(0, -1),
        dest: words[words.length - 1]!,
        from: flagValue(flags, "from"),
        chown: flagValue(flags, "chown"),
        chmod: flagValue(flags, "chmod"),
        link: link !== undefined && link !== "false",
        exclude: flags.filter((f) => f.name === "exclude").map((f) => f.value ?? ""),
        heredocs: raw.heredocs,
      };
    }
    case "env":
    case "label":
      return { ...base, kind: raw.cmd, pairs: parsePairs(raw, file, escape) };
    case "arg": {
      needArgs();
      const args = splitRawWords(raw.args, escape).map((w) => {
        const eq = w.indexOf("=");
        return eq < 0 ? { name: w } : { name: w.slice(0, eq), defaultValue: w.slice(eq + 1) };
      });
      for (const a of args) {
        if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(a.name)) {
          throw new DockerfileError(file, raw.line, `invalid ARG name "${a.name}"`);
        }
      }
      return { ...base, kind: "arg", args };
    }
    case "workdir":
    case "user":
    case "stopsignal":
    case "maintainer": {
      needArgs();
      const value = raw.cmd === "maintainer" || raw.cmd === "workdir"
        ? raw.args.trim()
        : raw.args.trim();
      if (
        raw.cmd !== "maintainer" && raw.cmd !== "workdir" &&
        splitRawWords(value, escape).length !== 1
      ) {
        throw new DockerfileError(
          file,
          raw.line,
          `${raw.cmd.toUpperCase()} requires exactly one argument`,
        );
      }
      return { ...base, kind: raw.cmd, value };
    }
    case "expose":
    case "volume": {
      needArgs();
      const values = (raw.cmd === "volume" ? parseJsonArray(raw.args) : undefined) ??
        splitRawWords(raw.args, escape);
      return { ...base, kind: raw.cmd, values };
    }
    case "cmd":
    case "entrypoint":
      needArgs();
      return { ...base, kind: raw.cmd, command: commandForm(raw.args) };
    case "shell": {
      const argv = parseJsonArray(raw.args);
      if (!argv || argv.length === 0) {
        throw new DockerfileError(
          file,
          raw.line,
          "SHELL requires the arguments to be in JSON form",
        );
      }
      return { ...base, kind: "shell", argv };
    }
    case "healthcheck": {
      const { flags, rest } = takeFlags(raw.args, escape);
      checkFlags(raw, flags, file);
      const words = splitRawWords(rest, escape);
      const typ = words[0]?.toUpperCase();
      if (typ === "NONE") {
        if (words.length > 1 || flags.length > 0) {
          throw new DockerfileError(file, raw.line, "HEALTHCHECK NONE takes no arguments");
        }
        return { ...base, kind: "healthcheck", none: true };
      }
      if (typ !== "CMD") {
        throw new DockerfileError(
          file,
          raw.line,
          `Unknown type "${words[0] ?? ""}" in HEALTHCHECK (try CMD)`,
        );
      }
      const cmdText = rest.trimStart().slice(3).trimStart();
      if (cmdText === "") {
        throw new DockerfileError(file, raw.line, "Missing command after HEALTHCHECK CMD");
      }
      const dur = (name: string): number | undefined => {
        const v = flagValue(flags, name);
        if (v === undefined) return undefined;
        const ns = parseGoDuration(v);
        if (ns === undefined) {
          throw new DockerfileError(file, raw.line, `invalid duration for --${name}: "${v}"`);
        }
        return ns;
      };
      const retriesText = flagValue(flags, "retries");
      const retries = retriesText === undefined ? undefined : Number(retriesText);
      if (retries !== undefined && (!Number.isInteger(retries) || retries < 0)) {
        throw new DockerfileError(file, raw.line, `invalid --retries: "${retriesText}"`);
      }
      return {
        ...base,
        kind: "healthcheck",
        none: false,
        command: commandForm(cmdText),
        interval: dur("interval"),
        timeout: dur("timeout"),
        startPeriod: dur("start-period"),
        startInterval: dur("start-interval"),
        retries,
      };
    }
    case "onbuild": {
      if (nested) {
        throw new DockerfileError(
          file,
          raw.line,
          "Chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed",
        );
      }
      needArgs();
      const inner = parseDockerfile(raw.args, file, { heredocs: false, escape }).instructions[0];
      if (!inner) {
        throw new DockerfileError(file, raw.line, "ONBUILD requires at least one argument");
      }
      if (inner.cmd === "onbuild") {
        throw new DockerfileError(
          file,
          raw.line,
          "Chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed",
        );
      }
      if (inner.cmd === "from" || inner.cmd === "maintainer") {
        throw new DockerfileError(
          file,
          raw.line,
          `${inner.cmd.toUpperCase()} isn't allowed as an ONBUILD trigger`,
        );
      }
      const parsed = toInstruction(
        { ...inner, line: raw.line, endLine: raw.endLine, heredocs: raw.heredocs },
        file,
        escape,
        true,
      );
      return { ...base, kind: "onbuild", trigger: raw.args, parsed };
    }
  }
  throw new DockerfileError(file, raw.line, `unknown instruction: ${raw.written}`);
}

/**
 * Parse a Dockerfile down to typed instructions (arguments not yet expanded).
 *
 * @param text The file's contents.
 * @param file The name used in errors.
 * @returns The typed Dockerfile.
 * @throws {DockerfileError} with file:line on any syntax error.
 * @example
 * ```ts
 * import { parseInstructions } from "./instructions.ts";
 * const df = parseInstructions('FROM scratch AS base\nCMD ["/app"]\n');
 * const cmd = df.instructions[1]!;
 * console.assert(cmd.kind === "cmd" && cmd.command.form === "exec");
 * ```
 */
export function parseInstructions(text: string, file = "Dockerfile"): Dockerfile {
  const parsed = parseDockerfile(text, file);
  const instructions = parsed.instructions.map((raw) =>
    toInstruction(raw, file, parsed.escape, false)
  );
  // Before the first FROM only ARG is allowed (and parser directives/comments).
  for (const ins of instructions) {
    if (ins.kind === "from") break;
    if (ins.kind !== "arg") {
      throw new DockerfileError(file, ins.line, "no build stage in current context");
    }
  }
  if (!instructions.some((i) => i.kind === "from")) {
    throw new DockerfileError(file, 0, "the Dockerfile has no FROM instruction");
  }
  const checks = runChecks(parsed.instructions, instructions, parsed.directives.check, file);
  return {
    file,
    escape: parsed.escape,
    instructions,
    warnings: [...parsed.warnings, ...checks],
    checkDirective: parsed.directives.check,
  };
}

/**
 * Parse one `ONBUILD` trigger as stored in an image config (`"COPY . /src"`).
 *
 * @param text The trigger text.
 * @param file Name for errors (e.g. "ONBUILD trigger of base:1").
 * @returns The instruction.
 * @throws {DockerfileError} when the trigger is not a valid instruction.
 * @example
 * ```ts
 * import { parseTrigger } from "./instructions.ts";
 * console.assert(parseTrigger("RUN echo hi").kind === "run");
 * ```
 */
export function parseTrigger(text: string, file = "ONBUILD trigger"): Instruction {
  const raw = parseDockerfile(text, file, { heredocs: false }).instructions[0];
  if (!raw) throw new DockerfileError(file, 1, "empty ONBUILD trigger");
  if (raw.cmd === "onbuild" || raw.cmd === "from" || raw.cmd === "maintainer") {
    throw new DockerfileError(
      file,
      1,
      `${raw.cmd.toUpperCase()} isn't allowed as an ONBUILD trigger`,
    );
  }
  return toInstruction(raw, file, "\\", true);
}
