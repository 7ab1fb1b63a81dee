// The dashboard's message flow against the extension's real RunStore.
import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import type { RunInfo, StepRecord, TraceRecord } from '../../src/core/protocol/records';
import { parseWebviewIntent, type ToWebview } from '../../src/core/protocol/webview';
import type { ResolvedConfig } from '../../src/core/spec/config';
import { DashboardSession } from '../../src/extension/dashboard/session';
import type { DashboardSource } from '../../src/extension/dashboard/source';
import { RunStore } from '../../src/extension/runs/runStore';

const info = (id: string, startedAt: string): RunInfo => ({
  id,
  name: id,
  status: 'running',
  pid: 1,
  seed: 1,
  stage: 'all',
  backend: null,
  versions: {},
  config: {} as ResolvedConfig,
  startedAt,
  endedAt: null,
  step: { pretrain: 0, rl: 0 },
  error: null,
  parent: null,
});
const step = (n: number): StepRecord => ({ phase: 'rl', step: n, time: n, rewardMean: n / 10 });
const trace = (n: number): TraceRecord => ({
  phase: 'rl',
  step: n,
  split: 'train',
  numbers: [1, 2],
  target: 3,
  prompt: 'p',
  completion: `c${n}`,
  reward: 1,
  verdict: 'correct',
  sample: 0,
  truncated: false,
});

function setup(runIds: string[] = ['a']) {
  // A long refresh period: deltas stay pending until flushed, as in a busy host.
  const store = new RunStore(3, 60_000);
  store.setInfo('/runs/a', info('a', '2026-01-01T00:00:00Z'));
  store.setInfo('/runs/b', info('b', '2026-01-02T00:00:00Z'));
  const sent: ToWebview[] = [];
  const source: DashboardSource = store;
  const session = new DashboardSession(source, (m) => sent.push(m), runIds);
  store.onDidAppend((d) => session.onDelta(d));
  return { store, sent, session };
}

test('nothing is sent before the webview is ready; ready gets a snapshot', (t) => {
  const { store, sent, session } = setup();
  t.after(() => store.dispose());
  store.append('a', { steps: [step(1)] });
  store.flush();
  assert.equal(sent.length, 0);
  assert.deepEqual(session.receive({ type: 'ready' }), { valid: true, command: null });
  assert.equal(sent.length, 1);
  const hydrate = sent[0]!;
  assert.equal(hydrate.type, 'hydrate');
  assert.equal(hydrate.type === 'hydrate' && hydrate.focus, 'a');
  assert.deepEqual(hydrate.type === 'hydrate' && hydrate.runs.map((r) => r.steps.length), [1]);
});

test('records pending at hydrate time are in the snapshot and never sent twice', (t) => {
  const { store, sent, session } = setup();
  t.after(() => store.dispose());
  store.append('a', { steps: [step(1), step(2)], traces: [trace(1)] });
  session.receive({ type: 'ready' });
  store.append('a', { steps: [step(3)], traces: [trace(3)] });
  store.flush();
  assert.deepEqual(sent.map((m) => m.type), ['hydrate', 'append']);
  const [hydrate, append] = sent as [ToWebview, ToWebview];
  assert.deepEqual(hydrate.type === 'hydrate' && hydrate.runs[0]!.steps.map((s) => s.step), [1, 2]);
  assert.deepEqual(append.type === 'append' && append.steps.map((s) => s.step), [3]);
  assert.equal(append.type === 'append' && append.traceStart, 1);
});

test('deltas of runs not shown are not sent; hidden panels get nothing until ready again', (t) => {
  const { store, sent, session } = setup();
  t.after(() => store.dispose());
  session.receive({ type: 'ready' });
  store.append('b', { steps: [step(1)] });
  store.flush();
  assert.equal(sent.length, 1);
  session.setVisible(false);
  store.append('a', { steps: [step(1)] });
  store.flush();
  assert.equal(sent.length, 1);
  session.receive({ type: 'ready' });
  assert.deepEqual(sent.map((m) => m.type), ['hydrate', 'hydrate']);
});

test('compare re-hydrates with the known runs only; no choice follows the newest run', (t) => {
  const { store, sent, session } = setup([]);
  t.after(() => store.dispose());
  assert.deepEqual(session.shown, ['b']);
  session.receive({ type: 'ready' });
  session.receive({ type: 'compare', runIds: ['a', 'ghost', 'b'] });
  assert.deepEqual(session.shown, ['a', 'b']);
  const last = sent.at(-1)!;
  assert.deepEqual(last.type === 'hydrate' && last.runs.map((r) => r.run.id), ['a', 'b']);
});

test('commands come back only for shown runs; malformed messages are rejected', (t) => {
  const { store, session } = setup(['a']);
  t.after(() => store.dispose());
  assert.deepEqual(session.receive({ type: 'openTrace', runId: 'a', index: 2 }).command, { type: 'openTrace', runId: 'a', index: 2 });
  assert.deepEqual(session.receive({ type: 'stopRun', runId: 'b' }), { valid: true, command: null });
  assert.deepEqual(session.receive({ type: 'pickRuns' }).command, { type: 'pickRuns' });
  for (const bad of [null, 'ready', { type: 'openTrace', runId: 'a', index: -1 }, { type: 'openTrace', runId: 'a', index: 1.5 }, { type: 'stopRun' }, { type: 'compare', runIds: [] }, { type: 'eval', code: '1' }]) {
    assert.deepEqual(session.receive(bad), { valid: false, command: null }, JSON.stringify(bad));
  }
});

test('parsed intents carry no extra fields', () => {
  assert.deepEqual(parseWebviewIntent({ type: 'stopRun', runId: 'a', extra: '<script>' }), { type: 'stopRun', runId: 'a' });
});

test('a shown run that leaves the runs folder is dropped with a snapshot that names it; others are not disturbed', (t) => {
  const { store, sent, session } = setup(['a', 'b']);
  t.after(() => store.dispose());
  store.onDidChangeRuns(() => session.onRunsChanged());
  session.receive({ type: 'ready' });
  store.setInfo('/runs/c', info('c', '2026-01-03T00:00:00Z'));
  assert.equal(sent.length, 1, 'a new run elsewhere changes nothing here');
  store.remove('a');
  assert.deepEqual(session.shown, ['b']);
  const last = sent.at(-1)!;
  assert.ok(last.type === 'hydrate');
  assert.deepEqual([last.runs.map((r) => r.run.id), last.gone, last.focus], [['b'], ['a'], 'b']);
  store.remove('b');
  const empty = sent.at(-1)!;
  assert.ok(empty.type === 'hydrate');
  assert.deepEqual([empty.runs, empty.gone, empty.focus], [[], ['b'], null], 'with all its runs gone it says so, and does not jump to another run');
});

test('snapshots carry labels that tell runs of one spec apart; a tab asked for comes with the next snapshot only', (t) => {
  const { store, sent, session } = setup(['a', 'b']);
  t.after(() => store.dispose());
  store.setInfo('/runs/a', { ...info('a', '2026-01-01T00:00:00Z'), name: 'same' });
  store.setInfo('/runs/b', { ...info('b', '2026-01-02T00:00:00Z'), name: 'same' });
  session.show(['a', 'b'], 'compare');
  session.receive({ type: 'ready' });
  const first = sent.at(-1)!;
  assert.ok(first.type === 'hydrate');
  assert.equal(first.tab, 'compare');
  const [la, lb] = first.runs.map((r) => r.label);
  assert.ok(la!.startsWith('same · ') && lb!.startsWith('same · ') && la !== lb, `${la} / ${lb}`);
  session.receive({ type: 'ready' });
  const again = sent.at(-1)!;
  assert.equal(again.type === 'hydrate' && again.tab, null);
});

test('Show Log and Edit Spec come back as commands for shown runs', (t) => {
  const { store, session } = setup(['a']);
  t.after(() => store.dispose());
  assert.deepEqual(session.receive({ type: 'showLog', runId: 'a' }).command, { type: 'showLog', runId: 'a' });
  assert.deepEqual(session.receive({ type: 'openSpec', runId: 'a' }).command, { type: 'openSpec', runId: 'a' });
  assert.deepEqual(session.receive({ type: 'openSpec', runId: 'b' }), { valid: true, command: null });
  assert.deepEqual(session.receive({ type: 'showLog' }), { valid: false, command: null });
});
