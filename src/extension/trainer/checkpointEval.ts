// Evaluates a checkpoint (or a run's latest) with `rlab eval --json` in a child
// process, so the extension host never loads tfjs. Read-only for the run.
import { execFile } from 'node:child_process';
import type { EvalRecord } from '../../core/protocol/records';
import type { NodeRuntime } from './nodePath';

export function evaluateCheckpoint(
  runtime: NodeRuntime,
  cliScript: string,
  target: string,
  split: 'test' | 'problems',
  signal?: AbortSignal,
): Promise<EvalRecord> {
  return new Promise((resolve, reject) => {
    execFile(
      runtime.execPath,
      [cliScript, 'eval', target, '--split', split, '--json'],
      { env: { ...process.env, ...runtime.env }, signal, maxBuffer: 16 * 1024 * 1024 },
      (err, stdout, stderr) => {
        if (err) {
          const why = stderr.split('\n').filter((l) => l.trim() !== '').slice(-3).join(' ') || err.message;
          reject(new Error(why));
          return;
        }
        const line = stdout.trim().split('\n').at(-1) ?? '';
        try {
          resolve(JSON.parse(line) as EvalRecord);
        } catch {
          reject(new Error(`rlab eval printed no evaluation record: ${line.slice(0, 200)}`));
        }
      },
    );
  });
}
