// Resume after a real SIGKILL: 20 steps straight, and 10 steps + kill + resume
// + the rest, give identical weights and identical records (wall-clock fields
// aside); a run killed during start-up, before any checkpoint, starts again
// from step 0 and also ends as the uninterrupted run. All are real trainer
// processes on the same backend and seed.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseJsonl } from '../../src/core/run/jsonl';
import { runFile } from '../../src/core/run/layout';
import { WALL_CLOCK_FIELDS, type RunInfo, type StepRecord } from '../../src/core/protocol/records';
import type { HelloParams } from '../../src/core/protocol/trainer';
import { buildTrainer, startTrainer, tempDir, tinySpec, waitForRecords, waitForRunStart } from './engine-process.helpers';

let bundle = '';
before(async () => {
  bundle = await buildTrainer();
});

/** A JSONL file's records without wall-clock fields. */
function records(runDir: string, file: 'metrics' | 'eval' | 'traces'): unknown[] {
  const { records: rows, rest } = parseJsonl<Record<string, unknown>>(fs.readFileSync(runFile(runDir, file), 'utf8'));
  assert.equal(rest, '', `${file} ends with a whole line`);
  return rows.map((r) => Object.fromEntries(Object.entries(r).filter(([k]) => !(WALL_CLOCK_FIELDS as readonly string[]).includes(k))));
}

test('resume after SIGKILL: identical weights, optimizer state and records', async (t) => {
  const dir = tempDir(t);
  const spec = path.join(dir, 'a.countdown');
  fs.writeFileSync(spec, tinySpec({ steps: 20, evalEvery: 10 }));
  const straightDir = path.join(dir, 'straight');
  const killedDir = path.join(dir, 'killed');
  const launch = { spec, resume: false, stage: 'pretrain' as const, device: null };

  const straight = startTrainer(bundle, { ...launch, runDir: straightDir });
  const killed = startTrainer(bundle, { ...launch, runDir: killedDir });
  // Let it run on past the checkpoint at step 10, so that the resumed run must drop the records written after it.
  await waitForRecords<StepRecord>(killed, killedDir, 'metrics', (steps) => steps.some((s) => s.step >= 12));
  assert.equal(fs.readFileSync(runFile(killedDir, 'latest'), 'utf8').trim(), 'step-000010');
  killed.child.kill('SIGKILL');
  assert.equal(await killed.exited, 'SIGKILL');
  assert.equal((JSON.parse(fs.readFileSync(runFile(killedDir, 'run'), 'utf8')) as RunInfo).status, 'running', 'a killed run cannot say so itself');

  const resumed = startTrainer(bundle, { spec: null, runDir: killedDir, resume: true, stage: 'pretrain', device: null });
  assert.equal(await resumed.exited, 0);
  assert.equal(await straight.exited, 0);
  assert.deepEqual((resumed.notifications[0]!.params as HelloParams).resumedFrom, { phase: 'pretrain', step: 10 });

  const final = (runDir: string, name: string): Buffer => fs.readFileSync(path.join(runDir, 'checkpoints', 'step-000020', name));
  assert.ok(final(straightDir, 'model.safetensors').equals(final(killedDir, 'model.safetensors')), 'identical weights');
  assert.ok(final(straightDir, 'optimizer.safetensors').equals(final(killedDir, 'optimizer.safetensors')), 'identical optimizer state');
  for (const file of ['metrics', 'eval', 'traces'] as const) {
    assert.deepEqual(records(killedDir, file), records(straightDir, file), `identical ${file} records`);
  }
  assert.equal(records(straightDir, 'metrics').length, 20);
  const run = JSON.parse(fs.readFileSync(runFile(killedDir, 'run'), 'utf8')) as RunInfo;
  assert.equal(run.status, 'done');
  assert.equal(run.step.pretrain, 20);
  assert.match(fs.readFileSync(runFile(killedDir, 'log'), 'utf8'), /resuming from step-000010 \(pretrain step 10\)/);
});

const sameRecords = (a: string, b: string) => {
  for (const file of ['metrics', 'eval', 'traces'] as const) assert.deepEqual(records(a, file), records(b, file), `identical ${file} records`);
};

test('killed during start-up, before its first checkpoint: resume starts again from step 0 and writes what an uninterrupted run writes', async (t) => {
  const dir = tempDir(t);
  const spec = path.join(dir, 'a.countdown');
  fs.writeFileSync(spec, tinySpec({ steps: 4, evalEvery: 2, rl: 'steps 2\n  prompts 2\n  group 2\n  max-tokens 24' }));
  const pretrain = { spec, resume: false, stage: 'pretrain' as const, device: null };

  // Pretraining: a straight run, and one killed as soon as its run.json exists.
  const baseDir = path.join(dir, 'base');
  const killedDir = path.join(dir, 'killed');
  const straight = startTrainer(bundle, { ...pretrain, runDir: baseDir });
  const killed = startTrainer(bundle, { ...pretrain, runDir: killedDir });
  await waitForRunStart(killed, killedDir);
  killed.child.kill('SIGKILL');
  assert.equal(await killed.exited, 'SIGKILL');
  assert.equal(fs.existsSync(runFile(killedDir, 'latest')), false, 'killed before its first checkpoint');
  const resumed = startTrainer(bundle, { spec: null, runDir: killedDir, resume: true, stage: 'pretrain', device: null });
  assert.equal(await resumed.exited, 0);
  assert.equal(await straight.exited, 0);
  assert.equal((resumed.notifications[0]!.params as HelloParams).resumedFrom, null);
  sameRecords(killedDir, baseDir);
  assert.equal(records(killedDir, 'metrics').length, 4);
  const run = JSON.parse(fs.readFileSync(runFile(killedDir, 'run'), 'utf8')) as RunInfo;
  assert.deepEqual([run.status, run.step.pretrain], ['done', 4]);
  assert.match(fs.readFileSync(runFile(killedDir, 'log'), 'utf8'), /no checkpoint yet: starting again from step 0/);

  // RL from that base model (--from): the restarted run takes its base from the run's parent.
  const rl = { spec, resume: false, stage: 'rl' as const, device: null, from: baseDir };
  const rlStraightDir = path.join(dir, 'rl-straight');
  const rlKilledDir = path.join(dir, 'rl-killed');
  const rlStraight = startTrainer(bundle, { ...rl, runDir: rlStraightDir });
  const rlKilled = startTrainer(bundle, { ...rl, runDir: rlKilledDir });
  await waitForRunStart(rlKilled, rlKilledDir);
  rlKilled.child.kill('SIGKILL');
  assert.equal(await rlKilled.exited, 'SIGKILL');
  const rlResumed = startTrainer(bundle, { spec: null, runDir: rlKilledDir, resume: true, stage: 'rl', device: null });
  assert.equal(await rlResumed.exited, 0);
  assert.equal(await rlStraight.exited, 0);
  sameRecords(rlKilledDir, rlStraightDir);
  assert.deepEqual(records(rlKilledDir, 'metrics').map((r) => (r as StepRecord).step), [1, 2]);
  assert.match(fs.readFileSync(runFile(rlKilledDir, 'log'), 'utf8'), /RL starts from the base model .*base\/checkpoints\/step-000004/);
});
