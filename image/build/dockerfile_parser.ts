/**
 * Dockerfile/Containerfile text → raw instructions, following Docker's reference:
 * parser directives (`# escape=`, `# syntax=` ignored with a note, `# check=`),
 * comments, line continuations, heredocs (`<<EOF`, `<<-EOF`, quoted delimiters) for
 * `RUN`/`COPY`/`ADD`, case-insensitive instruction names. Errors carry file, line and
 * column and read like BuildKit's: `Dockerfile:7: unknown instruction: RUNN`.
 *
 * @module
 */

/** Instruction names Berth knows (lower case). */
export const INSTRUCTIONS: readonly string[] = [
  "from",
  "run",
  "cmd",
  "label",
  "maintainer",
  "expose",
  "env",
  "add",
  "copy",
  "entrypoint",
  "volume",
  "user",
  "workdir",
  "arg",
  "onbuild",
  "stopsignal",
  "healthcheck",
  "shell",
];

const HEREDOC_INSTRUCTIONS = new Set(["run", "copy", "add"]);

/** A Dockerfile that cannot be parsed or built; names the file, line and column. */
export class DockerfileError extends Error {
  /** File name as given (e.g. "Dockerfile"). */
  readonly file: string;
  /** 1-based line (0 when the error is about the whole file). */
  readonly line: number;
  /** 1-based column (1 when unknown). */
  readonly column: number;
  /** The message without the location prefix. */
  readonly reason: string;
  /**
   * Make the error.
   *
   * @param file File name.
   * @param line 1-based line.
   * @param reason What is wrong.
   * @param column 1-based column.
   */
  constructor(file: string, line: number, reason: string, column = 1) {
    super(line > 0 ? `${file}:${line}: ${reason}` : `${file}: ${reason}`);
    this.name = "DockerfileError";
    this.file = file;
    this.line = line;
    this.column = column;
    this.reason = reason;
  }
}

/** A heredoc attached to an instruction. */
export interface Heredoc {
  /** The delimiter word ("EOF"). */
  name: string;
  /** The body, each line ending in "\n". */
  content: string;
  /** Whether variables in the body are expanded (false when the delimiter was quoted). */
  expand: boolean;
  /** `<<-`: leading tabs were stripped. */
  chomp: boolean;
}

/** One instruction as written, before its arguments are interpreted. */
export interface RawInstruction {
  /** Lower-case instruction name ("run"). */
  cmd: string;
  /** Name as written ("Run"). */
  written: string;
  /** Everything after the name, continuations joined, heredoc bodies excluded. */
  args: string;
  /** The heredocs, in the order they appear. */
  heredocs: Heredoc[];
  /** First line (1-based). */
  line: number;
  /** Last line including heredoc bodies. */
  endLine: number;
  /** Column where the arguments start (1-based). */
  argsColumn: number;
}

/** The parsed file. */
export interface ParsedDockerfile {
  /** The file name used in errors. */
  file: string;
  /** The escape character in effect. */
  escape: string;
  /** Parser directives found (`syntax`, `escape`, `check`). */
  directives: Record<string, string>;
  /** The instructions in order. */
  instructions: RawInstruction[];
  /** Notes for the user (ignored syntax directive, empty continuation lines). */
  warnings: string[];
}

const DIRECTIVE = /^#[ \t]*([a-zA-Z][a-zA-Z0-9]*)[ \t]*=[ \t]*(.*?)[ \t]*$/;
const KNOWN_DIRECTIVES = new Set(["syntax", "escape", "check"]);

function suggest(word: string): string {
  const w = word.toLowerCase();
  let best = "";
  let bestDistance = 3;
  for (const name of INSTRUCTIONS) {
    const d = editDistance(w, name);
    if (d < bestDistance) {
      bestDistance = d;
      best = name;
    }
  }
  return best ? ` (did you mean ${best}?)` : "";
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return row[b.length]!;
}

/** Find `<<EOF`, `<<-EOF`, `<<"EOF"`, `<<'EOF'` outside quotes in an instruction's args. */
function findHeredocs(
  args: string,
  escape: string,
): { name: string; expand: boolean; chomp: boolean }[] {
  const found: { name: string; expand: boolean; chomp: boolean }[] = [];
  let quote: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const ch = args[i]!;
    if (ch === escape && quote !== "'") {
      i++;
      continue;
    }
    if (quote === undefined && (ch === '"' || ch === "'")) {
      quote = ch;
      continue;
    }
    if (quote === ch) {
      quote = undefined;
      continue;
    }
    if (quote !== undefined || ch !== "<" || args[i + 1] !== "<") continue;
    // Must start a word (here-strings `<<<` are not heredocs).
    if (i > 0 && !/[\s>|&;(]/.test(args[i - 1]!)) continue;
    const m = /^<<(-?)(["']?)([A-Za-z_][A-Za-z0-9_.-]*)\2/.exec(args.slice(i));
    if (!m) continue;
    found.push({ name: m[3]!, expand: m[2] === "", chomp: m[1] === "-" });
    i += m[0].length - 1;
  }
  return found;
}

/**
 * Parse a Dockerfile's text into raw instructions.
 *
 * @param text The file's contents.
 * @param file The name to use in errors ("Dockerfile").
 * @param options `heredocs: false` leaves heredoc markers unread (ONBUILD triggers);
 *   `escape` sets the escape character when there is no directive.
 * @returns The directives, instructions and warnings.
 * @throws {DockerfileError} on unknown instructions, bad directives, unterminated heredocs.
 * @example
 * ```ts
 * import { parseDockerfile } from "./dockerfile_parser.ts";
 * const df = parseDockerfile("FROM scratch\ncopy a \\\n  /b\n");
 * console.assert(df.instructions[1]!.cmd === "copy");
 * console.assert(df.instructions[1]!.args === "a   /b");
 * ```
 */
export function parseDockerfile(
  text: string,
  file = "Dockerfile",
  options: { heredocs?: boolean; escape?: string } = {},
): ParsedDockerfile {
  const lines = text.replace(/^\uFEFF/, "").split("\n").map((l) => l.replace(/\r$/, ""));
  const directives: Record<string, string> = {};
  const warnings: string[] = [];
  let i = 0;
  // Parser directives: only at the very top, before any comment, blank line or instruction.
  for (; i < lines.length; i++) {
    const m = DIRECTIVE.exec(lines[i]!);
    if (!m) break;
    const key = m[1]!.toLowerCase();
    if (!KNOWN_DIRECTIVES.has(key)) continue;
    if (key in directives) {
      throw new DockerfileError(file, i + 1, `only one ${key} parser directive can be used`);
    }
    directives[key] = m[2]!;
  }
  const escape = directives.escape ?? options.escape ?? "\\";
  if (escape !== "\\" && escape !== "`") {
    throw new DockerfileError(
      file,
      1,
      `invalid escape token '${escape}' does not match ` + "` or \\",
    );
  }
  if (directives.syntax !== undefined) {
    warnings.push(
      `syntax directive "${directives.syntax}" ignored: Berth has a built-in frontend and works offline`,
    );
  }
  const continuation = new RegExp(`${escape === "\\" ? "\\\\" : "`"}[ \\t]*$`);
  const instructions: RawInstruction[] = [];
  while (i < lines.length) {
    const first = lines[i]!;
    const trimmed = first.trimStart();
    if (trimmed === "" || trimmed.startsWith("#")) {
      i++;
      continue;
    }
    const startLine = i + 1;
    const indent = first.length - trimmed.length;
    let body = trimmed;
    i++;
    while (continuation.test(body)) {
      body = body.replace(continuation, "");
      let joined = false;
      while (i < lines.length) {
        const next = lines[i]!;
        const nt = next.trimStart();
        i++;
        if (nt.startsWith("#")) continue;
        if (nt === "") {
          warnings.push(`NoEmptyContinuation: Empty continuation line (line ${i})`);
          continue;
        }
        body += next;
        joined = true;
        break;
      }
      if (!joined) break;
    }
    const m = /^(\S+)(\s*)([\s\S]*)$/.exec(body);
    if (!m) continue;
    const written = m[1]!;
    const cmd = written.toLowerCase();
    if (!INSTRUCTIONS.includes(cmd)) {
      throw new DockerfileError(
        file,
        startLine,
        `unknown instruction: ${written}${suggest(written)}`,
        indent + 1,
      );
    }
    const args = m[3]!.replace(/\s+$/, "");
    const heredocs: Heredoc[] = [];
    let heredocSource = args;
    if (cmd === "onbuild") heredocSource = args.replace(/^\S+/, (w) => w.toLowerCase());
    const heredocCmd = cmd === "onbuild" ? (heredocSource.split(/\s/)[0] ?? "") : cmd;
    if (
      options.heredocs !== false && HEREDOC_INSTRUCTIONS.has(heredocCmd) &&
      !args.trimStart().startsWith("[")
    ) {
      for (const h of findHeredocs(args, escape)) {
        const bodyLines: string[] = [];
        let closed = false;
        while (i < lines.length) {
          let line = lines[i]!;
          i++;
          if (h.chomp) line = line.replace(/^\t+/, "");
          if (line === h.name) {
            closed = true;
            break;
          }
          bodyLines.push(line);
        }
        if (!closed) {
          throw new DockerfileError(file, startLine, `unterminated heredoc: missing "${h.name}"`);
        }
        heredocs.push({
          name: h.name,
          content: bodyLines.map((l) => l + "\n").join(""),
          expand: h.expand,
          chomp: h.chomp,
        });
      }
    }
    instructions.push({
      cmd,
      written,
      args,
      heredocs,
      line: startLine,
      endLine: i,
      argsColumn: indent + written.length + m[2]!.length + 1,
    });
  }
  return { file, escape, directives, instructions, warnings };
}
