// `tessera completion bash|zsh`: a completion script generated from the command table, so a new
// command completes without editing this file. zsh uses the same function through bashcompinit.
import type { Command } from './framework';

/** Every long and short flag of a command, plus --help. */
function flagsOf(c: Command): string[] {
  const out = new Set<string>(['--help', '-h']);
  for (const o of c.options ?? []) for (const f of o.flags.split(/[ ,|]+/)) if (f.startsWith('-')) out.add(f);
  return [...out].sort();
}

export function completionScript(shell: 'bash' | 'zsh', commands: Command[]): string {
  // Words that may follow each command prefix: sub-commands after a group, flags after a command.
  const next = new Map<string, Set<string>>();
  const add = (key: string, w: string) => {
    if (!next.has(key)) next.set(key, new Set());
    next.get(key)!.add(w);
  };
  for (const c of commands) {
    for (let i = 0; i < c.path.length; i++) add(c.path.slice(0, i).join(' '), c.path[i]);
    for (const f of flagsOf(c)) add(c.path.join(' '), f);
  }
  add('', 'help');
  // Keys are command words only (letters, digits, '-'), so the case patterns need no quoting rules.
  const cases = [...next.entries()]
    .sort(([a], [b]) => b.length - a.length)
    .map(([k, ws]) => `    "${k}") words="${[...ws].sort().join(' ')}" ;;`)
    .join('\n');
  const fn = `_tessera() {
  local cur prefix i w
  cur="\${COMP_WORDS[COMP_CWORD]}"
  prefix=""
  for ((i = 1; i < COMP_CWORD; i++)); do
    w="\${COMP_WORDS[i]}"
    case "$w" in -*) break ;; esac
    prefix="\${prefix:+$prefix }$w"
  done
  local words=""
  case "$prefix" in
${cases}
  esac
  COMPREPLY=( $(compgen -W "$words" -- "$cur") )
}
complete -o default -F _tessera tessera
`;
  if (shell === 'bash') return `# bash completion for tessera: source <(tessera completion bash)\n${fn}`;
  return `# zsh completion for tessera: source <(tessera completion zsh)\nautoload -U +X bashcompinit && bashcompinit\n${fn}`;
}
