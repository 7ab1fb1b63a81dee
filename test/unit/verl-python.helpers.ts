// The project's Python (.venv, made by scripts/setup.sh from scripts/python/*.txt)
// for the tests that check our veRL job against veRL's own code.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';

export const root = resolve(import.meta.dirname, '../..');
export const pythonScripts = join(root, 'test/python');

/** .venv/bin/python, or a failure that says how to make it: these tests never skip. */
export function venvPython(): string {
  const python = join(root, '.venv/bin/python');
  assert.ok(existsSync(python), `${python} is missing: run \`bash scripts/setup.sh\` (it creates .venv with veRL, Hydra and pyarrow from scripts/python/*.txt)`);
  return python;
}

export interface PythonRun {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs one of test/python/*.py (or any script) with the venv's Python. */
export function runPython(script: string, args: string[] = [], input = '', env: NodeJS.ProcessEnv = {}): PythonRun {
  const r = spawnSync(venvPython(), [script, ...args], {
    cwd: pythonScripts,
    input,
    encoding: 'utf8',
    maxBuffer: 512 * 1024 * 1024,
    env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1', ...env },
  });
  if (r.error) throw r.error;
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Runs a script that must succeed and returns its stdout. */
export function python(script: string, args: string[] = [], input = '', env: NodeJS.ProcessEnv = {}): string {
  const r = runPython(script, args, input, env);
  assert.equal(r.status, 0, `${script} failed:\n${r.stderr}`);
  return r.stdout;
}

export const jsonLines = <T>(text: string): T[] =>
  text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as T);
