// A .countdown file read and resolved, for every command that starts from one
// (a new run, `rlab train`, `rlab export`): its errors become one message that
// lists them as file:line:col, before anything is written.
import * as fs from 'node:fs';
import type { ResolvedConfig } from '../core/spec/config';
import { resolveSpec } from '../core/spec/resolve';

/** A spec that cannot be read or has errors: reported before any run or job folder exists, so nothing is left half-made. */
export class SpecError extends Error {}

export interface SpecFile {
  text: string;
  config: ResolvedConfig;
}

export function readSpecFile(file: string): SpecFile {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new SpecError(`cannot read the spec ${file}: ${code === 'ENOENT' ? 'no such file' : (code ?? (e as Error).message)}`);
  }
  const { config, diagnostics } = resolveSpec(text);
  if (config === null) {
    const errors = diagnostics
      .filter((d) => d.severity === 'error')
      .map((d) => `${file}:${d.range.start.line + 1}:${d.range.start.character + 1}: ${d.message}`);
    throw new SpecError(`the spec has ${errors.length} error(s); fix them (\`rlab check ${file}\` lists them) and start again:\n${errors.join('\n')}`);
  }
  return { text, config };
}
