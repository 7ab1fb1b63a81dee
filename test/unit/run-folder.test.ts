// Run-folder I/O shared by the trainer, the CLI and the extension
// (src/core/run): new run folders, whole-file writes, run.json and what it
// says about a run nobody here owns. Real files and real processes.
import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, describe, it } from 'node:test';
import type { EvalRecord, RunInfo } from '../../src/core/protocol/records';
import { bestEvaluation, evaluationsSinceBest } from '../../src/core/run/best';
import { createRunDir, writeFileAtomic } from '../../src/core/run/files';
import { checkpointNames } from '../../src/core/run/checkpoints';
import { checkpointLabel, runFile } from '../../src/core/run/layout';
import { crashedInfo, isProcessAlive, readRunInfo, runState, writeRunInfo } from '../../src/core/run/run-info';
import { resolveSpec } from '../../src/core/spec/resolve';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'rlab-run-folder-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

function info(status: RunInfo['status'], pid: number | null): RunInfo {
  return {
    id: 'x', name: 'x', status, pid, seed: 1, stage: 'all', backend: null, versions: {}, config: resolveSpec('task { }').config!,
    startedAt: '2026-01-01T00:00:00.000Z', endedAt: null, step: { pretrain: 0, rl: 0 }, error: null, parent: null,
  };
}

describe('new run folders and whole-file writes', () => {
  it('names a run folder after its spec and start time, with -2, -3 when taken', () => {
    const root = path.join(tmp, 'runs');
    const at = new Date('2026-01-02T03:04:05Z');
    assert.equal(path.basename(createRunDir(root, 'count down', at)), 'count-down-20260102-030405');
    assert.equal(path.basename(createRunDir(root, 'count down', at)), 'count-down-20260102-030405-2');
    assert.equal(path.basename(createRunDir(root, 'count down', at)), 'count-down-20260102-030405-3');
  });

  it('replaces a file whole and leaves no temporary file behind', () => {
    const dir = mkdtempSync(path.join(tmp, 'atomic-'));
    const file = path.join(dir, 'latest');
    writeFileAtomic(file, 'step-000010\n');
    writeFileAtomic(file, 'step-000020\n');
    assert.equal(readFileSync(file, 'utf8'), 'step-000020\n');
    assert.deepEqual(readdirSync(dir), ['latest']);
  });
});

describe('checkpoint folders', () => {
  it('lists the complete ones in training order, and names them as people say them', () => {
    const dir = mkdtempSync(path.join(tmp, 'ckpt-'));
    for (const name of ['rl-step-000010', 'step-000100', '.tmp-step-000200-77', 'step-000040', 'rl-step-000002']) mkdirSync(path.join(dir, 'checkpoints', name), { recursive: true });
    writeFileSync(path.join(dir, 'checkpoints', 'latest'), 'rl-step-000010\n');
    assert.deepEqual(checkpointNames(dir), ['step-000040', 'step-000100', 'rl-step-000002', 'rl-step-000010']);
    assert.deepEqual(checkpointNames(path.join(tmp, 'no-such-run')), []);
    assert.deepEqual(['step-000040', 'rl-step-000010', 'latest'].map(checkpointLabel), ['pretrain step 40', 'RL step 10', 'latest']);
  });
});

describe('run.json', () => {
  it('round-trips, and says what is wrong with a folder that has none or a broken one', () => {
    const dir = mkdtempSync(path.join(tmp, 'info-'));
    assert.throws(() => readRunInfo(dir), /is not a run directory: it has no run\.json/);
    writeFileSync(runFile(dir, 'run'), '{"id": ');
    assert.throws(() => readRunInfo(dir), /run\.json is not valid JSON/);
    writeFileSync(runFile(dir, 'run'), '{}');
    assert.throws(() => readRunInfo(dir), /has no run id or status/);
    writeRunInfo(dir, info('done', null));
    assert.deepEqual(readRunInfo(dir), info('done', null));
  });

  it('tells live, finished and crashed runs apart with real processes', async () => {
    const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 10000)'], { stdio: 'ignore' });
    try {
      assert.ok(isProcessAlive(child.pid!));
      assert.equal(runState(info('running', child.pid!)), 'live');
    } finally {
      child.kill('SIGKILL');
      await new Promise((r) => child.on('exit', r));
    }
    assert.equal(isProcessAlive(child.pid!), false);
    assert.equal(runState(info('running', child.pid!)), 'crashed');
    assert.equal(runState(info('running', null)), 'crashed');
    assert.equal(runState(info('done', 1)), 'finished');
    const failed = crashedInfo(info('running', 5), 'gone', new Date('2026-01-02T00:00:00Z'));
    assert.deepEqual([failed.status, failed.pid, failed.error, failed.endedAt], ['failed', null, 'gone', '2026-01-02T00:00:00.000Z']);
  });
});

describe('the best evaluation', () => {
  it('is measured on the run\'s own test evaluations, not on one made on request', () => {
    const score = (pass1: number) => ({ n: 25, pass1, passK: pass1, formatRate: 1, lengthMean: 50 });
    const own = (step: number, pass1: number): EvalRecord => ({ phase: 'rl', step, time: step, split: 'test', k: 4, score: score(pass1), byCount: {} });
    const requested: EvalRecord = { ...own(10, 0.9), k: 16, requested: true };
    const records = [own(10, 0.3), requested, own(20, 0.4)];
    assert.equal(bestEvaluation(records), records[2]);
    assert.equal(evaluationsSinceBest(records, 'rl'), 0);
  });
});
