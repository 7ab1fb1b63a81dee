// The trainer process for real: `node trainer.js` forked with IPC, as the
// extension starts it, speaking JSON-RPC.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseJsonl } from '../../src/core/run/jsonl';
import { runFile } from '../../src/core/run/layout';
import type { RunInfo, StepRecord } from '../../src/core/protocol/records';
import type { DoneParams, FailedParams, HelloParams } from '../../src/core/protocol/trainer';
import { TrainerRequests } from '../../src/core/protocol/trainer';
import { buildTrainer, startTrainer, tempDir, tinySpec, waitForRecords } from './engine-process.helpers';

let bundle = '';
before(async () => {
  bundle = await buildTrainer();
});

function readRun(dir: string): RunInfo {
  return JSON.parse(fs.readFileSync(runFile(dir, 'run'), 'utf8')) as RunInfo;
}

test('trainer process: hello, log and done over IPC, exit 0, and every record in the run directory', async (t) => {
  const dir = tempDir(t);
  fs.writeFileSync(path.join(dir, 'a.countdown'), tinySpec({ steps: 6, evalEvery: 3 }));
  const runDir = path.join(dir, 'run');
  const trainer = startTrainer(bundle, { spec: path.join(dir, 'a.countdown'), runDir, resume: false, stage: 'pretrain', device: null });
  assert.equal(await trainer.exited, 0);
  const methods = trainer.notifications.map((n) => n.method);
  assert.deepEqual(methods.filter((m) => m !== 'log'), ['hello', 'done'], 'IPC carries the run\'s life, never its records');
  const hello = trainer.notifications[0]!.params as HelloParams;
  assert.equal(hello.backend.name, 'wasm');
  assert.equal(hello.runDir, runDir);
  assert.equal(hello.resumedFrom, null);
  const steps = parseJsonl<StepRecord>(fs.readFileSync(runFile(runDir, 'metrics'), 'utf8')).records;
  assert.deepEqual(steps.map((s) => s.step), [1, 2, 3, 4, 5, 6]);
  assert.ok(steps.every((s) => Number.isFinite(s.loss) && s.loss! > 0 && s.lr! > 0 && s.tokensPerSec! > 0));
  assert.equal(parseJsonl(fs.readFileSync(runFile(runDir, 'eval'), 'utf8')).records.length, 2, 'an evaluation at steps 3 and 6 (test split only: no fixed problems)');
  assert.deepEqual(fs.readdirSync(runFile(runDir, 'checkpoints')).sort(), ['best', 'latest', 'step-000003', 'step-000006']);
  assert.equal((trainer.notifications.at(-1)!.params as DoneParams).status, 'done');

  const run = readRun(runDir);
  assert.equal(run.status, 'done');
  assert.equal(run.pid, null);
  assert.deepEqual(run.backend, hello.backend);
  assert.equal(run.step.pretrain, 6);
  assert.ok(run.versions['@tensorflow/tfjs-core'] && run.versions.node);
  assert.equal(fs.readFileSync(runFile(runDir, 'spec'), 'utf8'), fs.readFileSync(path.join(dir, 'a.countdown'), 'utf8'));
  const traces = parseJsonl(fs.readFileSync(runFile(runDir, 'traces'), 'utf8')).records;
  assert.equal(traces.length, 2 * 2 * 2, '2 evaluations × 2 test problems × (greedy + 1 sample)');
  assert.equal(fs.readFileSync(runFile(runDir, 'latest'), 'utf8').trim(), 'step-000006');
  assert.match(fs.readFileSync(runFile(runDir, 'log'), 'utf8'), /backend wasm[\s\S]*checkpoint step-000006[\s\S]*done/);
});

test('trainer process: stop request writes a checkpoint, answers with it, exits cleanly as stopped', async (t) => {
  const dir = tempDir(t);
  fs.writeFileSync(path.join(dir, 'a.countdown'), tinySpec({ steps: 100000, evalEvery: 100000 }));
  const runDir = path.join(dir, 'run');
  const trainer = startTrainer(bundle, { spec: path.join(dir, 'a.countdown'), runDir, resume: false, stage: 'pretrain', device: null });
  await waitForRecords<StepRecord>(trainer, runDir, 'metrics', (steps) => steps.some((s) => s.step >= 2));
  const answer = await trainer.connection.sendRequest(TrainerRequests.stop);
  assert.equal(await trainer.exited, 0);
  assert.ok(answer && answer.phase === 'pretrain' && answer.step >= 2);
  assert.ok(fs.existsSync(path.join(answer.path, 'model.safetensors')));
  const done = trainer.notifications.at(-1)!;
  assert.equal(done.method, 'done');
  assert.equal((done.params as DoneParams).status, 'stopped');
  assert.equal(readRun(runDir).status, 'stopped');
  assert.equal(readRun(runDir).step.pretrain, answer.step);
});

test('trainer process: a broken spec fails with its errors and leaves no run directory', async (t) => {
  const dir = tempDir(t);
  const spec = path.join(dir, 'bad.countdown');
  fs.writeFileSync(spec, 'task {\n  numbers 3\n  gruop 8\n}\n');
  const runDir = path.join(dir, 'run');
  const trainer = startTrainer(bundle, { spec, runDir, resume: false, stage: 'pretrain', device: null });
  assert.equal(await trainer.exited, 1);
  assert.deepEqual(trainer.notifications.map((n) => n.method), ['failed']);
  const { message } = trainer.notifications[0]!.params as FailedParams;
  assert.match(message, /the spec has 1 error\(s\)/);
  assert.match(message, /bad\.countdown:3:3: .*gruop/);
  assert.equal(fs.existsSync(runDir), false);
});

test('trainer process: a backend that is asked for but missing fails the run with the install hint', async (t) => {
  const dir = tempDir(t);
  fs.writeFileSync(path.join(dir, 'a.countdown'), tinySpec({ device: 'gpu' }));
  const runDir = path.join(dir, 'run');
  const trainer = startTrainer(bundle, { spec: path.join(dir, 'a.countdown'), runDir, resume: false, stage: 'pretrain', device: null });
  assert.equal(await trainer.exited, 1);
  const failed = trainer.notifications.find((n) => n.method === 'failed');
  assert.ok(failed, 'a failed notification');
  assert.match((failed.params as FailedParams).message, /device gpu is not available .*npm install @tensorflow\/tfjs-node-gpu/);
  const run = readRun(runDir);
  assert.equal(run.status, 'failed');
  assert.match(run.error ?? '', /npm install @tensorflow\/tfjs-node-gpu/);
  assert.match(fs.readFileSync(runFile(runDir, 'log'), 'utf8'), /error .*device gpu is not available/);
});
