// Resume after a real SIGKILL: 20 steps straight, and 10 steps + kill + resume
// + the rest, give identical weights and identical records (wall-clock fields
// aside). Both runs are real trainer processes on the same backend and seed.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseJsonl } from '../../src/core/run/jsonl';
import { runFile } from '../../src/core/run/layout';
import { WALL_CLOCK_FIELDS, type RunInfo, type StepRecord } from '../../src/core/protocol/records';
import type { HelloParams } from '../../src/core/protocol/trainer';
import { buildTrainer, startTrainer, tempDir, tinySpec, waitForRecords } from './engine-process.helpers';

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
