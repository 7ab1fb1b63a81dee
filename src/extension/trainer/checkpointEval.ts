// Evaluates a checkpoint (or a run's latest) with `rlab eval --json --record` in
// a child process, so the extension host never loads tfjs. The record is also
// appended to the run's eval.jsonl, where the tailer picks it up like any other.
import { execFile } from 'node:child_process';
import type { EvalRecord } from '../../core/protocol/records';
import type { NodeRuntime } from './nodePath';

export interface EvalRequest {
  /** A checkpoint folder, or a run folder (its latest checkpoint). */
  target: string;
  split: EvalRecord['split'];
  /** k of pass@k. */
  samples: number;
}

export function evaluateCheckpoint(runtime: NodeRuntime, cliScript: string, request: EvalRequest, signal?: AbortSignal): Promise<EvalRecord> {
  return new Promise((resolve, reject) => {
    execFile(
      runtime.execPath,
      [cliScript, 'eval', request.target, '--split', request.split, '--samples', String(request.samples), '--json', '--record'],
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
