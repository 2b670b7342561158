import type { Client } from '@temporalio/client';
import type { ClientConfig } from '../config/client';
import type { OutputFormat } from './grammar';

export type { OutputFormat } from './grammar';

/** What every command runs with: a connected client, the validated configuration and the checked stack name. */
export interface CommandContext {
  client: Client;
  config: ClientConfig;
  /** The stack the command acts on, already validated. */
  stack: string;
  /** `-o/--output`: `json` prints one document on stdout (`output.ts`), and every other line on stderr. */
  output: OutputFormat;
}
