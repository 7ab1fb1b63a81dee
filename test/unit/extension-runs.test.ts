// Host logic without VS Code: JSONL tailing with torn lines, the run store's
// snapshots and coalesced deltas, run discovery and reattach decisions with
// real files and real processes.
import * as assert from 'node:assert/strict';
import { appendFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, describe, it } from 'node:test';
import fc from 'fast-check';
import type { RunInfo, StepRecord, TraceRecord } from '../../src/core/protocol/records';
import type { RunDelta } from '../../src/core/protocol/webview';
import { runFile } from '../../src/core/run/layout';
import { resolveSpec } from '../../src/core/spec/resolve';
import { JsonlTail } from '../../src/core/run/jsonl-tail';
import { metricsCsv } from '../../src/extension/runs/metricsCsv';
import { RunStore } from '../../src/extension/runs/runStore';
import { RunTailer } from '../../src/extension/runs/runTailer';
import { formatTrace, readTraceFromDisk } from '../../src/extension/runs/traceText';
import { modelMismatch } from '../../src/extension/trainer/modelMismatch';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'rlab-ext-runs-'));
after(() => rmSync(tmp, { recursive: true, force: true }));
let n = 0;
const freshDir = () => {
  const d = path.join(tmp, `d${n++}`);
  mkdirSync(d, { recursive: true });
  return d;
};

function info(id: string, status: RunInfo['status'] = 'done', pid: number | null = null): RunInfo {
  const config = resolveSpec('task { }').config!;
  return {
    id, name: id, status, pid, seed: 1, stage: 'all', backend: null, versions: {}, config,
    startedAt: new Date(Date.UTC(2026, 0, 1, 0, 0, n)).toISOString(), endedAt: null, step: { pretrain: 0, rl: 0 }, error: null, parent: null,
  };
}
const step = (i: number): StepRecord => ({ phase: 'rl', step: i, time: 1_700_000_000_000 + i, rewardMean: i / 7, accuracy: 0.5 });
const trace = (i: number): TraceRecord => ({
  phase: 'rl', step: i, split: 'train', numbers: [1, 2, 3], target: 6, prompt: 'p', completion: `<answer>1+2+3</answer> #${i}`,
  reward: 1, verdict: 'correct', sample: 0, truncated: false,
});
const until = async (what: string, probe: () => boolean, ms = 5000) => {
  const end = Date.now() + ms;
  while (!probe()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
};

describe('JsonlTail', () => {
  it('returns each record once, however the file is split into writes (torn lines, split UTF-8)', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.string({ unit: 'grapheme' }), fc.integer()).map(([s, k]) => ({ s, k })), { maxLength: 20 }), fc.array(fc.nat(), { maxLength: 10 }), (records, cuts) => {
        const file = path.join(freshDir(), 'x.jsonl');
        const bytes = Buffer.from(records.map((r) => JSON.stringify(r) + '\n').join(''), 'utf8');
        const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
        const tail = new JsonlTail<unknown>(file);
        const seen: unknown[] = [];
        let prev = 0;
        writeFileSync(file, '');
        for (const p of [...points, bytes.length]) {
          appendFileSync(file, bytes.subarray(prev, p));
          prev = p;
          seen.push(...tail.read());
        }
        assert.deepEqual(seen, records);
        assert.equal(tail.skipped, 0);
      }),
      { numRuns: 60 },
    );
  });

  it('skips a corrupt complete line, keeps going, and rereads a rewritten (shorter) file', () => {
    const file = path.join(freshDir(), 'm.jsonl');
    writeFileSync(file, `${JSON.stringify(step(1))}\n{not json\n${JSON.stringify(step(2))}\n`);
    const tail = new JsonlTail<StepRecord>(file);
    assert.deepEqual(tail.read().map((s) => s.step), [1, 2]);
    assert.equal(tail.skipped, 1);
    writeFileSync(file, `${JSON.stringify(step(9))}\n`);
    assert.deepEqual(tail.read().map((s) => s.step), [9]);
    assert.deepEqual(new JsonlTail(path.join(tmp, 'missing.jsonl')).read(), []);
  });
});

describe('RunStore', () => {
  it('keeps the newest traces with their indices and coalesces deltas per flush', () => {
    const store = new RunStore(3, 10_000);
    const deltas: RunDelta[] = [];
    store.onDidAppend((d) => deltas.push(d));
    store.setInfo('/runs/a', info('a'));
    store.append('a', { steps: [step(1)], traces: [trace(0), trace(1)] });
    store.append('a', { steps: [step(2)], traces: [trace(2), trace(3)] });
    assert.equal(deltas.length, 0, 'nothing is sent before the flush');
    store.flush();
    assert.equal(deltas.length, 1);
    const d = deltas[0]!;
    assert.deepEqual(d.steps.map((s) => s.step), [1, 2]);
    assert.deepEqual(d.traces.map((t) => t.step), [1, 2, 3]);
    assert.equal(d.traceStart, 1);
    const snap = store.snapshot('a')!;
    assert.equal(snap.traceStart, 1);
    assert.deepEqual(snap.traces.map((t) => t.step), [1, 2, 3]);
    assert.equal(store.trace('a', 3)?.step, 3);
    assert.equal(store.trace('a', 0), undefined, 'dropped from memory');
    store.append('a', { traces: [trace(4)] });
    store.flush();
    assert.equal(deltas[1]!.traceStart, 4);
    store.dispose();
  });

  it('flushes by itself after the refresh period and reports run.json changes', async () => {
    const store = new RunStore(10, 5);
    const deltas: RunDelta[] = [];
    let changes = 0;
    store.onDidAppend((d) => deltas.push(d));
    store.onDidChangeRuns(() => changes++);
    store.setInfo('/runs/b', info('b', 'running'));
    store.setInfo('/runs/b', info('b', 'stopped'));
    await until('a timed flush', () => deltas.length === 1);
    assert.equal(deltas[0]!.run?.status, 'stopped');
    assert.equal(changes, 2);
    store.remove('b');
    assert.equal(store.get('b'), undefined);
    store.dispose();
  });

  it('finds the live run of a spec file, or of a spec name for runs that did not record their file', () => {
    const store = new RunStore(10, 0);
    store.setInfo('/r/a', { ...info('a', 'running', 1), name: 'ux', specFile: '/w/ux.countdown' });
    store.setInfo('/r/b', { ...info('b', 'done'), name: 'ux', specFile: '/w/other.countdown' });
    store.setInfo('/r/c', { ...info('c', 'running', 1), name: 'old' });
    assert.equal(store.runningFrom('/w/ux.countdown', 'ux')?.id, 'a');
    assert.equal(store.runningFrom('/w/other.countdown', 'ux'), undefined, 'that one is done');
    assert.equal(store.runningFrom('/w/renamed.countdown', 'old')?.id, 'c');
    assert.equal(store.runningFrom('/w/new.countdown', 'new'), undefined);
    store.dispose();
  });

  it('labels runs of one spec apart by their start time, others by name', () => {
    const store = new RunStore(10, 0);
    store.setInfo('/r/1', { ...info('ux-1'), name: 'ux', startedAt: '2026-01-01T10:00:00.000Z' });
    store.setInfo('/r/2', { ...info('ux-2'), name: 'ux', startedAt: '2026-01-01T11:30:00.000Z' });
    store.setInfo('/r/3', { ...info('solo'), name: 'solo' });
    assert.equal(store.label('solo'), 'solo');
    assert.notEqual(store.label('ux-1'), store.label('ux-2'));
    assert.match(store.label('ux-1'), /^ux · \d\d:\d\d$/);
    store.dispose();
  });

  it('lists runs newest first', () => {
    const store = new RunStore(10, 0);
    store.setInfo('/r/old', { ...info('old'), startedAt: '2026-01-01T00:00:00.000Z' });
    store.setInfo('/r/new', { ...info('new'), startedAt: '2026-02-01T00:00:00.000Z' });
    assert.deepEqual(store.list().map((r) => r.id), ['new', 'old']);
    store.dispose();
  });
});

describe('RunTailer', () => {
  it('discovers runs (also before the runs folder exists), tails them live, and forgets deleted ones', async () => {
    const root = path.join(freshDir(), '.rlab', 'runs');
    const store = new RunStore(100, 0);
    const tailer = new RunTailer(store, root, { isOwned: () => false, log: () => undefined, isAlive: () => true });
    tailer.start();
    try {
      const dir = path.join(root, 'r1');
      mkdirSync(dir, { recursive: true });
      writeFileSync(runFile(dir, 'metrics'), `${JSON.stringify(step(1))}\n${JSON.stringify(step(2)).slice(0, 5)}`);
      writeFileSync(runFile(dir, 'run'), JSON.stringify(info('r1', 'running', 4242)));
      await until('the run found', () => store.get('r1')?.steps.length === 1);
      appendFileSync(runFile(dir, 'metrics'), `${JSON.stringify(step(2)).slice(5)}\n`);
      appendFileSync(runFile(dir, 'traces'), `${JSON.stringify(trace(0))}\n`);
      await until('the torn line and a trace', () => store.get('r1')!.steps.length === 2 && store.get('r1')!.traces.length === 1);
      writeFileSync(runFile(dir, 'run'), JSON.stringify(info('r1', 'done', null)));
      await until('the new status', () => store.get('r1')!.info.status === 'done');
      rmSync(dir, { recursive: true });
      await until('the run forgotten', () => store.get('r1') === undefined);
    } finally {
      tailer.dispose();
      store.dispose();
    }
  });

  it('marks a running run whose trainer is gone as failed on disk, unless this window owns it', async () => {
    const root = path.join(freshDir(), 'runs');
    for (const id of ['gone', 'mine']) {
      mkdirSync(path.join(root, id), { recursive: true });
      writeFileSync(runFile(path.join(root, id), 'metrics'), `${JSON.stringify(step(1))}\n`);
      writeFileSync(runFile(path.join(root, id), 'run'), JSON.stringify(info(id, 'running', 77)));
    }
    const store = new RunStore(100, 0);
    const tailer = new RunTailer(store, root, { isOwned: (dir) => dir.endsWith('mine'), log: () => undefined, isAlive: () => false });
    tailer.start();
    try {
      assert.equal(store.get('gone')!.info.status, 'failed');
      assert.equal(store.get('gone')!.steps.length, 1, 'every line kept');
      const onDisk = JSON.parse(readFileSync(runFile(path.join(root, 'gone'), 'run'), 'utf8')) as RunInfo;
      assert.equal(onDisk.status, 'failed');
      assert.match(onDisk.error!, /pid 77/);
      assert.equal(store.get('mine')!.info.status, 'running');
    } finally {
      tailer.dispose();
      store.dispose();
    }
  });
});

describe('exports and trace text', () => {
  it('writes metrics CSV with a header of every metric and quotes what needs it', () => {
    const csv = metricsCsv([step(1), { phase: 'pretrain', step: 2, time: 0, loss: 1.5, verdicts: { correct: 0.25 } }]);
    const [header, first, second] = csv.trimEnd().split('\n');
    const cols = header!.split(',');
    assert.deepEqual(cols.slice(0, 3), ['phase', 'step', 'time']);
    assert.ok(cols.includes('rewardMean') && cols.includes('verdict:correct'));
    assert.equal(first!.split(',')[cols.indexOf('rewardMean')], String(1 / 7));
    assert.equal(second!.split(',')[cols.indexOf('loss')], '1.5');
    assert.equal(second!.split(',')[cols.indexOf('verdict:correct')], '0.25');
    assert.equal(second!.split(',').length, cols.length);
  });

  it('formats a trace as text and finds one on disk by its index', () => {
    const dir = freshDir();
    writeFileSync(runFile(dir, 'traces'), [trace(0), trace(1)].map((t) => JSON.stringify(t)).join('\n') + '\n');
    const t = readTraceFromDisk(dir, 1)!;
    assert.equal(t.step, 1);
    const text = formatTrace('run-a', 1, { ...t, completion: '<img src=x onerror=alert(1)>' });
    assert.ok(text.includes('<img src=x onerror=alert(1)>'));
    assert.ok(text.includes('# verdict correct · reward 1'));
    assert.equal(readTraceFromDisk(dir, 5), undefined);
  });
});

describe('modelMismatch', () => {
  const model = resolveSpec('task { }\nmodel {\n  preset nano\n}\n').config!.model;
  it('lets weights go to a model of the same shape, whatever its preset is called, and names each difference otherwise', () => {
    assert.equal(modelMismatch({ ...model, preset: 'custom' }, model), null);
    assert.equal(modelMismatch({ ...model, tiedHead: true }, { ...model, tiedHead: undefined }), null, 'a head is tied unless said otherwise');
    assert.equal(modelMismatch({ ...model, width: model.width * 2, layers: 9 }, model), `layers 9, not ${model.layers}; width ${model.width * 2}, not ${model.width}`);
  });
});
