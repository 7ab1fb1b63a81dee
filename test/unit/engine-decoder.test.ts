// The KV-cache decoders: the array decoder (WASM SIMD attention over caches it
// owns) step for step against the tensor decoder (tfjs ops) and a full forward
// pass, over random shapes; and the generated kernel bytes against their sources.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import fc from 'fast-check';
import { selectBackend } from '../../src/trainer/backend';
import { Gpt } from '../../src/trainer/model/gpt';
import { compaction, startDecoder } from '../../src/trainer/model/decoder';
import { generatedSource, wasmSources } from '../../scripts/build-wasm';

const VOCAB = 40;

before(async () => {
  await selectBackend('wasm');
});

test('every generated WebAssembly module is its compiled .wat (run `npm run build:wasm`)', async () => {
  const sources = wasmSources();
  assert.ok(sources.some((s) => s.wat.endsWith('decode-attention.wat')));
  for (const { wat, module } of sources) assert.equal(readFileSync(module, 'utf8'), await generatedSource(wat), module);
});

/** Last-position logits [B, V] of left-padded rows by a full forward pass. */
function fullLogits(model: Gpt, rows: number[][], pads: number[]): Float32Array {
  const t = rows[0]!.length;
  const last = tf.tidy(() => {
    const logits = model.logits(tf.tensor2d(rows.flat(), [rows.length, t], 'int32'), pads);
    return tf.reshape(tf.slice(logits, [0, t - 1, 0], [-1, 1, -1]), [rows.length, -1]);
  });
  const values = last.dataSync() as Float32Array;
  last.dispose();
  return values;
}

function assertClose(actual: Float32Array, expected: Float32Array, what: string): void {
  assert.equal(actual.length, expected.length, what);
  let worst = 0;
  for (let i = 0; i < actual.length; i++) worst = Math.max(worst, Math.abs(actual[i]! - expected[i]!) / Math.max(1, Math.abs(expected[i]!)));
  assert.ok(worst < 1e-4, `${what}: logits differ by ${worst} (relative)`);
}

test('the array decoder computes what the tensor decoder and a full forward pass compute', async () => {
  const shapes = fc.record({
    heads: fc.integer({ min: 1, max: 3 }),
    headDim: fc.constantFrom(2, 4, 6, 8),
    layers: fc.integer({ min: 1, max: 2 }),
    positions: fc.constantFrom('learned' as const, 'rotary' as const),
    tiedHead: fc.boolean(),
    seed: fc.integer({ min: 1, max: 1000 }),
    prompts: fc.array(fc.array(fc.integer({ min: 1, max: VOCAB - 1 }), { minLength: 1, maxLength: 6 }), { minLength: 1, maxLength: 4 }),
    fed: fc.array(fc.integer({ min: 0, max: VOCAB - 1 }), { minLength: 5, maxLength: 5 }),
  });
  await fc.assert(
    fc.asyncProperty(shapes, async ({ heads, headDim, layers, positions, tiedHead, seed, prompts, fed }) => {
      const width = heads * headDim;
      const model = new Gpt({ preset: 'custom', layers, width, heads, context: 16, positions, tiedHead, valueHead: false }, VOCAB, seed);
      // Initial weights (std 0.02) give logits near 0 whatever the positions; larger ones make every mistake show.
      for (const [name, variable] of model.variables) {
        if (!name.includes('ln')) variable.assign(tf.tidy(() => tf.randomNormal(variable.shape, 0, 0.5, 'float32', seed)));
      }
      const longest = Math.max(...prompts.map((p) => p.length));
      const pads = prompts.map((p) => longest - p.length);
      const rows = prompts.map((p, i) => [...new Array<number>(pads[i]!).fill(0), ...p]);
      const expected: Float32Array[] = [fullLogits(model, rows, pads)];
      const inputs = fed.map((token, step) => rows.map((_, r) => (token + step + r) % VOCAB));
      for (const tokens of inputs) {
        rows.forEach((row, r) => row.push(tokens[r]!));
        expected.push(fullLogits(model, rows, pads));
      }
      const prompted = rows.map((row) => row.slice(0, longest));
      // A first prefill makes the constants the model keeps (masks, the tied head's transposed copy).
      (await startDecoder(model, prompted, pads, 1, 'tensors')).dispose();
      const before = tf.memory().numTensors;
      const arrays = await startDecoder(model, prompted, pads, fed.length, 'arrays');
      const tensors = await startDecoder(model, prompted, pads, fed.length, 'tensors');
      try {
        for (let step = 0; step <= fed.length; step++) {
          assertClose(arrays.logits, expected[step]!, `arrays, step ${step}`);
          assertClose(tensors.logits, expected[step]!, `tensors, step ${step}`);
          if (step === fed.length) break;
          await arrays.step(inputs[step]!);
          await tensors.step(inputs[step]!);
        }
      } finally {
        arrays.dispose();
        tensors.dispose();
      }
      assert.equal(tf.memory().numTensors, before, 'decoders leave no tensors behind');
      model.dispose();
    }),
    { numRuns: 12, seed: 7 },
  );
});

test('an array decoder refuses a step past the positions it holds', async () => {
  const model = new Gpt({ preset: 'custom', layers: 1, width: 8, heads: 2, context: 16, positions: 'learned', valueHead: false }, VOCAB, 1);
  const decoder = await startDecoder(model, [[1, 2]], [0], 1, 'arrays');
  await decoder.step([3]);
  await assert.rejects(decoder.step([4]), /holds 3 positions and they are all used/);
  decoder.dispose();
  model.dispose();
});

test('the array decoder runs a prompt longer than its chunk in pieces and still matches a full pass', async () => {
  const model = new Gpt({ preset: 'custom', layers: 2, width: 16, heads: 2, context: 96, positions: 'rotary', valueHead: false }, VOCAB, 4);
  for (const [name, variable] of model.variables) {
    if (!name.includes('ln')) variable.assign(tf.tidy(() => tf.randomNormal(variable.shape, 0, 0.5, 'float32', 5)));
  }
  const long = Array.from({ length: 70 }, (_, i) => 1 + ((i * 7) % (VOCAB - 1)));
  const rows = [long, [...new Array<number>(30).fill(0), ...long.slice(0, 40)]];
  const pads = [0, 30];
  const decoder = await startDecoder(model, rows, pads, 3, 'arrays');
  assertClose(decoder.logits, fullLogits(model, rows, pads), 'after the prompt');
  await decoder.step([5, 6]);
  assertClose(decoder.logits, fullLogits(model, rows.map((row, r) => [...row, 5 + r]), pads), 'after a step');
  decoder.dispose();
  model.dispose();
});

test('compaction: survivors below the new count stay, the tail fills the gaps', () => {
  assert.deepEqual(compaction([0, 1, 2], 3), [0, 1, 2]);
  assert.deepEqual(compaction([1, 3, 4], 5), [3, 1, 4]);
  assert.deepEqual(compaction([5], 6), [5]);
  fc.assert(
    fc.property(fc.uniqueArray(fc.integer({ min: 0, max: 30 }), { minLength: 1 }), (rows) => {
      const live = [...rows].sort((a, b) => a - b);
      const order = compaction(live, 31);
      assert.deepEqual([...order].sort((a, b) => a - b), live);
      order.forEach((r, i) => assert.ok(r === i || !live.includes(i), `row ${r} moves into slot ${i}, which a kept row holds`));
    }),
  );
});

test('both decoders keep the rows they are told to, with their caches, and refuse a move onto a kept row', async () => {
  const model = new Gpt({ preset: 'custom', layers: 2, width: 16, heads: 2, context: 24, positions: 'rotary', valueHead: false }, VOCAB, 6);
  for (const [name, variable] of model.variables) {
    if (!name.includes('ln')) variable.assign(tf.tidy(() => tf.randomNormal(variable.shape, 0, 0.5, 'float32', 8)));
  }
  const prompts = [[1, 2, 3], [0, 4, 5], [0, 0, 6], [7, 8, 9], [0, 10, 11]];
  const pads = [0, 1, 2, 0, 1];
  // The constants the model keeps (masks, the tied head's transposed copy) exist before counting.
  fullLogits(model, prompts, pads);
  (await startDecoder(model, prompts, pads, 1, 'tensors')).dispose();
  for (const kind of ['arrays', 'tensors'] as const) {
    const before = tf.memory().numTensors;
    const decoder = await startDecoder(model, prompts, pads, 4, kind);
    const rows = prompts.map((p) => [...p]);
    await decoder.step([12, 13, 14, 15, 16]);
    rows.forEach((row, r) => row.push(12 + r));
    assert.throws(() => decoder.keep([1, 0]), /cannot keep rows/);
    decoder.keep([4, 1, 3]);
    const kept = [4, 1, 3];
    assertClose(decoder.logits, fullLogits(model, kept.map((r) => rows[r]!), kept.map((r) => pads[r]!)), `${kind}: logits of the kept rows`);
    await decoder.step([17, 18, 19]);
    kept.forEach((r, i) => rows[r]!.push(17 + i));
    assertClose(decoder.logits, fullLogits(model, kept.map((r) => rows[r]!), kept.map((r) => pads[r]!)), `${kind}: a step after keeping`);
    decoder.dispose();
    assert.equal(tf.memory().numTensors, before, `the ${kind} decoder leaves no tensors behind`);
  }
  model.dispose();
});

test('the array decoder attends on helper threads with exactly the one-thread logits', async () => {
  const model = new Gpt({ preset: 'custom', layers: 2, width: 32, heads: 4, context: 40, positions: 'rotary', valueHead: false }, VOCAB, 9);
  for (const [name, variable] of model.variables) {
    if (!name.includes('ln')) variable.assign(tf.tidy(() => tf.randomNormal(variable.shape, 0, 0.5, 'float32', 2)));
  }
  const prompts = Array.from({ length: 7 }, (_, r) => Array.from({ length: 5 }, (_, i) => (i < r % 3 ? 0 : 1 + ((r * 5 + i) % (VOCAB - 1)))));
  const pads = prompts.map((_, r) => r % 3);
  const alone = await startDecoder(model, prompts, pads, 30, 'arrays', 1);
  const shared = await startDecoder(model, prompts, pads, 30, 'arrays', 3);
  try {
    let ready = false;
    for (let step = 0; step < 30; step++) {
      assert.deepEqual(shared.logits, alone.logits, `step ${step}`);
      const tokens = prompts.map((_, r) => 1 + ((step * 3 + r) % (VOCAB - 1)));
      await alone.step(tokens);
      await shared.step(tokens);
      ready ||= shared.readyThreads === 3;
      // Helpers start in the background: give them time before the later steps.
      if (!ready) await new Promise((resolve) => setTimeout(resolve, 50));
    }
    assert.ok(ready, 'two helper threads took rows');
    assert.deepEqual(shared.logits, alone.logits, 'last step');
  } finally {
    alone.dispose();
    shared.dispose();
    model.dispose();
  }
});
