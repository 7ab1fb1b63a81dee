// How runs are named and how far they are, as every view shows it: labels that
// tell runs of one spec apart, and step x of N, elapsed and time left.
import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import type { RunInfo, StepRecord } from '../../src/core/protocol/records';
import { runLabels } from '../../src/core/run/labels';
import { describeProgress, formatDuration, runProgress } from '../../src/core/run/progress';
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
  const config = resolveSpec('task { }\npretrain {\n  steps 40\n}\nrl {\n  steps 10\n}\n').config!;
  const info = (stage: RunInfo['stage'], endedAt: string | null = null): RunInfo => ({
    id: 'r', name: 'r', status: endedAt ? 'done' : 'running', pid: null, seed: 1, stage, backend: null, versions: {}, config,
    startedAt: '2026-01-01T00:00:00.000Z', endedAt, step: { pretrain: 0, rl: 0 }, error: null, parent: null,
  });
  const t0 = Date.parse('2026-01-01T00:00:00.000Z');
  // Pretraining steps 1..24, one every 500 ms after a 2 s start-up.
  const pretrain: StepRecord[] = Array.from({ length: 24 }, (_, i) => ({ phase: 'pretrain', step: i + 1, time: t0 + 2000 + 500 * i }));

  it('reads step x of N, elapsed and time left from the recent pace', () => {
    const p = runProgress(info('all'), pretrain, t0 + 14_000);
    assert.deepEqual(p, { phase: 'pretrain', step: 24, total: 40, share: 24 / 50, elapsedMs: 14_000, etaMs: 16 * 500 });
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
    assert.deepEqual([p.phase, p.step, p.share, p.elapsedMs, p.etaMs], ['rl', 2, 42 / 50, 65_000, 8 * 3000]);
  });

  it('writes durations in seconds, minutes or hours', () => {
    assert.deepEqual([formatDuration(8_400), formatDuration(125_000), formatDuration(3_780_000), formatDuration(-5)], ['8 s', '2 min 05 s', '1 h 03 min', '0 s']);
  });
});
