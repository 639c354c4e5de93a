// `sveltosctl completion bash|zsh`: prints the completion script for the whole command tree.

import { Argument, type Command } from 'commander';
import { EXIT_OK } from '../errors.ts';
import type { Output } from '../output.ts';

export function registerCompletionCommand(
  program: Command,
  out: Output,
  setExit: (code: number) => void,
): void {
  program
    .command('completion')
    .description('print a shell completion script: source <(sveltosctl completion bash), or zsh')
    .addArgument(new Argument('<shell>', 'bash or zsh').choices(['bash', 'zsh']))
    .action(async (shell: 'bash' | 'zsh') => {
      const { bashScript, completionNodes, zshScript } = await import('../completion/script.ts');
      const nodes = completionNodes(program);
      out.text(shell === 'bash' ? bashScript(program.name(), nodes) : zshScript(program.name(), nodes));
      setExit(EXIT_OK);
    });
}
