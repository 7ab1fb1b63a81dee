// The run directory writer, the safetensors codec and checkpoint folders: real
// files in a temporary directory, no tfjs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import fc from 'fast-check';
import { decodeSafetensors, encodeSafetensors, type ArrayMap } from '../../src/trainer/checkpoint/safetensors';
import { latestCheckpoint, listCheckpoints, readCheckpoint, writeCheckpoint, type Checkpoint } from '../../src/trainer/checkpoint/store';
import { createRunDir } from '../../src/core/run/files';
import { createRunFolder } from '../../src/core/run/new-run';
import { resolveSpec } from '../../src/core/spec/resolve';
import { RunWriter } from '../../src/trainer/run/writer';
import { parseJsonl } from '../../src/core/run/jsonl';
import { runFile } from '../../src/core/run/layout';
import { parseTrainerArgv, trainerArgv } from '../../src/core/protocol/trainer';
import type { StepRecord } from '../../src/core/protocol/records';
import type { ResolvedConfig } from '../../src/core/spec/config';
import { Rng } from '../../src/trainer/rng';

function tempDir(t: { after: (fn: () => void) => void }): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rlab-run-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

test('safetensors: reads a file built by hand byte by byte', () => {
  // {"a":F32 [2] = 1.5, -2} then {"b":I32 [1] = 7}; data after an 8-byte-aligned header.
  const header = '{"__metadata__":{"k":"v"},"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"I32","shape":[1],"data_offsets":[8,12]}}';
  const padded = header + ' '.repeat((8 - (header.length % 8)) % 8);
  const bytes = Buffer.alloc(8 + padded.length + 12);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  view.setUint32(0, padded.length, true);
  view.setUint32(4, 0, true);
  bytes.write(padded, 8, 'latin1');
  const data = 8 + padded.length;
  view.setFloat32(data, 1.5, true);
  view.setFloat32(data + 4, -2, true);
  view.setInt32(data + 8, 7, true);
  const { tensors, metadata } = decodeSafetensors(bytes);
  assert.deepEqual(metadata, { k: 'v' });
  assert.deepEqual([...tensors.get('a')!.data], [1.5, -2]);
  assert.equal(tensors.get('a')!.dtype, 'float32');
  assert.deepEqual([...tensors.get('b')!.data], [7]);
  assert.deepEqual(tensors.get('b')!.shape, [1]);
});

test('safetensors: the writer lays out bytes as the format says', () => {
  const file = encodeSafetensors(new Map([['w', { dtype: 'float32', shape: [1, 2], data: new Float32Array([0.25, 3]) }]]));
  const headerLength = Number(file.readBigUInt64LE(0));
  assert.equal((8 + headerLength) % 8, 0, 'data starts 8-byte aligned');
  const header = JSON.parse(file.subarray(8, 8 + headerLength).toString('utf8'));
  assert.deepEqual(header, { w: { dtype: 'F32', shape: [1, 2], data_offsets: [0, 8] } });
  assert.equal(file.readFloatLE(8 + headerLength), 0.25);
  assert.equal(file.readFloatLE(8 + headerLength + 4), 3);
  assert.equal(file.length, 8 + headerLength + 8);
});

test('safetensors: round trip of random tensors (property)', () => {
  const tensorArb = fc.record({
    shape: fc.array(fc.integer({ min: 0, max: 4 }), { maxLength: 3 }),
    int: fc.boolean(),
    seed: fc.integer(),
  });
  fc.assert(
    fc.property(fc.dictionary(fc.string({ minLength: 1, maxLength: 8 }).filter((k) => k !== '__metadata__'), tensorArb, { maxKeys: 5 }), (spec) => {
      const map: ArrayMap = new Map();
      for (const [name, { shape, int, seed }] of Object.entries(spec)) {
        const n = shape.reduce((a, b) => a * b, 1);
        const rng = Rng.seeded(seed);
        const values = Array.from({ length: n }, () => rng.int(-1e6, 1e6));
        map.set(name, int ? { dtype: 'int32', shape, data: Int32Array.from(values) } : { dtype: 'float32', shape, data: Float32Array.from(values, (v) => v / 1024) });
      }
      const back = decodeSafetensors(encodeSafetensors(map)).tensors;
      assert.deepEqual([...back.keys()].sort(), [...map.keys()].sort());
      for (const [name, t] of map) assert.deepEqual(back.get(name), t);
    }),
    { numRuns: 100 },
  );
});

test('safetensors: a damaged file is a clear error, never a crash', () => {
  const good = encodeSafetensors(new Map([['w', { dtype: 'float32', shape: [4], data: new Float32Array(4) }]]));
  assert.throws(() => decodeSafetensors(good.subarray(0, 5), 'x.safetensors'), /x\.safetensors: not a valid safetensors file \(shorter/);
  assert.throws(() => decodeSafetensors(good.subarray(0, good.length - 4)), /lie outside/);
  const huge = Buffer.from(good);
  huge.writeBigUInt64LE(10n ** 12n, 0);
  assert.throws(() => decodeSafetensors(huge), /exceeds the file size/);
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
      try {
        decodeSafetensors(Buffer.from(bytes));
      } catch (e) {
        assert.match((e as Error).message, /not a valid safetensors file/);
      }
    }),
  );
});

/** A new run's folder as the host or the CLI makes it from a checked spec. */
const newRun = (specText: string) => ({ specFile: null, specText, config: resolveSpec('task { }').config!, stage: 'pretrain' as const, parent: null });

test('a new run folder, then the run writer: run.json, spec copy, JSONL lines and the log', (t) => {
  const root = tempDir(t);
  const dir = createRunDir(root, 'count down');
  const created = createRunFolder(dir, newRun('task { }\n'));
  assert.deepEqual([created.status, created.pid, created.step, created.id], ['stopped', null, { pretrain: 0, rl: 0 }, path.basename(dir)], 'not started until a trainer opens it');
  const writer = RunWriter.open(dir);
  assert.equal(fs.readFileSync(runFile(dir, 'spec'), 'utf8'), 'task { }\n');
  assert.ok(fs.existsSync(runFile(dir, 'checkpoints')));
  assert.throws(() => createRunFolder(dir, newRun('')), /is not empty/);
  writer.step({ phase: 'pretrain', step: 1, time: 5, loss: 2 });
  writer.log('info', 'two\nlines', 0);
  writer.update({ status: 'done', step: { pretrain: 1, rl: 0 } });
  const again = RunWriter.open(dir);
  assert.equal(again.info.status, 'done');
  assert.deepEqual(parseJsonl<StepRecord>(fs.readFileSync(runFile(dir, 'metrics'), 'utf8')).records, [{ phase: 'pretrain', step: 1, time: 5, loss: 2 }]);
  assert.equal(fs.readFileSync(runFile(dir, 'log'), 'utf8'), '1970-01-01T00:00:00.000Z info  two\n1970-01-01T00:00:00.000Z info  lines\n');
  assert.throws(() => RunWriter.open(root), /is not a run directory/);
});

test('run writer: truncateAfter drops records past a checkpoint and a torn line', (t) => {
  const dir = path.join(tempDir(t), 'run');
  createRunFolder(dir, newRun(''));
  const writer = RunWriter.open(dir);
  for (let s = 1; s <= 5; s++) writer.step({ phase: 'pretrain', step: s, time: s });
  for (let s = 1; s <= 3; s++) writer.step({ phase: 'rl', step: s, time: s });
  writer.trace({ phase: 'rl', step: 3 } as never);
  fs.appendFileSync(runFile(dir, 'metrics'), '{"phase":"rl","st');
  writer.truncateAfter('rl', 2);
  const kept = parseJsonl<StepRecord>(fs.readFileSync(runFile(dir, 'metrics'), 'utf8'));
  assert.deepEqual(kept.records.map((r) => `${r.phase}${r.step}`), ['pretrain1', 'pretrain2', 'pretrain3', 'pretrain4', 'pretrain5', 'rl1', 'rl2']);
  assert.equal(kept.rest, '');
  assert.equal(fs.readFileSync(runFile(dir, 'traces'), 'utf8'), '');
  writer.truncateAfter('pretrain', 4);
  assert.equal(parseJsonl<StepRecord>(fs.readFileSync(runFile(dir, 'metrics'), 'utf8')).records.length, 4);
});

test('checkpoints: written whole, named by latest, read back exactly', (t) => {
  const dir = tempDir(t);
  const checkpoint = (phase: 'pretrain' | 'rl', step: number): Checkpoint => ({
    weights: new Map([['wte', { dtype: 'float32', shape: [2, 2], data: new Float32Array([1, 2, 3, step]) }]]),
    optimizer: new Map([['wte.m', { dtype: 'float32', shape: [2, 2], data: new Float32Array([0.5, 0, 0, 0]) }]]),
    config: { config: { name: 'x' } as ResolvedConfig, vocabSize: 9, paramCount: 4 },
    state: { phase, step, steps: { pretrain: step, rl: 0 }, rng: Rng.seeded(step).state(), cursor: { index: step }, savedAt: 'now' },
  });
  assert.equal(latestCheckpoint(dir), null);
  const first = writeCheckpoint(dir, checkpoint('pretrain', 10));
  const second = writeCheckpoint(dir, checkpoint('pretrain', 20));
  const rl = writeCheckpoint(dir, checkpoint('rl', 5));
  assert.equal(path.basename(first), 'step-000010');
  assert.equal(path.basename(rl), 'rl-step-000005');
  assert.equal(latestCheckpoint(dir), rl);
  assert.deepEqual(listCheckpoints(dir, 'pretrain'), [first, second]);
  assert.deepEqual(readCheckpoint(second), checkpoint('pretrain', 20));
  assert.deepEqual(fs.readdirSync(path.join(dir, 'checkpoints')).sort(), ['latest', 'rl-step-000005', 'step-000010', 'step-000020']);
  fs.rmSync(path.join(second, 'state.json'));
  assert.throws(() => readCheckpoint(second), /is incomplete: it has no state.json/);
  fs.writeFileSync(runFile(dir, 'latest'), 'step-000099\n');
  assert.throws(() => latestCheckpoint(dir), /names "step-000099"/);
});

test('trainer argv: round trip and clear errors', () => {
  const launch = { spec: '/a b/s.countdown', runDir: '/r', resume: false, stage: 'rl' as const, device: 'wasm', from: '/base' };
  assert.deepEqual(parseTrainerArgv(trainerArgv(launch)), launch);
  const resume = { spec: null, runDir: '/r', resume: true, stage: 'all' as const, device: null, from: null };
  assert.deepEqual(parseTrainerArgv(trainerArgv(resume)), resume);
  assert.throws(() => parseTrainerArgv(['--spec', 'x']), /--run-dir DIR is required/);
  assert.throws(() => parseTrainerArgv(['--run-dir', 'r']), /needs --spec FILE/);
  assert.throws(() => parseTrainerArgv(['--run-dir', 'r', '--stage', 'sft', '--resume']), /--stage must be/);
  assert.throws(() => parseTrainerArgv(['--run-dir', 'r', '--bogus']), /unknown argument "--bogus"/);
});
