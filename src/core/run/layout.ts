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
  /** Names the checkpoint with the best held-out greedy accuracy (src/core/run/best.ts). */
  best: path.join('checkpoints', 'best'),
  /** A veRL run's job folder: what `rlab export verl` writes, and the job's logs, samples and checkpoints. */
  verl: 'verl',
} as const;

export function runFile(runDir: string, file: keyof typeof RUN_FILES): string {
  return path.join(runDir, RUN_FILES[file]);
}

/**
 * `step-000120` for pretraining, `rl-step-000040` for RL: zero-padded so that
 * names sort in step order within a phase.
 */
export function checkpointName(step: number, phase: 'pretrain' | 'rl' = 'pretrain'): string {
  return `${phase === 'rl' ? 'rl-' : ''}step-${String(step).padStart(6, '0')}`;
}

/** The phase and step a checkpoint folder name says, or null for another name. */
export function parseCheckpointName(name: string): { phase: 'pretrain' | 'rl'; step: number } | null {
  const m = /^(rl-)?step-(\d{6,})$/.exec(name);
  return m ? { phase: m[1] ? 'rl' : 'pretrain', step: Number(m[2]) } : null;
}

/** `pretrain step 40`, `RL step 10`: a checkpoint folder as people say it (other names as they are). */
export function checkpointLabel(name: string): string {
  const at = parseCheckpointName(name);
  return at ? `${at.phase === 'rl' ? 'RL' : 'pretrain'} step ${at.step}` : name;
}

/** Run id `<spec-name>-<yyyymmdd-hhmmss>` (UTC); the writer adds `-2`, `-3`, ... if it is taken. */
export function runId(specName: string, date: Date): string {
  const safe = specName.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^-+|-+$/g, '') || 'run';
  const stamp = date.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  return `${safe}-${stamp}`;
}
