// The RL stage inside the real engine: a tiny spec runs pretraining then RL,
// writes every run file, and a run stopped mid-RL and resumed writes exactly
// the records of an uninterrupted one (wall-clock fields aside).
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runTraining } from '../../src/trainer/engine/run';
import { RunControl } from '../../src/trainer/engine/control';
import { silentSink, type TrainerSink } from '../../src/trainer/engine/sink';
import { parseJsonl } from '../../src/core/run/jsonl';
import { RUN_FILES, runFile } from '../../src/core/run/layout';
import { WALL_CLOCK_FIELDS, type AlertRecord, type EvalRecord, type StepRecord, type TraceRecord } from '../../src/core/protocol/records';

const SPEC = `name "rl-tiny"
task {
  numbers 3
  values 1..9
  target 1..20
  train 200
  test 20
  seed 3
}
prompt compact
model {
  preset custom
  layers 1
  width 32
  heads 2
  context 96
}
pretrain {
  steps 2
  batch 8
}
rl {
  algorithm grpo
  steps 4
  prompts 2
  group 4
  max-tokens 24
  epochs 2
  mini-batch 4
  lr 3e-3
}
eval {
  every 2
  samples 2
  limit 4
}
device wasm
`;

function read<T>(runDir: string, file: keyof typeof RUN_FILES): T[] {
  return parseJsonl<T>(fs.readFileSync(runFile(runDir, file), 'utf8')).records;
}

function withoutClock(records: StepRecord[]): object[] {
  return records.map((r) => Object.fromEntries(Object.entries(r).filter(([k]) => !(WALL_CLOCK_FIELDS as readonly string[]).includes(k))));
}

test('rlab engine: pretrain then RL writes every file; stop mid-RL and resume gives the same records', async (t) => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'rlab-rl-'));
  t.after(() => fs.rmSync(root, { recursive: true, force: true }));
  const spec = path.join(root, 'tiny.countdown');
  fs.writeFileSync(spec, SPEC);
  const launch = (runDir: string, resume: boolean) => ({ spec, runDir, resume, stage: 'all' as const, device: null, from: null });

  const straight = path.join(root, 'straight');
  assert.equal(await runTraining(launch(straight, false), silentSink, new RunControl()), 'done');
  for (const file of ['spec', 'run', 'metrics', 'eval', 'traces', 'log', 'latest'] as const) {
    assert.ok(fs.existsSync(runFile(straight, file)), `${RUN_FILES[file]} written`);
  }
  const steps = read<StepRecord>(straight, 'metrics').filter((r) => r.phase === 'rl');
  assert.deepEqual(steps.map((r) => r.step), [1, 2, 3, 4]);
  for (const r of steps) {
    for (const key of ['rewardMean', 'accuracy', 'formatRate', 'lengthMean', 'truncatedRate', 'kl', 'entropy', 'clipFraction', 'zeroSignalGroups', 'gradNorm', 'lr', 'stepMs', 'tokensPerSec'] as const) {
      assert.ok(Number.isFinite(r[key]), `rl step ${r.step}: ${key}`);
    }
  }
  const evals = read<EvalRecord>(straight, 'eval').filter((r) => r.phase === 'rl' && r.split === 'test');
  assert.deepEqual(evals.map((r) => r.step), [0, 2, 4], 'evaluated before RL, every 2 steps and at the end');
  const traces = read<TraceRecord>(straight, 'traces').filter((r) => r.phase === 'rl');
  assert.ok(traces.some((r) => r.split === 'train') && traces.some((r) => r.split === 'test'));
  // an untrained model writes no answer: the zero-reward streak is under its threshold, truncation is not
  const alerts = fs.existsSync(runFile(straight, 'alerts')) ? read<AlertRecord>(straight, 'alerts') : [];
  for (const a of alerts) assert.ok(a.evidence.length > 0 && a.advice.length > 0);
  const info = JSON.parse(fs.readFileSync(runFile(straight, 'run'), 'utf8'));
  assert.equal(info.status, 'done');
  assert.deepEqual(info.step, { pretrain: 2, rl: 4 });

  // Stop after RL step 2 (a checkpoint is written there), then resume.
  const interrupted = path.join(root, 'interrupted');
  const control = new RunControl();
  const stopper: TrainerSink = {
    ...silentSink,
    step: (r) => {
      if (r.phase === 'rl' && r.step === 2) void control.requestStop();
    },
  };
  assert.equal(await runTraining(launch(interrupted, false), stopper, control), 'stopped');
  assert.deepEqual(read<StepRecord>(interrupted, 'metrics').filter((r) => r.phase === 'rl').map((r) => r.step), [1, 2]);
  assert.equal(await runTraining(launch(interrupted, true), silentSink, new RunControl()), 'done');
  assert.deepEqual(withoutClock(read<StepRecord>(interrupted, 'metrics')), withoutClock(read<StepRecord>(straight, 'metrics')));
  const samples = (dir: string) => read<TraceRecord>(dir, 'traces').map((r) => [r.phase, r.step, r.split, r.completion]);
  assert.deepEqual(samples(interrupted), samples(straight));
});
