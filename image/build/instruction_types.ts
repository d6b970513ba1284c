/**
 * The typed form of Dockerfile instructions, as `parseInstructions` produces them.
 * Arguments are kept as written (quotes included, variables unexpanded): the builder
 * expands them with the ENV/ARG values in scope at each step.
 *
 * @module
 */
import type { Heredoc } from "./dockerfile_parser.ts";

/** A command in exec form (JSON array) or shell form (text run through `SHELL`). */
export type CommandForm =
  | {
    /** Exec form. */
    form: "exec";
    /** The argv as written in the JSON array. */
    argv: string[];
  }
  | {
    /** Shell form. */
    form: "shell";
    /** The command text, continuations joined. */
    text: string;
  };

/** A `RUN --mount=…` (only `type=cache` is supported by Berth). */
export interface RunMount {
  /** Mount type ("cache", "bind", "tmpfs", "secret", "ssh"). */
  type: string;
  /** Absolute path inside the build container. */
  target: string;
  /** Cache id (defaults to the target). */
  id?: string;
  /** All options as written. */
  options: Record<string, string>;
}

/** What every instruction carries. */
export interface InstructionBase {
  /** First line. */
  line: number;
  /** Last line. */
  endLine: number;
  /** Instruction text as written, name upper-cased (`COPY a /b`), for history. */
  original: string;
}

/** `FROM [--platform=…] image [AS name]`. */
export interface FromInstruction extends InstructionBase {
  /** Discriminant. */
  kind: "from";
  /** Image reference, stage name or `scratch` (unexpanded). */
  image: string;
  /** `AS name`, lower-cased. */
  stage?: string;
  /** `--platform` value. */
  platform?: string;
}

/** `RUN`. */
export interface RunInstruction extends InstructionBase {
  /** Discriminant. */
  kind: "run";
  /** The command. */
  command: CommandForm;
  /** Heredocs following the line. */
  heredocs: Heredoc[];
  /** `--mount` flags. */
  mounts: RunMount[];
  /** `--network` value (ignored by Berth, with a note). */
  network?: string;
}

/** `COPY` and `ADD`. */
export interface CopyInstruction extends InstructionBase {
  /** Discriminant. */
  kind: "copy" | "add";
  /** Raw source words (a heredoc source is `<<NAME`). */
  sources: string[];
  /** Raw destination. */
  dest: string;
  /** `--from` (stage name, index or image). */
  from?: string;
  /** `--chown` value. */
  chown?: string;
  /** `--chmod` value. */
  chmod?: string;
  /** `--link` (accepted; the result is the same as without it). */
  link: boolean;
  /** `--exclude` patterns (dockerignore syntax, relative to each source). */
  exclude: string[];
  /** Heredocs following the line. */
  heredocs: Heredoc[];
}

/** `ENV` and `LABEL`: raw key and value words. */
export interface PairsInstruction extends InstructionBase {
  /** Discriminant. */
  kind: "env" | "label";
  /** The pairs, as written. */
  pairs: { key: string; value: string }[];
}

/** `ARG name[=default] …`. */
export interface ArgInstruction extends InstructionBase {
  /** Discriminant. */
  kind: "arg";
  /** Declared names and raw defaults. */
  args: { name: string; defaultValue?: string }[];
}

/** `WORKDIR`, `USER`, `STOPSIGNAL`, `MAINTAINER`: one raw value. */
export interface ValueInstruction extends InstructionBase {
  /** Discriminant. */
  kind: "workdir" | "user" | "stopsignal" | "maintainer";
  /** The value as written. */
  value: string;
}

/** `EXPOSE` and `VOLUME`: raw words (VOLUME may be JSON). */
export interface ListInstruction extends InstructionBase {
  /** Discriminant. */
  kind: "expose" | "volume";
  /** The words. */
  values: string[];
}

/** `CMD` and `ENTRYPOINT`. */
export interface CommandInstruction extends InstructionBase {
  /** Discriminant. */
  kind: "cmd" | "entrypoint";
  /** The command. */
  command: CommandForm;
}

/** `SHELL ["…", …]`. */
export interface ShellInstruction extends InstructionBase {
  /** Discriminant. */
  kind: "shell";
  /** The shell argv. */
  argv: string[];
}

/** `HEALTHCHECK NONE` or `HEALTHCHECK [opts] CMD …`, durations in nanoseconds. */
export interface HealthcheckInstruction extends InstructionBase {
  /** Discriminant. */
  kind: "healthcheck";
  /** `HEALTHCHECK NONE`. */
  none: boolean;
  /** The check command. */
  command?: CommandForm;
  /** `--interval`. */
  interval?: number;
  /** `--timeout`. */
  timeout?: number;
  /** `--start-period`. */
  startPeriod?: number;
  /** `--start-interval`. */
  startInterval?: number;
  /** `--retries`. */
  retries?: number;
}

/** `ONBUILD <instruction>`: the trigger text, and its parse. */
export interface OnbuildInstruction extends InstructionBase {
  /** Discriminant. */
  kind: "onbuild";
  /** The trigger as written ("COPY . /src"). */
  trigger: string;
  /** The trigger parsed. */
  parsed: Instruction;
}

/** Any instruction. */
export type Instruction =
  | FromInstruction
  | RunInstruction
  | CopyInstruction
  | PairsInstruction
  | ArgInstruction
  | ValueInstruction
  | ListInstruction
  | CommandInstruction
  | ShellInstruction
  | HealthcheckInstruction
  | OnbuildInstruction;

/** A Dockerfile parsed down to typed instructions. */
export interface Dockerfile {
  /** File name used in errors. */
  file: string;
  /** The escape character. */
  escape: string;
  /** Instructions, in order. */
  instructions: Instruction[];
  /** Notes for the user. */
  warnings: string[];
  /** The `# check=` directive, if any (build-time checks honour its `skip=`). */
  checkDirective?: string;
}
