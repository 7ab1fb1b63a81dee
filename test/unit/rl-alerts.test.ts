import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { ALERT_METRICS, AlertMonitor } from '../../src/core/alerts/monitor';
import { PHASE_CHARTS } from '../../webview/chart-layout';
import { answerBlocks, longestCharRun } from '../../src/core/alerts/text';
import type { AlertKind, StepRecord } from '../../src/core/protocol/records';

const healthy = (step: number, extra: Partial<StepRecord> = {}): StepRecord => ({
  phase: 'rl',
  step,
  time: step,
  entropy: 0.8,
  lengthMean: 60,
  truncatedRate: 0,
  accuracy: 0.2,
  rewardMean: 0.3,
  formatRate: 0.9,
  kl: 0.01,
  repetitionRate: 0,
  multiAnswerRate: 0,
  ...extra,
});

/** Feeds the records and returns [step, kind] of each alert. */
function run(records: StepRecord[]): Array<[number, AlertKind]> {
  const monitor = new AlertMonitor();
  return records.flatMap((r) => monitor.observe(r).map((a) => [a.step, a.kind] as [number, AlertKind]));
}

const steps = (n: number, f: (step: number) => StepRecord) => Array.from({ length: n }, (_, i) => f(i + 1));

test('text checks: longest character run and answer blocks', () => {
  assert.equal(longestCharRun(''), 0);
  assert.equal(longestCharRun('ab!!!!c'), 4);
  assert.equal(longestCharRun('1000 + 1'), 3);
  assert.equal(answerBlocks('<think>x</think><answer>1</answer><answer>2</answer>'), 2);
  assert.equal(answerBlocks('no answer'), 0);
});

test('a healthy run raises nothing', () => {
  assert.deepEqual(run(steps(40, (s) => healthy(s))), []);
});

test('entropy collapse fires once, after `patience` steps under 10% of the baseline, and re-arms', () => {
  const records = steps(20, (s) => healthy(s, { entropy: s > 5 && s < 12 ? 0.05 : 0.8 }));
  records.push(...steps(5, (s) => healthy(20 + s, { entropy: 0.01 })));
  assert.deepEqual(run(records), [
    [8, 'entropy-collapse'],
    [23, 'entropy-collapse'],
  ]);
});

test('runaway length: truncated completions or a length far above its start', () => {
  assert.deepEqual(run(steps(10, (s) => healthy(s, { truncatedRate: s >= 4 ? 0.6 : 0 }))), [[6, 'length-runaway']]);
  assert.deepEqual(run(steps(10, (s) => healthy(s, { lengthMean: s >= 5 ? 200 : 60 }))), [[7, 'length-runaway']]);
});

test('length collapse', () => {
  assert.deepEqual(run(steps(10, (s) => healthy(s, { lengthMean: s >= 5 ? 10 : 60 }))), [[7, 'length-collapse']]);
});

test('repetition and several answer blocks fire at once', () => {
  const alerts = run(steps(4, (s) => healthy(s, s === 3 ? { repetitionRate: 0.5, multiAnswerRate: 0.25 } : {})));
  assert.deepEqual(alerts, [
    [3, 'repetition'],
    [3, 'multiple-answers'],
  ]);
});

test('a streak of steps without a correct completion', () => {
  assert.deepEqual(run(steps(30, (s) => healthy(s, { accuracy: s >= 3 ? 0 : 0.1 }))), [[17, 'zero-reward-streak']]);
});

test('kl blow-up: a jump over its recent median, or over the absolute limit', () => {
  assert.deepEqual(run(steps(12, (s) => healthy(s, { kl: s === 10 ? 0.3 : 0.01 }))), [[10, 'kl-blowup']]);
  assert.deepEqual(run(steps(2, (s) => healthy(s, { kl: s === 2 ? 1.5 : 0.01 }))), [[2, 'kl-blowup']]);
});

test('alerts name the step, the evidence with numbers, and what to try', () => {
  const monitor = new AlertMonitor();
  const [alert] = steps(20, (s) => healthy(s, { accuracy: 0 })).flatMap((r) => monitor.observe(r));
  assert.ok(alert);
  assert.equal(alert.kind, 'zero-reward-streak');
  assert.match(alert.evidence, /no correct completion for 15 steps \(step 15/);
  assert.match(alert.advice, /pass@k/);
  assert.equal(new AlertMonitor().observe({ phase: 'pretrain', step: 1, time: 0, loss: 9 }).length, 0);
});

test('ALERT_METRICS names what each alert reads: without those metrics it cannot fire, and the dashboard charts each of them', () => {
  const firing: Record<AlertKind, StepRecord[]> = {
    'entropy-collapse': steps(12, (s) => healthy(s, { entropy: s > 5 ? 0.01 : 0.8 })),
    'length-runaway': steps(10, (s) => healthy(s, { truncatedRate: s >= 4 ? 0.6 : 0, lengthMean: s >= 4 ? 200 : 60 })),
    'length-collapse': steps(10, (s) => healthy(s, { lengthMean: s >= 5 ? 10 : 60 })),
    repetition: steps(3, (s) => healthy(s, { repetitionRate: 0.5 })),
    'multiple-answers': steps(3, (s) => healthy(s, { multiAnswerRate: 0.5 })),
    'zero-reward-streak': steps(20, (s) => healthy(s, { accuracy: 0, rewardMean: 0 })),
    'kl-blowup': steps(5, (s) => healthy(s, { kl: 3 })),
  };
  const charted = new Set(PHASE_CHARTS.rl.flatMap((c) => c.series));
  for (const [kind, records] of Object.entries(firing) as [AlertKind, StepRecord[]][]) {
    assert.ok(run(records).some(([, k]) => k === kind), `${kind} fires on its records`);
    const without = records.map((r) => Object.fromEntries(Object.entries(r).filter(([key]) => !(ALERT_METRICS[kind] as readonly string[]).includes(key))) as StepRecord);
    assert.ok(!run(without).some(([, k]) => k === kind), `${kind} needs ${ALERT_METRICS[kind].join(', ')}`);
    for (const metric of ALERT_METRICS[kind]) assert.ok(charted.has(metric), `${metric} (read by ${kind}) has an RL chart`);
  }
});
