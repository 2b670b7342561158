/**
 * What a command prints, as `-o/--output` says: the text for people, or one JSON document on stdout for
 * scripts. In JSON, the lines a text run prints on the way (progress, notes) go to stderr, so stdout holds the
 * document alone.
 */
import type { OutputFormat } from './grammar';

/** Prints the command's result: `text()` as text, or `json` as one JSON document. */
export function emit(ctx: { output: OutputFormat }, json: unknown, text: () => string): void {
  if (ctx.output === 'json') console.log(JSON.stringify(json, null, 2));
  else console.log(text());
}

/** A line on the way to the result: stdout as text, stderr in JSON (stdout holds the document only). */
export function note(ctx: { output: OutputFormat }, line: string): void {
  if (ctx.output === 'json') console.error(line);
  else console.log(line);
}
