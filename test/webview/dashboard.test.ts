// The dashboard bundle in real Chromium: hydrate, deltas, untrusted text,
// filters, posted intents, the compare view, and a screenshot for the docs.
import { strict as assert } from 'node:assert';
import { copyFileSync, mkdirSync } from 'node:fs';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import type { TraceRecord } from '../../src/core/protocol/records';
import { parseWebviewIntent, type RunSnapshot } from '../../src/core/protocol/webview';
import { fixtureRun } from './fixture-runs';
import { openDashboard, startHarness, type DashboardPage, type Harness } from './harness';

let h: Harness;
before(async () => {
  h = await startHarness();
});
after(async () => {
  await h?.close();
});

const baseline = () => fixtureRun({ id: 'grpo-baseline', pretrainSteps: 300, rlSteps: 400, traces: 600, seed: 3 });
const variant = () => fixtureRun({ id: 'dr-grpo-lr2e-4', spec: 'rl {\n  algorithm dr-grpo\n  lr 2e-4\n}', pretrainSteps: 300, rlSteps: 300, traces: 50, seed: 5, pace: 1.4, status: 'done' });

const rows = (d: DashboardPage) => d.page.locator('.trace-row');

/** Trace rows are laid out on the next animation frame after a filter changes: wait until every row shown has a step in range. */
const rowsInStepRange = (d: DashboardPage, from: number, to: number) =>
  d.page.waitForFunction(
    ([lo, hi]) => {
      const steps = [...document.querySelectorAll('.trace-row .trace-step')].map((e) => Number(e.textContent!.split(' ')[1]));
      return steps.length > 0 && steps.every((s) => s >= lo! && s <= hi!);
    },
    [from, to],
    { timeout: 10_000 },
  );
const tab = (d: DashboardPage, name: string) => d.page.locator(`vscode-tab-header[data-tab="${name}"]`).click();

async function hydrated(runs: RunSnapshot[]): Promise<DashboardPage> {
  const d = await openDashboard(h);
  await d.send({ type: 'hydrate', runs, focus: runs[0]!.run.id, tab: null, gone: [] });
  return d;
}

test('hydrate draws both phases with their charts, then deltas extend them', async () => {
  const d = await hydrated([baseline()]);
  const { page } = d;
  assert.deepEqual(await d.posted(), [{ type: 'ready' }]);
  await page.locator('[data-phase="rl"] [data-chart="rl-reward"] canvas').waitFor();
  assert.equal(await page.locator('[data-phase="pretrain"] h2').textContent(), 'Pretraining');
  for (const id of ['pretrain-loss', 'pretrain-lr', 'rl-accuracy', 'rl-format', 'rl-length', 'rl-kl', 'rl-entropy', 'rl-clip', 'rl-signal', 'rl-lr', 'rl-throughput', 'rl-eval-test']) {
    assert.equal(await page.locator(`[data-chart="${id}"]`).count(), 1, id);
  }
  // Charts out of view are drawn when scrolled to; uPlot labels series from METRICS.
  await page.locator('[data-chart="rl-length"]').scrollIntoViewIfNeeded();
  await page.locator('[data-chart="rl-length"] canvas').waitFor();
  const legend = await page.locator('[data-chart="rl-length"] .u-legend').textContent();
  assert.match(legend!, /Length \(correct\).*Length \(wrong\)/);
  assert.match((await page.locator('[data-field="summary"]').textContent())!, /^RL 400\/500 · \d+ min \d\d s elapsed · ~\d+ min \d\d s left · reward [\d.]+ · accuracy \d+(\.\d)?%$/);
  assert.equal(await page.locator('.alert').count(), 1);

  await d.send({
    type: 'append',
    runId: 'grpo-baseline',
    steps: [{ phase: 'rl', step: 401, time: Date.now(), rewardMean: 0.9, accuracy: 0.875 }],
    evals: [],
    traces: [{ ...baseline().traces[0]!, step: 401, completion: 'fresh trace</think><answer>1 + 2</answer>' }],
    traceStart: 600,
    alerts: [],
    run: null,
  });
  await page.waitForFunction(() => document.querySelector('[data-field="summary"]')!.textContent!.includes('RL 401/500'));
  assert.match((await page.locator('[data-field="summary"]').textContent())!, /reward 0\.9 · accuracy 87\.5%/);
  await tab(d, 'traces');
  await rows(d).first().waitFor();
  assert.equal(await rows(d).first().getAttribute('data-index'), '600');
  assert.match((await rows(d).first().textContent())!, /fresh trace/);
  assert.match((await page.locator('.trace-count').textContent())!, /^601 of 601 traces$/);
  assert.deepEqual(d.problems, []);
  await page.close();
});

test('model output is shown as text: no element, no script, no dialog', async () => {
  const evil = '<img src=x onerror=alert(1)><script>alert(2)</script></think><answer><b>1</b></answer>';
  const run = baseline();
  run.traces = [{ ...run.traces[0]!, prompt: '<img src=y onerror=alert(3)>', completion: evil } as TraceRecord];
  const d = await hydrated([run]);
  const { page } = d;
  await tab(d, 'traces');
  await rows(d).first().click();
  await page.locator('.trace-completion').waitFor();
  assert.equal(await page.locator('.trace-completion').textContent(), evil);
  assert.equal(await page.locator('.trace-prompt').textContent(), '<img src=y onerror=alert(3)>');
  assert.match((await rows(d).first().textContent())!, /<img src=x onerror=alert\(1\)>/);
  // The think and answer parts are styled apart, still as text.
  assert.equal(await page.locator('.trace-completion .part-answer').textContent(), '<answer><b>1</b></answer>');
  assert.equal(await page.locator('img, b, .trace-detail script').count(), 0);
  await page.waitForTimeout(100);
  assert.deepEqual(d.dialogs, []);
  assert.deepEqual(d.problems, []);
  await page.close();
});

test('filters by verdict, step range and text', async () => {
  const run = baseline();
  const d = await hydrated([run]);
  const { page } = d;
  await tab(d, 'traces');
  await rows(d).first().waitFor();
  const count = () => page.locator('.trace-count').textContent();
  const expected = (keep: (t: TraceRecord) => boolean) => `${run.traces.filter(keep).length} of 600 traces`;

  await page.locator('vscode-single-select[data-filter="verdict"]').evaluate((el: HTMLElement & { value: string }) => {
    el.value = 'correct';
    el.dispatchEvent(new Event('change'));
  });
  assert.equal(await count(), expected((t) => t.verdict === 'correct'));
  await page.waitForFunction(() => [...document.querySelectorAll('.trace-row .verdict')].every((e) => e.textContent === 'correct'), undefined, { timeout: 10_000 });
  const verdicts = await page.locator('.trace-row .verdict').allTextContents();
  assert.ok(verdicts.length > 0 && verdicts.every((v) => v === 'correct'), verdicts.join());

  await page.locator('vscode-textfield[data-filter="from"] input').fill('100');
  await page.locator('vscode-textfield[data-filter="to"] input').fill('200');
  assert.equal(await count(), expected((t) => t.verdict === 'correct' && t.step >= 100 && t.step <= 200));
  await rowsInStepRange(d, 100, 200);
  const steps = (await page.locator('.trace-row .trace-step').allTextContents()).map((s) => Number(s.split(' ')[1]));
  assert.ok(steps.every((s) => s >= 100 && s <= 200), steps.join());

  const needle = run.traces.find((t) => t.verdict === 'correct' && t.step >= 100 && t.step <= 200)!.prompt.split('\n')[0]!;
  await page.locator('vscode-textfield[data-filter="text"] input').fill(needle);
  const matching = run.traces.filter((t) => t.verdict === 'correct' && t.step >= 100 && t.step <= 200 && (t.prompt + t.completion).toLowerCase().includes(needle.toLowerCase()));
  assert.ok(matching.length >= 1);
  assert.equal(await count(), `${matching.length} of 600 traces`);
  await page.waitForFunction((n) => document.querySelectorAll('.trace-row').length === n, matching.length, { timeout: 10_000 });
  assert.equal(await rows(d).count(), matching.length);
  await page.close();
});

test('the intents it posts are well-formed and name the right trace', async () => {
  const run = baseline();
  const d = await hydrated([run, variant()]);
  const { page } = d;
  await page.locator('[data-action="stop"]').click();
  await tab(d, 'traces');
  await rows(d).nth(2).click();
  await page.locator('[data-action="open-trace"]').click();
  await rows(d).nth(0).dblclick();
  // Keyboard: down from the newest selects the next one, Enter opens it.
  await page.locator('.trace-viewport').press('ArrowDown');
  await page.locator('.trace-viewport').press('Enter');
  await tab(d, 'compare');
  await page.locator('[data-action="pick-runs"]').click();
  const posted = await d.posted();
  assert.deepEqual(posted, [
    { type: 'ready' },
    { type: 'stopRun', runId: 'grpo-baseline' },
    { type: 'openTrace', runId: 'grpo-baseline', index: 597 },
    { type: 'openTrace', runId: 'grpo-baseline', index: 599 },
    { type: 'openTrace', runId: 'grpo-baseline', index: 598 },
    { type: 'pickRuns' },
  ]);
  for (const intent of posted) assert.deepEqual(parseWebviewIntent(intent), intent);
  await page.close();
});

test('compare overlays the runs and highlights differing settings', async () => {
  const d = await hydrated([baseline(), variant()]);
  const { page } = d;
  await tab(d, 'compare');
  await page.locator('.compare-chart canvas').waitFor();
  const legend = await page.locator('.compare-chart .u-legend').textContent();
  assert.match(legend!, /grpo-baseline.*dr-grpo-lr2e-4/);
  const differing = await page.locator('.compare-table tr.differs th').allTextContents();
  for (const key of ['status', 'final pass@1 (test)', 'rl.algorithm', 'rl.lr', 'name']) assert.ok(differing.includes(key), `${key} in ${differing.join(', ')}`);
  assert.ok(!differing.includes('task.train'));
  // "Only differences" off shows equal settings too, not highlighted.
  await page.locator('vscode-checkbox[data-control="only-differences"]').click();
  await page.locator('.compare-table tr:not(.differs) th', { hasText: 'task.train' }).waitFor();
  await page.close();
});

test('screenshot of the dashboard with realistic data', async () => {
  const d = await openDashboard(h, { width: 1400, height: 1000 });
  await d.send({ type: 'hydrate', runs: [fixtureRun({ id: 'countdown-3-grpo', pretrainSteps: 1500, rlSteps: 600, traces: 400, seed: 11 })], focus: null, tab: null, gone: [] });
  await d.page.locator('[data-chart="pretrain-loss"] canvas').waitFor();
  await d.page.waitForTimeout(300);
  const out = path.resolve('.test-artifacts');
  mkdirSync(out, { recursive: true });
  await d.page.screenshot({ path: path.join(out, 'dashboard-webview.png') });
  await tab(d, 'traces');
  await d.page.locator('.trace-row').nth(1).click();
  await d.page.screenshot({ path: path.join(out, 'dashboard-webview-traces.png') });
  await d.send({ type: 'hydrate', runs: [fixtureRun({ id: 'countdown-3-grpo', pretrainSteps: 1500, rlSteps: 600, traces: 40, seed: 11 }), variant()], focus: null, tab: null, gone: [] });
  await tab(d, 'compare');
  await d.page.locator('.compare-chart canvas').waitFor();
  await d.page.screenshot({ path: path.join(out, 'dashboard-webview-compare.png') });
  if (process.env.RLAB_UPDATE_SCREENSHOTS === '1') {
    mkdirSync('docs/images', { recursive: true });
    for (const name of ['dashboard-webview', 'dashboard-webview-traces', 'dashboard-webview-compare']) copyFileSync(path.join(out, `${name}.png`), `docs/images/${name}.png`);
  }
  assert.deepEqual(d.problems, []);
  await d.page.close();
});
