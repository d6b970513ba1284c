/**
 * The syntax tree of the Berth shell: what {@link parseScript} produces and the
 * executor walks. Words keep their quoting structure so that expansion can tell
 * quoted text (no field splitting, no globbing) from unquoted text, as POSIX requires.
 *
 * @module
 */

/** One piece of a word. `quoted` marks parts inside double quotes. */
export type WordPart =
  | { type: "lit"; text: string; quoted: boolean }
  | { type: "sq"; text: string }
  | { type: "dq"; parts: WordPart[] }
  | { type: "param"; param: ParamExp; quoted: boolean }
  | { type: "cmdsub"; script: Script; quoted: boolean }
  | { type: "arith"; expr: Word; quoted: boolean }
  | { type: "tilde"; user: string };

/** A parameter expansion `$X`, `${X}`, `${X:-w}`, `${#X}`, `${X%p}` … */
export interface ParamExp {
  /** Name, digits, or one of `@ * # ? - $ ! 0`. */
  name: string;
  /** Operator, "" for a plain expansion, "#len" for `${#X}`. */
  op: "" | "#len" | "-" | "=" | "?" | "+" | "#" | "##" | "%" | "%%";
  /** Whether the operator had a colon (`${X:-w}` tests for empty too). */
  colon: boolean;
  /** The word after the operator. */
  arg?: Word;
}

/** A word: a list of parts concatenated. */
export interface Word {
  /** The parts in order. */
  parts: WordPart[];
}

/** A redirection such as `2>&1`, `>>log`, `<<EOF`. */
export interface Redir {
  /** Target fd (default 0 for input operators, 1 for output). */
  fd: number;
  /** Operator. */
  op: "<" | ">" | ">>" | ">|" | "<>" | "<&" | ">&" | "<<" | "<<-";
  /** File name, fd number or here-doc delimiter word. */
  target: Word;
  /** Here-doc body (unexpanded when `hereQuoted`). */
  here?: Word;
  /** Whether the here-doc delimiter was quoted (no expansion of the body). */
  hereQuoted?: boolean;
}

/** An assignment prefix `NAME=value`. */
export interface Assign {
  /** Variable name. */
  name: string;
  /** Value word (no field splitting, no globbing). */
  value: Word;
}

/** A command node. */
export type Command =
  | { type: "simple"; assigns: Assign[]; words: Word[]; redirs: Redir[]; line: number }
  | { type: "subshell"; body: Script; redirs: Redir[] }
  | { type: "group"; body: Script; redirs: Redir[] }
  | { type: "if"; clauses: { cond: Script; body: Script }[]; elseBody?: Script; redirs: Redir[] }
  | { type: "while"; until: boolean; cond: Script; body: Script; redirs: Redir[] }
  | { type: "for"; name: string; items?: Word[]; body: Script; redirs: Redir[] }
  | { type: "case"; word: Word; items: CaseItem[]; redirs: Redir[] }
  | { type: "func"; name: string; body: Command };

/** One `pattern|pattern) body ;;` arm of a case. */
export interface CaseItem {
  /** The patterns. */
  patterns: Word[];
  /** The body. */
  body: Script;
}

/** A pipeline `! a | b | c`. */
export interface Pipeline {
  /** Whether the status is negated with `!`. */
  bang: boolean;
  /** The commands, left to right. */
  cmds: Command[];
}

/** An and-or list `a && b || c`. */
export interface AndOr {
  /** First pipeline. */
  first: Pipeline;
  /** Following pipelines with their connectors. */
  rest: { op: "&&" | "||"; pipeline: Pipeline }[];
  /** Whether the list runs in the background (`&`). */
  background: boolean;
}

/** A list of and-or lists: a script or a compound command's body. */
export interface Script {
  /** Items in order. */
  items: AndOr[];
}
