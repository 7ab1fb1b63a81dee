// The hand-written gradients (2-D linear, GELU, LayerNorm, block attention) equal the
// automatic gradients of the plain formulas they replace.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { selectBackend } from '../../src/trainer/backend';
import { gelu, layerNorm, linear } from '../../src/trainer/model/ops';
import { type AttentionBlock, blockAttention } from '../../src/trainer/model/attention';

before(async () => {
  await selectBackend('wasm');
});

function assertClose(actual: tf.Tensor, expected: tf.Tensor, label: string): void {
  assert.deepEqual(actual.shape, expected.shape, label);
  const a = actual.dataSync();
  const e = expected.dataSync();
  e.forEach((x, i) => assert.ok(Math.abs(a[i]! - x) <= 1e-4 + 1e-3 * Math.abs(x), `${label}[${i}]: ${a[i]} vs ${x}`));
}

/** Values and gradients (w.r.t. every input, under a fixed random cotangent) of two functions agree. */
function sameGradients(fast: (...xs: tf.Tensor[]) => tf.Tensor, plain: (...xs: tf.Tensor[]) => tf.Tensor, inputs: tf.Tensor[]): void {
  const weight = tf.randomNormal(fast(...inputs).shape, 0, 1, 'float32', 3);
  const grads = (f: (...xs: tf.Tensor[]) => tf.Tensor) => tf.grads((...xs: tf.Tensor[]) => tf.sum(tf.mul(f(...xs), weight)))(inputs);
  assertClose(fast(...inputs), plain(...inputs), 'value');
  const g1 = grads(fast);
  const g2 = grads(plain);
  g1.forEach((g, i) => assertClose(g, g2[i]!, `grad ${i}`));
  tf.dispose([weight, ...g1, ...g2]);
}

test('linear: explicit-transpose gradient equals matMul autodiff', () => {
  const x = tf.randomNormal([6, 5], 0, 1, 'float32', 1);
  const w = tf.randomNormal([5, 7], 0, 1, 'float32', 2);
  sameGradients((a, b) => linear(a as tf.Tensor2D, b as tf.Tensor2D), (a, b) => tf.matMul(a as tf.Tensor2D, b as tf.Tensor2D), [x, w]);
  tf.dispose([x, w]);
});

test('gelu: sigmoid form and written-out derivative equal the tanh formula', () => {
  const x = tf.mul(tf.randomNormal([4, 9], 0, 1, 'float32', 4), 3);
  const reference = (v: tf.Tensor) =>
    tf.mul(tf.mul(v, 0.5), tf.add(tf.tanh(tf.mul(tf.add(v, tf.mul(tf.pow(v, 3), 0.044715)), Math.sqrt(2 / Math.PI))), 1));
  sameGradients((v) => gelu(v as tf.Tensor2D), reference, [x]);
  x.dispose();
});

test('layer norm: written-out gradient equals autodiff of the moments formula', () => {
  const x = tf.mul(tf.randomNormal([6, 8], 0, 1, 'float32', 8), 2);
  const weight = tf.randomNormal([8], 1, 0.3, 'float32', 9);
  const bias = tf.randomNormal([8], 0, 0.3, 'float32', 10);
  const plain = (v: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => {
    const { mean, variance } = tf.moments(v, -1, true);
    return tf.add(tf.mul(tf.mul(tf.sub(v, mean), tf.rsqrt(tf.add(variance, 1e-5))), g), b);
  };
  sameGradients((v, g, b) => layerNorm(v as tf.Tensor2D, g!, b!), plain, [x, weight, bias]);
  tf.dispose([x, weight, bias]);
});

// Blocks are causal within themselves: a padded row's padding is a block of its own, like a packed sequence.
test('block attention equals batched 4-D attention with autodiff: whole rows, packed sequences', () => {
  const [b, t, heads, hd] = [2, 5, 3, 4];
  const d = heads * hd;
  const q = tf.randomNormal([b * t, d], 0, 1, 'float32', 5);
  const k = tf.randomNormal([b * t, d], 0, 1, 'float32', 6);
  const v = tf.randomNormal([b * t, d], 0, 1, 'float32', 7);
  const maskOf = (n: number, visible: (i: number, j: number) => boolean) =>
    tf.tensor2d(Array.from({ length: n * n }, (_, x) => (visible(Math.floor(x / n), x % n) ? 0 : -1e9)), [n, n]);
  const causal = maskOf(t, (i, j) => j <= i);
  const causal2 = maskOf(2, (i, j) => j <= i);
  const causal3 = maskOf(3, (i, j) => j <= i);
  // Each case: the blocks, and the [B, T, T] mask of the plain computation they stand for.
  const cases: { blocks: AttentionBlock[]; full: (r: number, i: number, j: number) => boolean }[] = [
    { blocks: [{ offset: 0, length: t, mask: causal }, { offset: t, length: t, mask: causal }], full: (_r, i, j) => j <= i },
    // Row 1 holds two packed sequences of 2 and 3 tokens.
    {
      blocks: [{ offset: 0, length: t, mask: causal }, { offset: t, length: 2, mask: causal2 }, { offset: t + 2, length: 3, mask: causal3 }],
      full: (r, i, j) => j <= i && (r === 0 || i < 2 === j < 2),
    },
  ];
  for (const { blocks, full } of cases) {
    const toHeads = (m: tf.Tensor) => tf.transpose(tf.reshape(m, [b, t, heads, hd]), [0, 2, 1, 3]);
    const plain = (qs: tf.Tensor, ks: tf.Tensor, vs: tf.Tensor) => {
      const mask = tf.tensor4d(Array.from({ length: b * t * t }, (_, x) => (full(Math.floor(x / (t * t)), Math.floor(x / t) % t, x % t) ? 0 : -1e9)), [b, 1, t, t]);
      const scores = tf.add(tf.mul(tf.matMul(toHeads(qs), toHeads(ks), false, true), 1 / Math.sqrt(hd)), mask);
      return tf.reshape(tf.transpose(tf.matMul(tf.softmax(scores), toHeads(vs)), [0, 2, 1, 3]), [b * t, d]);
    };
    const fast = (qs: tf.Tensor, ks: tf.Tensor, vs: tf.Tensor) => blockAttention(qs as tf.Tensor2D, ks as tf.Tensor2D, vs as tf.Tensor2D, blocks, heads);
    sameGradients(fast, plain, [q, k, v]);
  }
  tf.dispose([q, k, v, causal, causal2, causal3]);
});
