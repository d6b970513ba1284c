/**
 * `berth completion bash|zsh|fish`: completion scripts generated from the command table.
 *
 * @module
 */
import type { ParsedArgs } from "./_args.ts";
import type { Context } from "./_context.ts";
import type { CommandDef } from "./_commands.ts";
import { TOP_LEVEL } from "./_command_table.ts";

function allTop(): CommandDef[] {
  return [...TOP_LEVEL.common, ...TOP_LEVEL.management, ...TOP_LEVEL.other];
}

function flagWords(cmd: CommandDef): string[] {
  return cmd.flags.flatMap((f) => [`--${f.name}`, ...(f.short ? [`-${f.short}`] : [])]);
}

function bash(): string {
  const cmds = allTop();
  const cases = cmds.map((c) => {
    if (c.sub) {
      const subs = c.sub.map((s) => s.name).join(" ");
      const subCases = c.sub.map((s) => `        ${s.name}) words="${flagWords(s).join(" ")}" ;;`)
        .join("\n");
      return `    ${c.name})\n      if [ "$COMP_CWORD" -eq 2 ]; then words="${subs}"; else\n      case "\${COMP_WORDS[2]}" in\n${subCases}\n      esac; fi ;;`;
    }
    return `    ${c.name}) words="${flagWords(c).join(" ")}" ;;`;
  }).join("\n");
  return `# bash completion for berth
_berth() {
  local cur words=""
  cur="\${COMP_WORDS[COMP_CWORD]}"
  if [ "$COMP_CWORD" -eq 1 ]; then
    words="${cmds.map((c) => c.name).join(" ")}"
  else
    case "\${COMP_WORDS[1]}" in
${cases}
    esac
    if [[ "$cur" != -* ]]; then
      words="$words $(berth ps -a --format '{{.Names}}' 2>/dev/null) $(berth images --format '{{.Repository}}:{{.Tag}}' 2>/dev/null)"
    fi
  fi
  COMPREPLY=( $(compgen -W "$words" -- "$cur") )
}
complete -F _berth berth
`;
}

function zsh(): string {
  return `#compdef berth
# zsh completion for berth (uses the bash completion through bashcompinit)
autoload -U +X bashcompinit && bashcompinit
${bash()}`;
}

function fish(): string {
  const lines = ["# fish completion for berth", "complete -c berth -f"];
  for (const c of allTop()) {
    lines.push(
      `complete -c berth -n '__fish_use_subcommand' -a ${c.name} -d ${JSON.stringify(c.summary)}`,
    );
    const flagsOf = (cmd: CommandDef, cond: string) => {
      for (const f of cmd.flags) {
        lines.push(
          `complete -c berth -n ${JSON.stringify(cond)} -l ${f.name}${
            f.short ? ` -s ${f.short}` : ""
          } -d ${JSON.stringify(f.description.split("\n")[0])}`,
        );
      }
    };
    if (c.sub) {
      for (const s of c.sub) {
        lines.push(
          `complete -c berth -n '__fish_seen_subcommand_from ${c.name}' -a ${s.name} -d ${
            JSON.stringify(s.summary)
          }`,
        );
      }
    } else flagsOf(c, `__fish_seen_subcommand_from ${c.name}`);
  }
  return lines.join("\n") + "\n";
}

/** `berth completion SHELL`. */
export function completion(ctx: Context, args: ParsedArgs): Promise<number> {
  const shell = args.positionals[0];
  const script = shell === "bash"
    ? bash()
    : shell === "zsh"
    ? zsh()
    : shell === "fish"
    ? fish()
    : undefined;
  if (!script) {
    ctx.err(`berth: unsupported shell "${shell}" (bash, zsh or fish)`);
    return Promise.resolve(125);
  }
  ctx.out(script.trimEnd());
  return Promise.resolve(0);
}
