// Sequences packed side by side into rows: the layout keeps every token once
// with its own targets and loss mask, and the model keeps packed sequences apart,
// so a packed batch computes what each sequence computes alone.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import * as tf from '@tensorflow/tfjs-core';
import { selectBackend } from '../../src/trainer/backend';
import { packBatch, packSequences, sequence, type Sequence } from '../../src/trainer/data/batch';
import { Gpt } from '../../src/trainer/model/gpt';
import { maskedNll } from '../../src/trainer/pretrain/loss';
import type { ModelConfig } from '../../src/core/spec/config';

const V = 40;
const config = (positions: ModelConfig['positions']): ModelConfig => ({
  preset: 'custom', layers: 2, width: 32, heads: 4, context: 48, positions, valueHead: false,
});

before(async () => {
  await selectBackend('wasm');
});

const sequenceArb = fc
  .record({ prompt: fc.array(fc.integer({ min: 2, max: V - 1 }), { minLength: 1, maxLength: 12 }), completion: fc.array(fc.integer({ min: 2, max: V - 1 }), { minLength: 1, maxLength: 20 }) })
  .map(({ prompt, completion }) => sequence(prompt, completion, 1));

test('packSequences places every token once, in rows that fit, with the same targets and loss mask', () => {
  fc.assert(
    fc.property(fc.array(sequenceArb, { minLength: 1, maxLength: 12 }), fc.integer({ min: 34, max: 80 }), (sequences, maxLength) => {
      const packed = packSequences(sequences, 0, maxLength);
      const plain = packBatch(sequences, 0, maxLength);
      assert.ok(packed.rows <= sequences.length && packed.length <= maxLength);
      assert.equal(packed.tokens, plain.tokens);
      assert.equal(packed.lossTokens, plain.lossTokens);
      // Read each sequence back from its row and start: its inputs run to the target that is the end token (1).
      const found: string[] = [];
      packed.starts!.forEach((rowStarts, r) => {
        for (const start of rowStarts) {
          const at = (t: number) => r * packed.length + t;
          const ids: number[] = [];
          let lossFrom = -1;
          for (let t = start; ; t++) {
            ids.push(packed.ids[at(t)]!);
            if (lossFrom < 0 && packed.mask[at(t)] === 1) lossFrom = t - start + 1;
            if (packed.targets[at(t)] === 1) break;
          }
          found.push(JSON.stringify({ ids: [...ids, 1], lossFrom }));
        }
      });
      assert.deepEqual(found.sort(), sequences.map((s) => JSON.stringify(s)).sort());
    }),
    { numRuns: 150 },
  );
});

test('a packed batch gives each sequence the logits and loss it has alone (learned and rotary positions)', () => {
  const sequences: Sequence[] = [
    sequence([3, 4, 5], [6, 7, 8, 9], 1),
    sequence([10, 11], [12, 13], 1),
    sequence([14, 15, 16, 17, 18], [19, 20, 21, 22, 23, 24, 25], 1),
    sequence([26], [27, 28, 29], 1),
  ];
  for (const positions of ['learned', 'rotary'] as const) {
    const model = new Gpt(config(positions), V, 3);
    const before = tf.memory().numTensors;
    const packed = packSequences(sequences, 0, 24);
    assert.ok(packed.rows < sequences.length, 'the test needs at least two sequences in one row');
    const logits = tf.tidy(() => model.logits(tf.tensor2d(packed.ids, [packed.rows, packed.length], 'int32'), null, packed.starts));
    const values = logits.arraySync() as number[][][];
    packed.starts!.forEach((rowStarts, r) => {
      for (const start of rowStarts) {
        const s = sequences.find((q) => q.ids[0] === packed.ids[r * packed.length + start])!;
        const alone = tf.tidy(() => model.logits(tf.tensor2d([s.ids.slice(0, -1)], [1, s.ids.length - 1], 'int32')));
        const expected = (alone.arraySync() as number[][][])[0]!;
        alone.dispose();
        expected.forEach((row, t) => row.forEach((x, j) => assert.ok(Math.abs(x - values[r]![start + t]![j]!) < 1e-4, `${positions} row ${r} start ${start} t ${t}`)));
      }
    });
    logits.dispose();
    const packedLoss = maskedNll(model, packed);
    const plainLoss = maskedNll(model, packBatch(sequences, 0, 24));
    assert.ok(Math.abs(packedLoss.dataSync()[0]! - plainLoss.dataSync()[0]!) < 1e-3);
    tf.dispose([packedLoss, plainLoss]);
    assert.ok(tf.memory().numTensors - before <= 1, 'only the kept context-sized causal mask may stay');
    model.dispose();
  }
});
