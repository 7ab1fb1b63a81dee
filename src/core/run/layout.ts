// The run directory: `<workspace>/.rlab/runs/<run-id>/`, written by the trainer,
// read by everyone else. Names live here once.
import * as path from 'node:path';

export const RUNS_FOLDER = path.join('.rlab', 'runs');

export const RUN_FILES = {
  spec: 'spec.countdown',
  run: 'run.json',
  metrics: 'metrics.jsonl',
  eval: 'eval.jsonl',
  traces: 'traces.jsonl',
  alerts: 'alerts.jsonl',
  log: 'trainer.log',
  checkpoints: 'checkpoints',
  latest: path.join('checkpoints', 'latest'),
} as const;

export function runFile(runDir: string, file: keyof typeof RUN_FILES): string {
  return path.join(runDir, RUN_FILES[file]);
}

/** `step-000120`: zero-padded so that names sort in step order. */
export function checkpointName(step: number): string {
  return `step-${String(step).padStart(6, '0')}`;
}
