// The work count benchmarks divide by (bench/flops.ts) equals a count made the
// slow way: every product's multiply-adds, and every attended position, one by one.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { forwardFlops, sequenceForwardFlops } from '../../bench/flops';

/** 2·m·k·n for each product a token takes through the model, and 2·hd per head per attended position for scores and for values. */
function countedFlops(layers: number, width: number, vocab: number, length: number): number {
  const products: Array<[number, number]> = [[width, 3 * width], [width, width], [width, 4 * width], [4 * width, width]];
  let flops = 0;
  for (let token = 0; token < length; token++) {
    for (let layer = 0; layer < layers; layer++) {
      for (const [k, n] of products) flops += 2 * k * n;
      for (let position = 0; position <= token; position++) flops += 2 * width + 2 * width; // q·k over all heads, then p·v
    }
    flops += 2 * width * vocab;
  }
  return flops;
}

test('forward FLOPs of a sequence equal the count made product by product and position by position', () => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 64 }), fc.integer({ min: 2, max: 120 }), fc.integer({ min: 1, max: 40 }),
      (layers, width, vocab, length) => {
        assert.equal(sequenceForwardFlops({ layers, width, vocab }, length), countedFlops(layers, width, vocab, length));
      }),
  );
});

test('forward FLOPs of several sequences are the sum of each', () => {
  const shape = { layers: 2, width: 16, vocab: 30 };
  assert.equal(forwardFlops(shape, [3, 7, 1]), [3, 7, 1].reduce((s, n) => s + countedFlops(2, 16, 30, n), 0));
  assert.equal(forwardFlops(shape, []), 0);
});
