/**
 * Build checks, as BuildKit runs them on every Dockerfile: style and pitfall warnings
 * with BuildKit's rule names and wording, `# check=skip=Rule1,Rule2` or `skip=all` to
 * silence them, and `# check=error=true` to fail the build on any of them.
 *
 * @module
 */
import { DockerfileError, type RawInstruction } from "./dockerfile_parser.ts";
import type { Instruction } from "./instruction_types.ts";

/** One check result. */
export interface CheckWarning {
  /** BuildKit's rule name ("JSONArgsRecommended"). */
  rule: string;
  /** What is wrong. */
  message: string;
  /** Line of the instruction. */
  line: number;
}

/**
 * Run the checks on a parsed Dockerfile.
 *
 * @param raw The raw instructions (for names as written).
 * @param typed The typed instructions (same order).
 * @param check The `# check=` directive's value, if any.
 * @param file File name for errors.
 * @returns Warnings formatted as BuildKit prints them ("Rule: message (line N)").
 * @throws {DockerfileError} when `error=true` and a check fails.
 * @example
 * ```ts
 * import { parseDockerfile } from "./dockerfile_parser.ts";
 * import { parseInstructions } from "./instructions.ts";
 * const text = "FROM scratch\nCMD run\n";
 * const w = runChecks(parseDockerfile(text).instructions, parseInstructions(text).instructions);
 * console.assert(w[0]!.startsWith("JSONArgsRecommended:"));
 * ```
 */
export function runChecks(
  raw: readonly RawInstruction[],
  typed: readonly Instruction[],
  check?: string,
  file = "Dockerfile",
): string[] {
  const settings = parseCheckDirective(check);
  if (settings.skipAll) return [];
  const found: CheckWarning[] = [];
  const upper = raw.filter((r) => r.written === r.written.toUpperCase()).length;
  const majorityUpper = upper * 2 >= raw.length;
  let absoluteWorkdir = false;
  raw.forEach((r, i) => {
    const ins = typed[i];
    if (!ins) return;
    const wantUpper = majorityUpper;
    if (
      (wantUpper && r.written !== r.written.toUpperCase()) ||
      (!wantUpper && r.written !== r.written.toLowerCase())
    ) {
      found.push({
        rule: "ConsistentInstructionCasing",
        message: `Command '${r.written}' should match the case of the command majority (${
          wantUpper ? "uppercase" : "lowercase"
        })`,
        line: r.line,
      });
    }
    if ((ins.kind === "cmd" || ins.kind === "entrypoint") && ins.command.form === "shell") {
      found.push({
        rule: "JSONArgsRecommended",
        message: `JSON arguments recommended for ${ins.kind.toUpperCase()} to prevent unintended ` +
          "behavior related to OS signals",
        line: r.line,
      });
    }
    if (ins.kind === "maintainer") {
      found.push({
        rule: "MaintainerDeprecated",
        message: "Maintainer instruction is deprecated in favor of using label",
        line: r.line,
      });
    }
    if (ins.kind === "env" || ins.kind === "label") {
      const first = r.args.trim().split(/\s+/)[0] ?? "";
      if (!first.includes("=")) {
        const name = ins.kind.toUpperCase();
        found.push({
          rule: "LegacyKeyValueFormat",
          message:
            `"${name} key=value" should be used instead of legacy "${name} key value" format`,
          line: r.line,
        });
      }
    }
    if (ins.kind === "from") absoluteWorkdir = false;
    if (ins.kind === "workdir") {
      const path = ins.value.replace(/^["']|["']$/g, "");
      if (path.startsWith("/") || path.startsWith("$")) absoluteWorkdir = true;
      else if (!absoluteWorkdir) {
        found.push({
          rule: "WorkdirRelativePath",
          message:
            `Relative workdir "${path}" can have unexpected results if the base image changes`,
          line: r.line,
        });
      }
    }
    if (ins.kind === "from" && ins.stage && ["context", "scratch"].includes(ins.stage)) {
      found.push({
        rule: "ReservedStageName",
        message: `Stage name should not use the same name as reserved stage "${ins.stage}"`,
        line: r.line,
      });
    }
    if (ins.kind === "from") {
      const words = r.args.trim().split(/\s+/).filter((w) => !w.startsWith("--"));
      const as = words[1];
      const name = words[2];
      if (as && name) {
        if (name !== name.toLowerCase()) {
          found.push({
            rule: "StageNameCasing",
            message: `Stage name '${name}' should be lowercase`,
            line: r.line,
          });
        }
        const fromUpper = r.written === r.written.toUpperCase();
        const asUpper = as === as.toUpperCase();
        if (fromUpper !== asUpper) {
          found.push({
            rule: "FromAsCasing",
            message: `'${as}' and '${r.written}' keywords' casing do not match`,
            line: r.line,
          });
        }
      }
    }
  });
  const kept = found.filter((w) => !settings.skip.has(w.rule.toLowerCase()));
  if (settings.error && kept.length > 0) {
    const w = kept[0]!;
    throw new DockerfileError(file, w.line, `lint violation: ${w.rule}: ${w.message}`);
  }
  return kept.map((w) => `${w.rule}: ${w.message} (line ${w.line})`);
}

function parseCheckDirective(
  value?: string,
): { skipAll: boolean; skip: Set<string>; error: boolean } {
  const out = { skipAll: false, skip: new Set<string>(), error: false };
  for (const part of (value ?? "").split(";")) {
    const eq = part.indexOf("=");
    if (eq < 0) continue;
    const key = part.slice(0, eq).trim().toLowerCase();
    const val = part.slice(eq + 1).trim();
    if (key === "skip") {
      if (val.toLowerCase() === "all") out.skipAll = true;
      for (const rule of val.split(",")) out.skip.add(rule.trim().toLowerCase());
    } else if (key === "error") {
      out.error = val.toLowerCase() === "true";
    }
  }
  return out;
}

/**
 * Rule names a `# check=skip=…` directive silences (lower case; "all" for all), for the
 * checks that run while building (UndefinedVar, UndefinedArgInFrom).
 *
 * @param directive The directive's value.
 * @returns Lower-case rule names.
 * @example
 * ```ts
 * import { checkSkips } from "./dockerfile_checks.ts";
 * console.assert(checkSkips("skip=UndefinedVar").has("undefinedvar"));
 * ```
 */
export function checkSkips(directive: string | undefined): Set<string> {
  const out = new Set<string>();
  for (const part of (directive ?? "").split(";")) {
    const [k, v] = part.split("=", 2);
    if (k?.trim().toLowerCase() !== "skip" || v === undefined) continue;
    for (const r of v.split(",")) out.add(r.trim().toLowerCase());
  }
  return out;
}

/**
 * The name closest to `name` (edit distance ≤ 2), for "did you mean".
 *
 * @param name The unknown name.
 * @param candidates Known names.
 * @returns The closest, or undefined.
 * @example
 * ```ts
 * import { closestName } from "./dockerfile_checks.ts";
 * console.assert(closestName("PAHT", ["PATH", "HOME"]) === "PATH");
 * ```
 */
export function closestName(name: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestD = 3;
  for (const c of candidates) {
    if (Math.abs(c.length - name.length) >= bestD) continue;
    const d = distance(name, c);
    if (d > 0 && d < bestD) {
      best = c;
      bestD = d;
    }
  }
  return best;
}

function distance(a: string, b: string): number {
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
