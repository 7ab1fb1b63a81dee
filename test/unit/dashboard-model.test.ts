// The webview's data model, filters and config comparison (pure parts of webview/).
import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import fc from 'fast-check';
import type { EvalRecord, StepRecord, TraceRecord } from '../../src/core/protocol/records';
import { runProgress } from '../../src/core/run/progress';
import { resolveSpec } from '../../src/core/spec/resolve';
import { compareConfigs, flattenConfig } from '../../webview/config-diff';
import { StepTable } from '../../webview/step-table';
import { DashboardStore } from '../../webview/store';
import { matchesTrace, NO_FILTER, parseStepBound } from '../../webview/trace-filter';
import { fixtureRun, fixtureTrace } from '../webview/fixture-runs';

test('step tables store columns with gaps, verdict shares, and let a resumed run overwrite', () => {
  const t = new StepTable();
  t.append({ phase: 'rl', step: 1, time: 0, accuracy: 0.1, verdicts: { correct: 0.1 } });
  t.append({ phase: 'rl', step: 2, time: 0, rewardMean: 0.5 });
  t.append({ phase: 'rl', step: 3, time: 0, accuracy: 0.3 });
  assert.deepEqual([...t.steps], [1, 2, 3]);
  assert.deepEqual([...t.column('accuracy')!].map((v) => (Number.isNaN(v) ? null : v)), [0.1, null, 0.3]);
  assert.deepEqual([...t.column('verdict:correct')!].map((v) => (Number.isNaN(v) ? null : v)), [0.1, null, null]);
  assert.equal(t.column('kl'), undefined);
  t.append({ phase: 'rl', step: 2, time: 0, accuracy: 0.9 });
  assert.deepEqual([...t.steps], [1, 2]);
  assert.deepEqual([...t.column('accuracy')!], [0.1, 0.9]);
  for (let s = 3; s < 1000; s++) t.append({ phase: 'rl', step: s, time: 0, kl: s });
  assert.equal(t.length, 999);
  assert.equal(t.column('kl')![998], 999);
  assert.ok(Number.isNaN(t.column('kl')![0]!));
});

test('the store hydrates, appends deltas of known runs, and keeps the newest traces', () => {
  const store = new DashboardStore(100);
  const a = fixtureRun({ id: 'a', pretrainSteps: 5, rlSteps: 20, traces: 90 });
  const b = fixtureRun({ id: 'b', pretrainSteps: 0, rlSteps: 3, traces: 0 });
  const change = store.apply({ type: 'hydrate', runs: [a, b], focus: 'b', tab: null, gone: [] });
  assert.equal(change.hydrated, true);
  assert.equal(store.focus, 'b');
  assert.equal(store.runs.get('a')!.phases.pretrain.length, 5);
  const rand = () => 0.5;
  const more: TraceRecord[] = Array.from({ length: 40 }, () => fixtureTrace(rand, 21, 0.5));
  const delta = { type: 'append' as const, runId: 'a', steps: [{ phase: 'rl' as const, step: 21, time: 0, accuracy: 1 }], evals: [], traces: more, traceStart: 90, alerts: [], run: null };
  const appended = store.apply(delta);
  assert.deepEqual([appended.steps, appended.traces, appended.evals, appended.info], [true, true, false, false]);
  const traces = store.runs.get('a')!.visibleTraces();
  assert.equal(traces.length, 100);
  assert.deepEqual([traces[0]!.index, traces.at(-1)!.index], [30, 129]);
  assert.equal(store.apply({ ...delta, runId: 'ghost' }).steps, false);
  // A new snapshot without the focused run falls back to the focus it names.
  store.apply({ type: 'hydrate', runs: [a], focus: null, tab: null, gone: [] });
  assert.equal(store.focus, 'a');
});

test('trace filters by verdict, inclusive step range and case-insensitive text', () => {
  const t = fixtureTrace(() => 0.9, 50, 0);
  assert.equal(t.verdict, 'wrong-value');
  assert.ok(matchesTrace(t, NO_FILTER));
  assert.ok(!matchesTrace(t, { ...NO_FILTER, verdict: 'correct' }));
  assert.ok(matchesTrace(t, { ...NO_FILTER, minStep: 50, maxStep: 50 }));
  assert.ok(!matchesTrace(t, { ...NO_FILTER, minStep: 51 }));
  assert.ok(matchesTrace(t, { ...NO_FILTER, text: 'LET ME' }));
  assert.ok(matchesTrace(t, { ...NO_FILTER, text: `-> ${t.target}` }));
  assert.ok(!matchesTrace(t, { ...NO_FILTER, text: 'nowhere' }));
  assert.deepEqual(['', ' 12 ', '1.5', '-3', 'x'].map(parseStepBound), [null, 12, null, null, null]);
});

test('configs flatten to dotted keys, spelled as a spec writes them, and differing keys are marked', () => {
  assert.deepEqual([...flattenConfig({ a: { b: 1, c: [1, 2] }, d: 'x', e: null })], [
    ['a.b', '1'],
    ['a.c', '[1,2]'],
    ['d', 'x'],
    ['e', 'null'],
  ]);
  const rows = compareConfigs([{ rl: { lr: 1, klCoef: 0, groupSize: 8 }, task: { heldOutTargets: 0 } }, { rl: { lr: 2, klCoef: 0, groupSize: 16 }, task: { heldOutTargets: 0 }, extra: true }]);
  assert.deepEqual(
    rows.map((r) => [r.key, r.differs, r.values]),
    [
      ['rl.lr', true, ['1', '2']],
      ['rl.kl', false, ['0', '0']],
      ['rl.group', true, ['8', '16']],
      ['task.held-out-targets', false, ['0', '0']],
      ['extra', true, [undefined, 'true']],
    ],
  );
});

test('the few steps the dashboard hands runProgress give the reading all the steps give', () => {
  const config = resolveSpec('task { }\npretrain {\n  steps 60\n  eval-every 7\n}\nrl {\n  steps 40\n  eval-every 5\n}\n').config!;
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 60 }), fc.integer({ min: 0, max: 40 }), fc.array(fc.integer({ min: 1, max: 3000 }), { minLength: 100, maxLength: 100 }), fc.boolean(), (pretrain, rl, gaps, measured) => {
      const steps: StepRecord[] = [];
      const evals: EvalRecord[] = [];
      let time = 1_000_000;
      const score = { n: 4, pass1: 0.5, passK: 0.75, formatRate: 1, lengthMean: 40 };
      const phase = (name: 'pretrain' | 'rl', count: number, every: number) => {
        for (let s = 1; s <= count; s++) {
          time += gaps[steps.length]!;
          steps.push({ phase: name, step: s, time, ...(measured || s % 3 === 0 ? { tokensPerSec: 1000 + s } : {}) });
          if (s % every === 0 || s === count) evals.push({ phase: name, step: s, time: (time += 700), split: 'test', k: 2, score, byCount: {} });
        }
      };
      phase('pretrain', pretrain, 7);
      phase('rl', rl, 5);
      const info = { ...fixtureRun({ id: 'p', pretrainSteps: 0, rlSteps: 0, traces: 0 }).run, config, startedAt: new Date(999_000).toISOString() };
      const store = new DashboardStore();
      store.apply({ type: 'hydrate', runs: [{ run: info, label: 'p', steps, evals, traces: [], traceStart: 0, alerts: [] }], focus: 'p', tab: null, gone: [] });
      const now = time + 5000;
      assert.deepEqual(runProgress(info, store.runs.get('p')!.progressSteps(), now, evals), runProgress(info, steps, now, evals));
    }),
    { numRuns: 200 },
  );
});
