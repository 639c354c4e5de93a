// Shell completion scripts (bash, zsh) generated from the command tree itself, so they cannot drift from
// the commands: for each command path, its subcommands and its flags; flags with fixed choices complete
// their values. Pure: a command tree in, a script out.

import type { Command, Option } from 'commander';

export interface CompletionNode {
  /** Space-separated path below the program (`''` for the program, `show addons`). */
  path: string;
  words: string[];
  /** Flags whose value is one of a list (`-o`: table json yaml). */
  choices: Record<string, string[]>;
}

const visible = (o: Option): boolean => !(o as Option & { hidden?: boolean }).hidden;

/** Every command path with what may follow it. */
export function completionNodes(program: Command): CompletionNode[] {
  const nodes: CompletionNode[] = [];
  const walk = (c: Command, path: string[]) => {
    const subs = c.commands.filter((s) => !(s as Command & { _hidden?: boolean })._hidden);
    const options = c.options.filter(visible);
    const choices: Record<string, string[]> = {};
    for (const o of options) {
      const list = (o as Option & { argChoices?: string[] }).argChoices;
      if (list) for (const flag of [o.long, o.short].filter(Boolean) as string[]) choices[flag] = list;
    }
    nodes.push({
      path: path.join(' '),
      words: [
        ...subs.map((s) => s.name()),
        ...options.flatMap((o) => [o.long].filter(Boolean) as string[]),
        '--help',
      ],
      choices,
    });
    for (const s of subs) walk(s, [...path, s.name()]);
  };
  walk(program, []);
  return nodes;
}

const quote = (s: string): string => `'${s.replaceAll("'", "'\\''")}'`;

/** A bash completion script (`source <(sveltosctl completion bash)`). */
export function bashScript(name: string, nodes: readonly CompletionNode[]): string {
  const fn = `_${name.replace(/[^a-zA-Z0-9]/g, '_')}_complete`;
  const paths = new Set(nodes.map((n) => n.path));
  const cases = nodes
    .map((n) => {
      const values = Object.entries(n.choices)
        .map(
          ([flag, list]) =>
            `        ${quote(flag)}) COMPREPLY=($(compgen -W ${quote(list.join(' '))} -- "$cur")); return ;;`,
        )
        .join('\n');
      return [
        `    ${quote(n.path)})`,
        values ? `      case "$prev" in\n${values}\n      esac` : '',
        `      words=${quote(n.words.join(' '))} ;;`,
      ]
        .filter(Boolean)
        .join('\n');
    })
    .join('\n');
  return `# bash completion for ${name}; load with: source <(${name} completion bash)
${fn}() {
  local cur prev path word words candidate
  cur="\${COMP_WORDS[COMP_CWORD]}"
  prev="\${COMP_WORDS[COMP_CWORD-1]}"
  path=""
  for ((i = 1; i < COMP_CWORD; i++)); do
    word="\${COMP_WORDS[i]}"
    [[ "$word" == -* ]] && continue
    candidate="\${path:+$path }$word"
    case "$candidate" in
${[...paths]
  .filter(Boolean)
  .map((p) => `      ${quote(p)}) path="$candidate" ;;`)
  .join('\n')}
    esac
  done
  case "$path" in
${cases}
  esac
  COMPREPLY=($(compgen -W "$words" -- "$cur"))
}
complete -o default -F ${fn} ${name}
`;
}

/** A zsh completion script (`source <(sveltosctl completion zsh)`), through zsh's bash compatibility. */
export function zshScript(name: string, nodes: readonly CompletionNode[]): string {
  return `#compdef ${name}
# zsh completion for ${name}; load with: source <(${name} completion zsh)
autoload -U +X compinit && compinit
autoload -U +X bashcompinit && bashcompinit
${bashScript(name, nodes)}`;
}
