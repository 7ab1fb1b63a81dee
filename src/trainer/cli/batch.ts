// JSON-lines batches for the CLI: one output line per input line, in order. A
// bad line gets an `{"line":N,"error":"..."}` output line and a message on
// stderr, the batch goes on, and the exit status is 1 at the end.
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { InvalidArgumentError } from 'commander';

/** Thrown by a line handler for input it rejects; the message says what to fix. */
export class BadLine extends Error {}

export async function runBatch(source: string, handle: (value: unknown) => object): Promise<void> {
  const input = source === '-' ? process.stdin : createReadStream(source);
  const opened = new Promise<void>((resolve, reject) => {
    input.once('error', reject);
    input.once('readable', resolve);
    input.once('end', resolve);
  });
  await opened.catch((err: NodeJS.ErrnoException) => {
    throw new Error(`cannot read ${source}: ${err.code === 'ENOENT' ? 'no such file' : err.message}`);
  });
  let lineNumber = 0;
  let bad = 0;
  for await (const text of createInterface({ input, crlfDelay: Infinity })) {
    lineNumber++;
    if (text.trim() === '') continue;
    let out: object;
    try {
      out = handle(JSON.parse(text));
    } catch (err) {
      if (!(err instanceof SyntaxError || err instanceof BadLine)) throw err;
      const error = err instanceof SyntaxError ? `not valid JSON (${err.message})` : err.message;
      bad++;
      process.stderr.write(`rlab: line ${lineNumber}: ${error}\n`);
      out = { line: lineNumber, error };
    }
    process.stdout.write(`${JSON.stringify(out)}\n`);
  }
  if (bad > 0) {
    process.stderr.write(`rlab: ${bad} bad line(s) of ${lineNumber}; their output lines carry "error"\n`);
    process.exitCode = 1;
  }
}

/** Commander argument parser for a plain number. */
export function parseNumber(text: string): number {
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value)) throw new InvalidArgumentError(`'${text}' is not a number.`);
  return value;
}

/** Commander argument parser for an integer. */
export function parseInteger(text: string): number {
  if (!/^-?\d+$/.test(text.trim()) || !Number.isSafeInteger(Number(text))) throw new InvalidArgumentError(`'${text}' is not an integer.`);
  return Number(text);
}
