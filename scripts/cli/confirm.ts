/** Asking a person before a command changes or deletes something; `--yes` answers for scripts. */
import readline from 'node:readline/promises';
import { UserError } from './errors';
import { isInteractive } from './output';

/**
 * Resolves true when the person types `yes`. Without a terminal to ask on, it refuses with a
 * UserError naming `flag`, so a script never changes data by accident.
 */
export async function confirm(question: string, command: string, flag = '--yes'): Promise<boolean> {
  if (!isInteractive() || !process.stdin.isTTY) throw new UserError(`${command} asks for confirmation and there is no terminal to ask on; pass ${flag} to confirm`);
  const rl = readline.createInterface({ input: process.stdin, output: process.stdout });
  const answer = await rl.question(`${question} Type 'yes' to confirm: `).finally(() => rl.close());
  return answer.trim().toLowerCase() === 'yes';
}
