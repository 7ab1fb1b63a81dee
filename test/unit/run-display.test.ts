// How runs are named and how far they are, as every view shows it: labels that
// tell runs of one spec apart, and step x of N, elapsed and time left.
import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import type { EvalRecord, RunInfo, StepRecord } from '../../src/core/protocol/records';
import { runLabels } from '../../src/core/run/labels';
import { describeProgress, formatDuration, runProgress } from '../../src/core/run/progress';
import { describeRlOutcome, rlOutcome } from '../../src/core/run/best';
import { resolveSpec } from '../../src/core/spec/resolve';

const run = (id: string, name: string, startedAt: string) => ({ id, name, startedAt });

describe('runLabels', () => {
  it('is the name alone when it is unique, and adds the start time as briefly as tells runs apart', () => {
    const labels = runLabels(
      [
        run('ux-tiny-20261202-043910', 'ux-tiny', '2026-12-02T04:39:10Z'),
        run('ux-tiny-20261202-044110', 'ux-tiny', '2026-12-02T04:41:10Z'),
        run('other-20261202-044110', 'other', '2026-12-02T04:41:10Z'),
      ],
      'UTC',
    );
    assert.deepEqual([...labels.values()], ['ux-tiny · 04:39', 'ux-tiny · 04:41', 'other']);
    assert.deepEqual([...runLabels([run('a', 'x', '2026-12-02T04:39:10Z'), run('b', 'x', '2026-12-03T04:39:50Z')], 'UTC').values()], ['x · Dec 2, 04:39', 'x · Dec 3, 04:39']);
    assert.deepEqual([...runLabels([run('a', 'x', '2026-12-02T04:39:10Z'), run('b', 'x', '2026-12-02T04:39:20Z')], 'UTC').values()], ['x · Dec 2, 04:39:10', 'x · Dec 2, 04:39:20']);
    // Started in the same second (a -2 run folder): only the id tells them apart.
    assert.deepEqual([...runLabels([run('x-1', 'x', '2026-12-02T04:39:10Z'), run('x-1-2', 'x', '2026-12-02T04:39:10Z')], 'UTC').values()], ['x-1', 'x-1-2']);
  });

  it('gives every run a different label, whatever the names and times', () => {
    const runs = fc.uniqueArray(
      fc.record({ id: fc.string({ minLength: 1 }), name: fc.constantFrom('a', 'b', ''), startedAt: fc.date({ min: new Date(2026, 0, 1), max: new Date(2026, 0, 3), noInvalidDate: true }).map((d) => d.toISOString()) }),
      { selector: (r) => r.id, maxLength: 8 },
    );
    fc.assert(
      fc.property(runs, (list) => {
        const labels = runLabels(list, 'UTC');
        assert.equal(new Set(labels.values()).size, list.length);
      }),
    );
  });
});

describe('runProgress', () => {
  const config = resolveSpec('task { }\npretrain {\n  steps 40\n}\nrl {\n  steps 10\n  prompts 8\n  group 8\n}\n').config!;
  const info = (stage: RunInfo['stage'], endedAt: string | null = null): RunInfo => ({
    id: 'r', name: 'r', status: endedAt ? 'done' : 'running', pid: null, seed: 1, stage, backend: null, versions: {}, config,
    startedAt: '2026-01-01T00:00:00.000Z', endedAt, step: { pretrain: 0, rl: 0 }, error: null, parent: null,
  });
  const t0 = Date.parse('2026-01-01T00:00:00.000Z');
  // Pretraining steps 1..24, one every 500 ms after a 2 s start-up.
  const pretrain: StepRecord[] = Array.from({ length: 24 }, (_, i) => ({ phase: 'pretrain', step: i + 1, time: t0 + 2000 + 500 * i }));

  it('reads step x of N, elapsed and time left from the recent pace', () => {
    const p = runProgress(info('all'), pretrain, t0 + 14_000);
    assert.deepEqual(p, { phase: 'pretrain', step: 24, total: 40, share: 24 / 50, elapsedMs: 14_000, etaMs: 16 * 500, runEtaMs: null });
    assert.equal(describeProgress(p), 'pretrain 24/40 · 14 s elapsed · ~8 s left');
  });

  it('starts at step 0 of the stage\'s first phase, with no time left to tell', () => {
    const p = runProgress(info('rl'), [], t0 + 1000);
    assert.deepEqual([p.phase, p.step, p.total, p.share, p.etaMs], ['rl', 0, 10, 0, null]);
    assert.equal(describeProgress(p), 'RL 0/10 · 1 s elapsed');
  });

  it('counts the phases before the current one, and stops the clock when the run ended', () => {
    const rl: StepRecord[] = [...pretrain, { phase: 'rl', step: 1, time: t0 + 20_000 }, { phase: 'rl', step: 2, time: t0 + 23_000 }];
    const p = runProgress(info('all', '2026-01-01T00:01:05.000Z'), rl, t0 + 999_999);
    assert.deepEqual([p.phase, p.step, p.share, p.elapsedMs, p.etaMs, p.runEtaMs], ['rl', 2, 42 / 50, 65_000, 8 * 3000, 0]);
  });

  it('estimates the whole run: the phase at its pace, the evaluations still due, and RL from what pretraining measured', () => {
    // Steps 1..12 every 500 ms (1,000 training tokens/s); after step 8 an evaluation of 10 problems (greedy + 1 sample, 50 tokens each) takes 3 s.
    const t = (i: number) => t0 + 2000 + 500 * i + (i >= 8 ? 3000 : 0);
    const steps: StepRecord[] = Array.from({ length: 12 }, (_, i) => ({ phase: 'pretrain', step: i + 1, time: t(i), tokensPerSec: 1000 }));
    const score = { n: 10, pass1: 0.5, passK: 0.6, formatRate: 1, lengthMean: 50 };
    const evals: EvalRecord[] = [{ phase: 'pretrain', step: 8, time: t(7) + 3000, split: 'test', k: 1, score, byCount: {} }];
    const p = runProgress(info('all'), steps, t(11), evals);
    assert.equal(p.etaMs, 28 * 500, 'the gap with the evaluation is not part of the pace');
    // Pretraining: 28 steps of 500 ms and 7 evaluations of 3 s (every 4 steps to 40). RL: 8 prompts × 8 completions of 50 tokens
    // sampled at 1,000 tokens per 3 s, then trained 1.5 times at 1 token/ms: 14.4 s a step, 10 steps, and 2 evaluations.
    assert.equal(p.runEtaMs, 28 * 500 + 7 * 3000 + 10 * (9600 + 4800) + 2 * 3000);
    assert.equal(describeProgress(p), 'pretrain 12/40 · 11 s elapsed · ~3 min 05 s left');
  });

  it('writes durations in seconds, minutes or hours', () => {
    assert.deepEqual([formatDuration(8_400), formatDuration(125_000), formatDuration(3_780_000), formatDuration(-5)], ['8 s', '2 min 05 s', '1 h 03 min', '0 s']);
  });
});

describe('rlOutcome', () => {
  const score = (pass1: number, passK: number) => ({ n: 200, pass1, passK, formatRate: 1, lengthMean: 100 });
  const record = (phase: 'pretrain' | 'rl', step: number, pass1: number, passK = 0.5, split: 'test' | 'problems' = 'test'): EvalRecord => ({ phase, step, time: step, split, k: 4, score: score(pass1, passK), byCount: {} });

  it('reads the base, final and best held-out evaluations of RL, and the lift', () => {
    const records = [record('pretrain', 3000, 0.2), record('rl', 0, 0.13, 0.33), record('rl', 0, 1, 1, 'problems'), record('rl', 10, 0.2), record('rl', 20, 0.305), record('rl', 30, 0.285, 0.45)];
    const o = rlOutcome(records)!;
    assert.deepEqual([o.base.step, o.final.step, o.best.step], [0, 30, 20]);
    assert.ok(Math.abs(o.lift - 0.155) < 1e-12);
    assert.equal(describeRlOutcome(o), 'held-out greedy accuracy 13.0% → 28.5% (+15.5 points; best 30.5% at RL step 20), pass@4 33.0% → 45.0%, on 200 test problems');
  });

  it('is null until RL has evaluated its start and a step', () => {
    assert.equal(rlOutcome([record('pretrain', 100, 0.2)]), null);
    assert.equal(rlOutcome([record('rl', 0, 0.2)]), null);
  });
});
