// The WebAssembly attention kernels (block-attention.wat), on q, k, v apart or
// side by side in one array, compute what the tfjs tensor form computes,
// values and gradients, over random block layouts
// (packed sequences, length-1 blocks), head counts and head dimensions, on the
// wasm and pure-JS cpu backends; they keep no tensors and refuse bad input.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import * as tf from '@tensorflow/tfjs-core';
import { selectBackend } from '../../src/trainer/backend';
import { type AttentionBlock, kernelBlockAttention, packedBlockAttention, tensorBlockAttention } from '../../src/trainer/model/attention';
import { BlockAttentionKernels } from '../../src/trainer/model/block-attention';

before(async () => {
  await selectBackend('wasm');
});

after(async () => {
  await selectBackend('wasm');
});

/** Blocks of `lengths` tiling the rows in order, each with its causal mask. */
function causalBlocks(lengths: number[]): AttentionBlock[] {
  let offset = 0;
  return lengths.map((length) => {
    const mask = tf.tensor2d(Array.from({ length: length * length }, (_, x) => (x % length <= Math.floor(x / length) ? 0 : -1e9)), [length, length]);
    const block = { offset, length, mask };
    offset += length;
    return block;
  });
}

function assertClose(actual: tf.Tensor, expected: tf.Tensor, label: string): void {
  assert.deepEqual(actual.shape, expected.shape, label);
  const a = actual.dataSync();
  const e = expected.dataSync();
  e.forEach((x, i) => assert.ok(Math.abs(a[i]! - x) <= 1e-4 * Math.max(1, Math.abs(x)), `${label}[${i}]: ${a[i]} vs ${x}`));
}

/** Kernel forms (q, k, v apart and packed) agree with the tensor form in value and in the gradient of Σ out ⊙ w for a random cotangent w. */
function sameAttention(lengths: number[], heads: number, hd: number, seed: number, spread = 1.5): void {
  const blocks = causalBlocks(lengths);
  const rows = lengths.reduce((a, b) => a + b, 0);
  const [q, k, v, weight] = [0, 1, 2, 3].map((i) => tf.randomNormal([rows, heads * hd], 0, i === 3 ? 1 : spread, 'float32', seed + i) as tf.Tensor2D);
  type Form = (qs: tf.Tensor, ks: tf.Tensor, vs: tf.Tensor) => tf.Tensor;
  const plain: Form = (qs, ks, vs) => tensorBlockAttention(qs as tf.Tensor2D, ks as tf.Tensor2D, vs as tf.Tensor2D, blocks, heads);
  const kernels: [string, Form][] = [
    ['apart', (qs, ks, vs) => kernelBlockAttention(qs as tf.Tensor2D, ks as tf.Tensor2D, vs as tf.Tensor2D, blocks, heads)],
    ['packed', (qs, ks, vs) => packedBlockAttention(tf.concat([qs, ks, vs], 1) as tf.Tensor2D, blocks, heads)],
  ];
  const gradients = (f: Form) => tf.grads((qs: tf.Tensor, ks: tf.Tensor, vs: tf.Tensor) => tf.sum(tf.mul(f(qs, ks, vs), weight!)))([q!, k!, v!]);
  const expected = tf.tidy(() => plain(q!, k!, v!));
  const expectedGrads = gradients(plain);
  for (const [form, f] of kernels) {
    const label = `${form}, blocks ${lengths.join(',')} heads ${heads} hd ${hd}`;
    const value = tf.tidy(() => f(q!, k!, v!));
    assertClose(value, expected, `${label} value`);
    const grads = gradients(f);
    grads.forEach((g, i) => assertClose(g, expectedGrads[i]!, `${label} grad ${'qkv'[i]}`));
    tf.dispose([value, ...grads]);
  }
  tf.dispose([q!, k!, v!, weight!, expected, ...expectedGrads, ...blocks.map((b) => b.mask)]);
}

const layout = fc.record({
  lengths: fc.array(fc.oneof(fc.constant(1), fc.integer({ min: 1, max: 12 }), fc.integer({ min: 13, max: 45 })), { minLength: 1, maxLength: 5 }),
  heads: fc.integer({ min: 1, max: 4 }),
  hd: fc.oneof(fc.integer({ min: 1, max: 13 }), fc.constantFrom(8, 16, 32)),
  seed: fc.integer({ min: 0, max: 1000 }),
  // Wide inputs give scores in the tens: near one-hot rows, whose other weights underflow.
  // (Wider still, float32 rounding of the scores alone moves gradients past the tolerance.)
  spread: fc.constantFrom(1.5, 3),
});

for (const backend of ['wasm', 'js'] as const) {
  test(`kernel attention equals the tensor form, values and gradients (${backend})`, async () => {
    await selectBackend(backend);
    fc.assert(
      fc.property(layout, ({ lengths, heads, hd, seed, spread }) => sameAttention(lengths, heads, hd, seed, spread)),
      { numRuns: backend === 'wasm' ? 40 : 15 },
    );
  });
}

test('kernel attention equals the tensor form on whole 256-token rows at head dimension 32 (the training benchmark)', () => {
  sameAttention([256, 256], 2, 32, 11);
});

test('kernel attention keeps no tensors: forward-only passes and gradient steps leave the count flat', () => {
  const blocks = causalBlocks([7, 1, 24]);
  const [q, k, v] = [0, 1, 2].map((i) => tf.randomNormal([32, 24], 0, 1, 'float32', i) as tf.Tensor2D);
  const apart = (qs: tf.Tensor, ks: tf.Tensor, vs: tf.Tensor) => kernelBlockAttention(qs as tf.Tensor2D, ks as tf.Tensor2D, vs as tf.Tensor2D, blocks, 3);
  const packed = (qkv: tf.Tensor) => packedBlockAttention(qkv as tf.Tensor2D, blocks, 3);
  const qkv = tf.concat([q!, k!, v!], 1);
  const counts: number[] = [];
  for (let step = 0; step < 3; step++) {
    tf.tidy(() => {
      apart(q!, k!, v!);
      packed(qkv);
    });
    tf.dispose(tf.grads((qs: tf.Tensor, ks: tf.Tensor, vs: tf.Tensor) => tf.sum(apart(qs, ks, vs)))([q!, k!, v!]));
    tf.dispose(tf.grads((x: tf.Tensor) => tf.sum(packed(x)))([qkv]));
    counts.push(tf.memory().numTensors);
  }
  assert.deepEqual(new Set(counts).size, 1, `tensor counts ${counts.join(' ')}`);
  tf.dispose([q!, k!, v!, qkv, ...blocks.map((b) => b.mask)]);
});

test('kernel attention on helper threads gives exactly the one-thread results, also after the memory grows', async () => {
  const kernels = new BlockAttentionKernels();
  const [width, heads] = [48, 3];
  const results = (lengths: number[], threads: number) => {
    let offset = 0;
    const runs = lengths.map((length) => ({ offset: (offset += length) - length, length }));
    const random = (seed: number) => Float32Array.from({ length: offset * width }, (_, i) => Math.sin(seed * 1000 + i * 12.9898) * 2);
    const inputs = { q: random(1), k: random(2), v: random(3) };
    const { out, probabilities } = kernels.forward(inputs, offset, width, heads, runs, threads);
    const o = out.slice();
    const { dq, dk, dv } = kernels.backward(inputs, random(4), probabilities.slice(), offset, width, heads, runs, threads);
    return [o, dq.slice(), dk.slice(), dv.slice()];
  };
  const same = (actual: Float32Array[], expected: Float32Array[], label: string) =>
    actual.forEach((values, i) => assert.deepEqual(values, expected[i], `${['out', 'dq', 'dk', 'dv'][i]} (${label})`));
  const small = [40, 1, 17, 64, 5];
  const expected = results(small, 1);
  // Helpers start on first use and take work once ready.
  results(small, 3);
  const deadline = Date.now() + 20_000;
  while (kernels.readyThreads < 3 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
  assert.equal(kernels.readyThreads, 3, 'two helper threads became ready');
  same(results(small, 3), expected, 'small');
  // Ten times the rows: the memory grows while the helpers run.
  const large = Array.from({ length: 10 }, () => small).flat();
  same(results(large, 3), results(large, 1), 'after growing');
});

test('blocks that do not tile the rows, and calls past 4 GB of memory, are clear errors', () => {
  const kernels = new BlockAttentionKernels();
  const inputs = (rows: number, width: number) => ({ q: new Float32Array(rows * width), k: new Float32Array(rows * width), v: new Float32Array(rows * width) });
  assert.throws(() => kernels.forward(inputs(10, 8), 10, 8, 1, [{ offset: 0, length: 4 }, { offset: 5, length: 5 }]), /tile the 10 rows in order; block 1/);
  assert.throws(() => kernels.forward(inputs(10, 8), 10, 8, 1, [{ offset: 0, length: 6 }]), /cover 6 of the 10 rows/);
  // One 40,000-token block: its probabilities alone are 6.4 GB.
  assert.throws(() => kernels.forward(inputs(40_000, 8), 40_000, 8, 1, [{ offset: 0, length: 40_000 }]), /more than the 4 GB it holds: lower `micro-batch`/);
  // The kernels still work after refusing.
  const { out } = kernels.forward({ q: new Float32Array([1, 2]), k: new Float32Array([3, 4]), v: new Float32Array([5, 6]) }, 2, 1, 1, [{ offset: 0, length: 2 }]);
  assert.equal(out[0], 5);
  const p = 1 / (1 + Math.exp(-(2 * 3 - 2 * 4)));
  assert.ok(Math.abs(out[1]! - (p * 5 + (1 - p) * 6)) < 1e-6, `${out[1]}`);
});
