/**
 * Multi-stage planning: the global ARGs (before the first FROM, usable in FROM lines),
 * the stages, the target (`--target` or the last stage) and the stages it needs
 * (`FROM <stage>`, `COPY --from=<stage|index>`), in file order, as BuildKit builds them.
 *
 * @module
 */
import { ImageError } from "../store/errors.ts";
import { DockerfileError } from "./dockerfile_parser.ts";
import type { FromInstruction, Instruction } from "./instructions.ts";
import { expandWord, ExpansionError } from "./shell_lex.ts";
import { BuildStepError } from "./stage_state.ts";

/** One `FROM` and the instructions after it. */
export interface Stage {
  /** Position in the file (0-based; `COPY --from=0` names it). */
  index: number;
  /** `AS name` (lower case). */
  name?: string;
  /** The FROM instruction. */
  from: FromInstruction;
  /** Instructions up to the next FROM. */
  body: Instruction[];
}

/** The planned stages. */
export interface StagePlan {
  /** Global ARGs with their values. */
  globalArgs: Map<string, string | undefined>;
  /** Global ARGs that have values (FROM lines expand with these). */
  globalEnv: Map<string, string>;
  /** All stages. */
  stages: Stage[];
  /** The stage whose image is the result. */
  target: Stage;
  /** The stages to build, in order. */
  order: Stage[];
  /** The stage a FROM/--from text names, if it is an earlier stage. */
  stageRef: (text: string, before: number) => Stage | undefined;
}

/** Platform build args (BuildKit's automatic ARGs), for Berth's wasi/wasm target. */
export const PLATFORM_ARGS: readonly [string, string][] = [
  ["TARGETPLATFORM", "wasi/wasm"],
  ["TARGETOS", "wasi"],
  ["TARGETARCH", "wasm"],
  ["TARGETVARIANT", ""],
  ["BUILDPLATFORM", "wasi/wasm"],
  ["BUILDOS", "wasi"],
  ["BUILDARCH", "wasm"],
  ["BUILDVARIANT", ""],
];

/**
 * Expand a word, turning an expansion error into a step error with the line.
 *
 * @param text Raw word.
 * @param env Variables.
 * @param escape Escape character.
 * @param file Dockerfile name.
 * @param line Line of the instruction.
 * @param unmatched Collects unset variables used without a default.
 * @returns The expanded word.
 */
export function expandOrFail(
  text: string,
  env: ReadonlyMap<string, string>,
  escape: string,
  file: string,
  line: number,
  unmatched?: Set<string>,
): string {
  try {
    return expandWord(text, env, escape, unmatched);
  } catch (e) {
    if (e instanceof ExpansionError) throw new BuildStepError(file, line, e.message);
    throw e;
  }
}

/**
 * Split instructions into global ARGs and stages, pick the target and the stages it needs.
 *
 * @param instructions The parsed Dockerfile.
 * @param ctx File name, escape, build args (the ones used are added to `consumed`), target.
 * @returns The plan.
 * @throws {DockerfileError} for duplicate stage names; ImageError for an unknown target.
 */
export function planStages(
  instructions: readonly Instruction[],
  ctx: {
    file: string;
    escape: string;
    buildArgs: ReadonlyMap<string, string>;
    consumed: Set<string>;
    target?: string;
  },
): StagePlan {
  const { file, escape, buildArgs, consumed } = ctx;
  const globalArgs = new Map<string, string | undefined>(PLATFORM_ARGS);
  const stages: Stage[] = [];
  for (const ins of instructions) {
    if (ins.kind === "from") {
      stages.push({ index: stages.length, name: ins.stage, from: ins, body: [] });
    } else if (stages.length === 0 && ins.kind === "arg") {
      const env = new Map([...globalArgs].filter((e): e is [string, string] => e[1] !== undefined));
      for (const a of ins.args) {
        let value: string | undefined;
        if (buildArgs.has(a.name)) {
          value = buildArgs.get(a.name);
          consumed.add(a.name);
        } else if (a.defaultValue !== undefined) {
          value = expandOrFail(a.defaultValue, env, escape, file, ins.line);
        }
        globalArgs.set(a.name, value);
        if (value !== undefined) env.set(a.name, value);
      }
    } else {
      stages[stages.length - 1]!.body.push(ins);
    }
  }
  const globalEnv = new Map(
    [...globalArgs].filter((e): e is [string, string] => e[1] !== undefined),
  );
  const byName = new Map<string, Stage>();
  for (const s of stages) {
    if (s.name) {
      if (byName.has(s.name)) {
        throw new DockerfileError(file, s.from.line, `duplicate stage name "${s.name}"`);
      }
      byName.set(s.name, s);
    }
  }
  const stageRef = (text: string, before: number): Stage | undefined => {
    const named = byName.get(text.toLowerCase());
    if (named && named.index < before) return named;
    if (/^\d+$/.test(text) && Number(text) < before) return stages[Number(text)];
    return undefined;
  };
  let target = stages[stages.length - 1]!;
  if (ctx.target !== undefined) {
    const t = byName.get(ctx.target.toLowerCase());
    if (!t) throw new ImageError(`target stage "${ctx.target}" could not be found`);
    target = t;
  }
  // Stages the target needs, built in file order.
  const needed = new Set<number>();
  const visit = (s: Stage) => {
    if (needed.has(s.index)) return;
    needed.add(s.index);
    const base = stageRef(
      expandOrFail(s.from.image, globalEnv, escape, file, s.from.line),
      s.index,
    );
    if (base) visit(base);
    for (const ins of s.body) {
      if (ins.kind === "copy" && ins.from !== undefined) {
        const dep = stageRef(expandOrFail(ins.from, globalEnv, escape, file, ins.line), s.index);
        if (dep) visit(dep);
      }
    }
  };
  visit(target);
  const order = stages.filter((s) => needed.has(s.index));
  return { globalArgs, globalEnv, stages, target, order, stageRef };
}
