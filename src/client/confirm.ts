/**
 * The question a command with consequences asks before it runs (`restore`, `schedule delete`, `backup schedule
 * delete`), as the grammar words it (`CommandSpec.confirm`). `--yes` answers it; without a terminal to ask on,
 * the command is refused (a script must say `--yes`), never taken as agreed.
 */
import { createInterface } from 'node:readline/promises';
import type { Values } from './args';
import { UsageError } from './args';

/** The question with the stack and snapshot filled in. */
export function confirmationQuestion(
  template: string,
  stack: string,
  values: Pick<Values, 'snapshot'>,
): string {
  return template.replace(/<stack>/g, stack).replace(/<snapshot>/g, values.snapshot ?? '');
}

export interface Terminal {
  input: NodeJS.ReadableStream & { isTTY?: boolean };
  output: NodeJS.WritableStream;
}

/**
 * Whether the operator agreed: `yes` (from `--yes`), else the answer `y`/`yes` on the terminal. Throws a
 * `UsageError` for `command` when stdin is not a terminal.
 */
export async function confirmed(
  command: string,
  question: string,
  yes: boolean,
  terminal: Terminal = { input: process.stdin, output: process.stderr },
): Promise<boolean> {
  if (yes) return true;
  if (!terminal.input.isTTY)
    throw new UsageError(
      `${command} asks before it acts and stdin is not a terminal: pass --yes to ${question}`,
      command,
    );
  const rl = createInterface({ input: terminal.input, output: terminal.output });
  try {
    const answer = await rl.question(`${question}? [y/N] `);
    return /^y(es)?$/i.test(answer.trim());
  } finally {
    rl.close();
  }
}
