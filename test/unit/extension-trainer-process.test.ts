// The trainer host's process side with the real trainer (dist/trainer.js):
// fork with a real Node binary, hello over IPC, stop with a checkpoint, and a
// failure that says why. Also which Node binary is chosen.
import * as assert from 'node:assert/strict';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, describe, it } from 'node:test';
import type { RunInfo, StepRecord } from '../../src/core/protocol/records';
import { runFile } from '../../src/core/run/layout';
import { RunStore } from '../../src/extension/runs/runStore';
import { RunTailer } from '../../src/extension/runs/runTailer';
import { evaluateCheckpoint } from '../../src/extension/trainer/checkpointEval';
import { findOnPath, resolveNodeRuntime } from '../../src/extension/trainer/nodePath';
import { describeExit, TrainerProcess } from '../../src/extension/trainer/trainerProcess';

const trainer = path.resolve('dist/trainer.js');
const built = existsSync(trainer);
const tmp = mkdtempSync(path.join(os.tmpdir(), 'rlab-ext-trainer-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

/** Waits until `probe` returns a value, or fails after `ms`. */
async function until<T>(what: string, probe: () => T | undefined, ms = 10_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const SPEC = `name "unit"
task {
  numbers  3
  values   1..20
  target   10..40
  train    200
  test     20
}
model {
  preset  nano
}
pretrain {
  steps  50
  batch  4
}
rl {
  eval-every  1000
}
eval {
  limit  2
}
`;

describe('resolveNodeRuntime', () => {
  it('prefers the setting, then node on PATH, then the host runtime as Node', () => {
    const onPath = findOnPath('node');
    assert.ok(onPath, 'node is on PATH here');
    assert.deepEqual(resolveNodeRuntime('', process.env.PATH), { execPath: onPath, env: {}, source: 'path' });
    assert.equal(resolveNodeRuntime(process.execPath).source, 'setting');
    assert.deepEqual(resolveNodeRuntime('', ''), { execPath: process.execPath, env: { ELECTRON_RUN_AS_NODE: '1' }, source: 'extension-host' });
    assert.throws(() => resolveNodeRuntime('/no/such/node'), /reasoningLab\.nodePath.*not an executable/);
  });
});

describe('TrainerProcess without a usable binary', () => {
  it('ends with the reason instead of hanging', async () => {
    const proc = new TrainerProcess(trainer, { execPath: '/no/such/node', env: {}, source: 'setting' }, { spec: '/x.countdown', runDir: path.join(tmp, 'never'), resume: false, stage: 'all', device: null }, tmp);
    await assert.rejects(proc.hello, /ENOENT/);
    const exit = await proc.exited;
    assert.equal(exit.code, null);
    proc.dispose();
  });
});

describe('TrainerProcess', { skip: !built && 'dist/trainer.js is not built (npm run build)' }, () => {
  it('starts a run whose steps reach the run store through the run folder, stops it with a checkpoint, and evaluates that checkpoint', async () => {
    const spec = path.join(tmp, 'unit.countdown');
    writeFileSync(spec, SPEC);
    const root = path.join(tmp, 'runs');
    const runDir = path.join(root, 'run-stop');
    // The extension's one data path: the trainer writes the folder, the tailer feeds the store.
    const store = new RunStore(100, 0);
    const tailer = new RunTailer(store, root, { isOwned: () => true, log: () => undefined });
    tailer.start();
    const proc = new TrainerProcess(trainer, resolveNodeRuntime(''), { spec, runDir, resume: false, stage: 'all', device: null }, tmp);
    try {
      const firstStep = new Promise<StepRecord>((resolve) => {
        const sub = store.onDidAppend((delta) => {
          if (delta.steps.length === 0) return;
          sub.dispose();
          resolve(delta.steps[0]!);
        });
      });
      const hello = await proc.hello;
      assert.equal(hello.runDir, runDir);
      assert.equal(hello.run.pid, proc.pid);
      const ended = proc.exited.then((exit) => {
        throw new Error(`the trainer ended before its first step: ${describeExit(exit)}`);
      });
      ended.catch(() => undefined); // it also ends after the stop below, by design
      assert.equal((await Promise.race([firstStep, ended])).phase, 'pretrain');
      const checkpoint = await proc.stop(60_000);
      const exit = await proc.exited;
      assert.equal(exit.code, 0, describeExit(exit));
      assert.equal(exit.outcome?.kind, 'done');
      const info = JSON.parse(readFileSync(runFile(runDir, 'run'), 'utf8')) as RunInfo;
      assert.equal(info.status, 'stopped');
      assert.ok(checkpoint && existsSync(checkpoint.path), 'stopping wrote a checkpoint');

      // Evaluate Checkpoint: `rlab eval --json --record` on the run's latest checkpoint, with the k the user chose.
      const cli = path.resolve('dist/cli.js');
      const record = await evaluateCheckpoint(resolveNodeRuntime(''), cli, { target: runDir, split: 'test', samples: 2 });
      assert.equal(record.split, 'test');
      assert.equal(record.k, 2);
      assert.equal(record.score.n, 2, 'the spec limits evaluation to 2 problems');
      assert.ok(record.score.pass1 >= 0 && record.score.pass1 <= 1);
      // It joins the run's evaluations: in eval.jsonl, and so in the store.
      const requested = await until('the evaluation in the store', () => store.get('run-stop')?.evals.find((e) => e.requested));
      assert.deepEqual(requested, { ...record, requested: true });
      // A checkpoint outside any run folder has no evaluations to join.
      const loose = path.join(tmp, 'loose-checkpoint');
      cpSync(checkpoint.path, loose, { recursive: true });
      await assert.rejects(evaluateCheckpoint(resolveNodeRuntime(''), cli, { target: loose, split: 'test', samples: 1 }), /--record adds to a run's eval\.jsonl, but .*loose-checkpoint is not in a run folder/);
    } finally {
      proc.kill();
      proc.dispose();
      tailer.dispose();
      store.dispose();
    }
  });

  it('reports why a run could not start', async () => {
    const spec = path.join(tmp, 'bad.countdown');
    writeFileSync(spec, 'task {\n  numbers  99\n}\n');
    const proc = new TrainerProcess(trainer, resolveNodeRuntime(''), { spec, runDir: path.join(tmp, 'run-bad'), resume: false, stage: 'all', device: null }, tmp);
    await assert.rejects(proc.hello, /numbers/);
    const exit = await proc.exited;
    assert.notEqual(exit.code, 0);
    assert.match(describeExit(exit), /numbers/);
    proc.dispose();
  });
});
