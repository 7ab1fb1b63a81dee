// What the dashboard tells a new user, in real Chromium: a failed run's error
// with its way out, runs that are gone, runs of one spec told apart, progress,
// values read with units and rounded (raw beside smoothed) on whole steps,
// evaluations labelled by split and comparable across runs, the metrics alerts
// name, and traces told apart as training rollouts or evaluation samples.
import { strict as assert } from 'node:assert';
import { after, before, test } from 'node:test';
import type { RunSnapshot } from '../../src/core/protocol/webview';
import { fixtureRun } from './fixture-runs';
import { openDashboard, startHarness, type DashboardPage, type Harness } from './harness';

let h: Harness;
before(async () => {
  h = await startHarness();
});
after(async () => {
  await h?.close();
});

async function hydrated(runs: RunSnapshot[], extra: { tab?: 'compare'; gone?: string[] } = {}): Promise<DashboardPage> {
  const d = await openDashboard(h);
  await d.send({ type: 'hydrate', runs, focus: runs[0]?.run.id ?? null, tab: extra.tab ?? null, gone: extra.gone ?? [] });
  return d;
}
const text = (d: DashboardPage, selector: string) => d.page.locator(selector).first().textContent();
const tab = (d: DashboardPage, name: string) => d.page.locator(`vscode-tab-header[data-tab="${name}"]`).click();

test('a failed run shows its error with Show Log and Edit Spec, not a wait for its first step', async () => {
  const failed = fixtureRun({ id: 'ux-gpu', pretrainSteps: 0, rlSteps: 0, traces: 0, status: 'failed' });
  failed.run.error = 'device gpu is not available (Cannot find module @tensorflow/tfjs-node-gpu): run `npm install @tensorflow/tfjs-node-gpu`';
  const d = await hydrated([failed]);
  await d.page.locator('[data-field="error"]').waitFor();
  assert.equal(await text(d, '[data-field="status"]'), 'failed');
  assert.equal(await text(d, '[data-field="error"]'), failed.run.error);
  assert.doesNotMatch((await text(d, 'main'))!, /Waiting for the first step|No steps yet/);
  assert.equal(await text(d, '.charts-panel .empty'), 'The run failed before its first step: its error is above.');
  await d.page.locator('[data-action="show-log"]').click();
  await d.page.locator('[data-action="edit-spec"]').click();
  assert.deepEqual((await d.posted()).slice(1), [
    { type: 'showLog', runId: 'ux-gpu' },
    { type: 'openSpec', runId: 'ux-gpu' },
  ]);
  assert.equal(await d.page.locator('[data-action="stop"]').isVisible(), false);
  assert.deepEqual(d.problems, []);
  await d.page.close();
});

test('runs that left the runs folder are named in a notice; with none left the panel does not pretend', async () => {
  const d = await hydrated([], { gone: ['ux-tiny · 04:39'] });
  await d.page.locator('[data-field="gone"]').waitFor();
  assert.match((await text(d, '[data-field="gone"]'))!, /^ux-tiny · 04:39 is no longer in the runs folder \(deleted or moved\)/);
  assert.equal(await text(d, '[data-field="summary"]'), '');
  await d.page.close();
});

test('runs of one spec are told apart by their labels in the picker, the compare legend and the table; compare comes forward when asked', async () => {
  const a = { ...fixtureRun({ id: 'ux-tiny-20261202-043910', pretrainSteps: 50, rlSteps: 40, traces: 0, status: 'done', seed: 1 }), label: 'ux-tiny · 04:39' };
  const b = { ...fixtureRun({ id: 'ux-tiny-20261202-044410', pretrainSteps: 50, rlSteps: 40, traces: 0, status: 'done', seed: 2 }), label: 'ux-tiny · 04:44' };
  a.run.name = b.run.name = 'ux-tiny';
  const d = await hydrated([a, b], { tab: 'compare' });
  await d.page.locator('.compare-chart canvas').waitFor();
  assert.equal(await d.page.locator('vscode-tab-header[data-tab="compare"]').getAttribute('aria-selected'), 'true');
  assert.deepEqual(await d.page.locator('vscode-single-select[data-control="run"] vscode-option').allTextContents(), ['ux-tiny · 04:39', 'ux-tiny · 04:44']);
  assert.deepEqual(await d.page.locator('.compare-runs vscode-checkbox').evaluateAll((boxes) => boxes.map((b) => b.getAttribute('label'))), ['ux-tiny · 04:39', 'ux-tiny · 04:44']);
  assert.match((await text(d, '.compare-chart .u-legend'))!, /ux-tiny · 04:39.*ux-tiny · 04:44/);
  assert.deepEqual((await d.page.locator('.compare-table thead th').allTextContents()).slice(1), ['ux-tiny · 04:39', 'ux-tiny · 04:44']);
  await d.page.close();
});

test('compare offers the evaluations by split, draws them on whole steps, and says when there is nothing to compare', async () => {
  const runs = [fixtureRun({ id: 'grpo', pretrainSteps: 30, rlSteps: 40, traces: 0, status: 'done', problems: true }), fixtureRun({ id: 'dr-grpo', pretrainSteps: 30, rlSteps: 30, traces: 0, status: 'done', seed: 4, problems: true })];
  const d = await hydrated(runs, { tab: 'compare' });
  await d.page.locator('.compare-chart canvas').waitFor();
  const options = await d.page.locator('vscode-single-select[data-control="compare-metric"] vscode-option').allTextContents();
  assert.deepEqual(options.slice(0, 4), [
    'RL · evaluation pass@1 (greedy), test split',
    'RL · evaluation pass@k (sampled), test split',
    "RL · evaluation pass@1 (greedy), spec's problems",
    "RL · evaluation pass@k (sampled), spec's problems",
  ]);
  assert.ok(options.includes('RL · Several answers') && options.includes('RL · Learning rate'));
  await d.page.locator('vscode-single-select[data-control="compare-metric"]').evaluate((el: HTMLElement & { value: string }) => {
    el.value = 'eval:rl:test:passK';
    el.dispatchEvent(new Event('change'));
  });
  await d.page.waitForFunction(() => document.querySelector('.compare-chart figcaption')?.textContent?.includes('pass@k'));
  assert.match((await text(d, '.compare-chart .u-legend'))!, /grpo \(pass@8\).*dr-grpo \(pass@8\)/);
  const ticks = (await d.page.locator('.compare-chart .plot').getAttribute('data-step-ticks'))!.split(' ').map(Number);
  assert.ok(ticks.length >= 2 && ticks.every(Number.isInteger), `whole steps: ${ticks.join(' ')}`);
  await d.send({ type: 'hydrate', runs: [], focus: null, tab: 'compare', gone: [] });
  await d.page.locator('[data-field="compare-empty"]').waitFor();
  assert.equal(await d.page.locator('vscode-single-select[data-control="compare-metric"]').isVisible(), false);
  await d.page.close();
});

test('charts read values with units, rounded, raw beside smoothed; evaluations are labelled by split; alert metrics and RL learning rate are charted', async () => {
  const run = fixtureRun({ id: 'grpo', pretrainSteps: 30, rlSteps: 60, traces: 0, problems: true });
  const d = await hydrated([run]);
  const chart = (id: string) => d.page.locator(`[data-chart="${id}"]`);
  for (const id of ['rl-degenerate', 'rl-lr', 'rl-eval-test', 'rl-eval-problems']) await chart(id).waitFor();
  assert.match((await chart('rl-eval-test').locator('figcaption').textContent())!, /^Evaluation: test split/);
  assert.match((await chart('rl-eval-problems').locator('figcaption').textContent())!, /^Evaluation: the spec's problems/);
  // One epoch (the default) clips nothing: the chart says why it stays at 0.
  assert.match((await chart('rl-clip').locator('.chart-note').textContent())!, /With `epochs 1` .* stays 0/);
  // Hover the middle of the step-time chart: the legend reads rounded values with their unit, smoothed (raw).
  const time = chart('rl-time');
  await time.scrollIntoViewIfNeeded();
  await time.locator('canvas').waitFor();
  const over = (await time.locator('.u-over').boundingBox())!;
  await d.page.mouse.move(over.x + over.width / 2, over.y + over.height / 2);
  const legend = (await time.locator('.u-legend').textContent())!;
  assert.match(legend, /Step time\s*[\d,]+ ms \(raw [\d,]+ ms\)/, legend);
  assert.match((await time.locator('.plot').getAttribute('data-step-ticks'))!, /^\d+( \d+)*$/);
  const evalChart = chart('rl-eval-test');
  await evalChart.scrollIntoViewIfNeeded();
  await evalChart.locator('canvas').waitFor();
  assert.match((await evalChart.locator('.u-legend').textContent())!, /pass@1 \(greedy\).*pass@8 \(sampled\)/);
  assert.deepEqual(d.problems, []);
  await d.page.close();
});

test('traces are told apart as training rollouts or evaluation samples, under column headers, and filter by which', async () => {
  const run = fixtureRun({ id: 'grpo', pretrainSteps: 0, rlSteps: 20, traces: 30 });
  run.traces.push(...run.traces.slice(0, 10).map((t) => ({ ...t, split: 'test' as const, sample: 'greedy' as const })));
  const d = await hydrated([run]);
  await tab(d, 'traces');
  await d.page.locator('.trace-row').first().waitFor();
  assert.deepEqual(await d.page.locator('.trace-headings span').allTextContents(), ['Step', 'Sample', 'Verdict', 'Reward', 'Problem', 'Completion']);
  const kinds = await d.page.locator('.trace-row .trace-kind').allTextContents();
  assert.ok(kinds.includes('eval · test') && kinds.includes('rollout'), kinds.join());
  await d.page.locator('vscode-single-select[data-filter="source"]').evaluate((el: HTMLElement & { value: string }) => {
    el.value = 'eval';
    el.dispatchEvent(new Event('change'));
  });
  assert.equal(await text(d, '.trace-count'), '10 of 40 traces');
  await d.page.waitForFunction(() => [...document.querySelectorAll('.trace-row .trace-kind')].every((e) => e.textContent === 'eval · test'));
  await d.page.locator('.trace-row').first().click();
  assert.match((await text(d, '.trace-detail-head'))!, /Evaluation sample, test split \(greedy\) · RL step \d+/);
  await d.page.close();
});
