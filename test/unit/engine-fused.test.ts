// The fused WebAssembly kernels (fused.ts) equal the tfjs-op versions they
// replace on WASM and CPU (which native backends keep), in values and
// gradients, over random shapes: widths that are not whole SIMD lanes or
// register tiles included. Likewise the gathered embedding and the loss's
// log-probabilities, whose gradients are written out.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import * as tf from '@tensorflow/tfjs-core';
import { selectBackend } from '../../src/trainer/backend';
import { fusedGelu, fusedKernelsInPlace, fusedLayerNorm, fusedRotaryQkv, fusedWeightGradient, weightGradientThreads } from '../../src/trainer/model/fused';
import { LAYER_NORM_EPS, type Rotation, applyRotary, embed, geluOps, layerNormOps, oneHot } from '../../src/trainer/model/ops';
import { wideRotaryTables } from '../../src/trainer/model/positions';
import { logProbsOf } from '../../src/trainer/model/logprobs';

/** |actual - expected| <= 1e-4 of the larger of 1 and the expected tensor's largest magnitude. */
function assertClose(actual: tf.Tensor, expected: tf.Tensor, label: string): void {
  assert.deepEqual(actual.shape, expected.shape, label);
  const a = actual.dataSync();
  const e = expected.dataSync();
  const scale = Math.max(1, ...Array.from(e, Math.abs));
  e.forEach((x, i) => assert.ok(Math.abs(a[i]! - x) <= 1e-4 * scale, `${label}[${i}]: ${a[i]} vs ${x}`));
}

/** Values and gradients (w.r.t. every input, under a random cotangent) of the fused and the tfjs-op function agree. */
function sameValuesAndGradients(fused: (...xs: tf.Tensor[]) => tf.Tensor, ops: (...xs: tf.Tensor[]) => tf.Tensor, inputs: tf.Tensor[], seed: number): void {
  const before = tf.memory().numTensors;
  const shape = tf.tidy(() => ops(...inputs).shape);
  const cotangent = tf.randomNormal(shape, 0, 1, 'float32', seed);
  const grads = (f: (...xs: tf.Tensor[]) => tf.Tensor) => tf.grads((...xs: tf.Tensor[]) => tf.sum(tf.mul(f(...xs), cotangent)))(inputs);
  tf.tidy(() => assertClose(fused(...inputs), ops(...inputs), 'value'));
  const g1 = grads(fused);
  const g2 = grads(ops);
  g1.forEach((g, i) => assertClose(g, g2[i]!, `gradient ${i}`));
  tf.dispose([cotangent, ...g1, ...g2]);
  // tidy disposes the values above; what is left must be exactly what came in.
  assert.equal(tf.memory().numTensors, before, 'tensors leaked');
}

const shapes = fc.record({ rows: fc.integer({ min: 1, max: 40 }), width: fc.integer({ min: 1, max: 70 }), seed: fc.integer({ min: 1, max: 1e6 }) });

for (const device of ['wasm', 'js'] as const) {
  test(`${device}: fused LayerNorm equals the tfjs-op LayerNorm, values and gradients`, async () => {
    await selectBackend(device);
    fc.assert(
      fc.property(shapes, ({ rows, width, seed }) => {
        const x = tf.add(tf.mul(tf.randomNormal([rows, width], 0, 1, 'float32', seed), 3), 1);
        const weight = tf.randomNormal([width], 1, 0.3, 'float32', seed + 1);
        const bias = tf.randomNormal([width], 0, 0.3, 'float32', seed + 2);
        try {
          sameValuesAndGradients(
            (v, g, b) => fusedLayerNorm(v as tf.Tensor2D, g!, b!, LAYER_NORM_EPS),
            (v, g, b) => layerNormOps(v as tf.Tensor2D, g!, b!),
            [x, weight, bias],
            seed + 3,
          );
        } finally {
          tf.dispose([x, weight, bias]);
        }
      }),
      { numRuns: 25 },
    );
  });

  test(`${device}: fused GELU equals the tfjs-op GELU, values and gradients`, async () => {
    await selectBackend(device);
    fc.assert(
      fc.property(shapes, ({ rows, width, seed }) => {
        // Wide enough to reach both tails of the gate.
        const x = tf.mul(tf.randomNormal([rows, width], 0, 1, 'float32', seed), 4);
        try {
          sameValuesAndGradients((v) => fusedGelu(v as tf.Tensor2D), (v) => geluOps(v as tf.Tensor2D), [x], seed + 1);
        } finally {
          x.dispose();
        }
      }),
      { numRuns: 25 },
    );
  });

  test(`${device}: fused rotary on q and k of a qkv projection equals split, rotate and concat, values and gradients`, async () => {
    await selectBackend(device);
    fc.assert(
      fc.property(
        fc.record({ rows: fc.integer({ min: 1, max: 40 }), heads: fc.integer({ min: 1, max: 4 }), groups: fc.integer({ min: 1, max: 3 }), seed: fc.integer({ min: 1, max: 1e6 }) }),
        ({ rows, heads, groups, seed }) => {
          const width = heads * 8 * groups;
          const { swap, cos: c, sin: s } = wideRotaryTables(rows, width / heads, heads);
          // Any tables: the identity holds for every cos and sin, not just a rotation's.
          const rotation = { cos: tf.randomNormal([rows, width], 0, 1, 'float32', seed), sin: tf.randomNormal([rows, width], 0, 1, 'float32', seed + 1) } as Rotation;
          const qkv = tf.randomNormal([rows, 3 * width], 0, 1, 'float32', seed + 2);
          const split = (x: tf.Tensor) => {
            const [q, k, v] = tf.split(x as tf.Tensor2D, 3, 1) as tf.Tensor2D[];
            return tf.concat([applyRotary(q!, rotation, swap), applyRotary(k!, rotation, swap), v!], 1);
          };
          try {
            sameValuesAndGradients((x) => fusedRotaryQkv(x as tf.Tensor2D, rotation, heads), split, [qkv], seed + 3);
          } finally {
            tf.dispose([c, s, swap, rotation.cos, rotation.sin, qkv]);
          }
        },
      ),
      { numRuns: 20 },
    );
  });

  test(`${device}: fused weight gradient xᵀ·dy equals the transposed tfjs product`, async () => {
    await selectBackend(device);
    const dims = fc.record({
      k: fc.integer({ min: 1, max: 300 }),
      m: fc.integer({ min: 1, max: 40 }),
      n: fc.integer({ min: 1, max: 40 }),
      seed: fc.integer({ min: 1, max: 1e6 }),
    });
    fc.assert(
      fc.property(dims, ({ k, m, n, seed }) => {
        tf.tidy(() => {
          const x = tf.randomNormal([k, m], 0, 1, 'float32', seed) as tf.Tensor2D;
          const dy = tf.randomNormal([k, n], 0, 1, 'float32', seed + 1) as tf.Tensor2D;
          assertClose(fusedWeightGradient(x, dy), tf.matMul(tf.transpose(x), dy), 'xᵀ·dy');
        });
      }),
      { numRuns: 40 },
    );
  });

  test(`${device}: embedding rows by gather equals the one-hot product, values and table gradient`, async () => {
    await selectBackend(device);
    const ids = tf.tensor2d([[3, 0, 6], [6, 6, 1]], [2, 3], 'int32');
    const table = tf.randomNormal([7, 5], 0, 1, 'float32', 11);
    sameValuesAndGradients(
      (t) => embed(ids, t as tf.Tensor2D),
      (t) => tf.matMul(oneHot(ids, 7), t as tf.Tensor2D),
      [table],
      12,
    );
    tf.dispose([ids, table]);
  });

  test(`${device}: log-probs of targets with the written-out gradient equal log-softmax with autodiff`, async () => {
    await selectBackend(device);
    fc.assert(
      fc.property(shapes, ({ rows, width, seed }) => {
        const vocab = width + 1;
        const logits = tf.mul(tf.randomNormal([2, rows, vocab], 0, 1, 'float32', seed), 5);
        const targets = tf.randomUniform([2, rows], 0, vocab, 'int32', seed + 1) as tf.Tensor2D;
        try {
          sameValuesAndGradients(
            (l) => logProbsOf(l as tf.Tensor3D, targets),
            (l) => tf.sum(tf.mul(tf.logSoftmax(l!), tf.reshape(oneHot(targets, vocab), l!.shape)), -1),
            [logits],
            seed + 2,
          );
        } finally {
          tf.dispose([logits, targets]);
        }
      }),
      { numRuns: 15 },
    );
  });
}

test('wasm: the fused kernels are deterministic, and the weight gradient spans several row blocks', async () => {
  await selectBackend('wasm');
  tf.tidy(() => {
    // 2048 rows of width 512: the kernel works through them in blocks of 64.
    const x = tf.randomNormal([2048, 512], 0, 1, 'float32', 1) as tf.Tensor2D;
    const dy = tf.randomNormal([2048, 24], 0, 1, 'float32', 2) as tf.Tensor2D;
    const first = fusedWeightGradient(x, dy);
    assertClose(first, tf.matMul(tf.transpose(x), dy), 'xᵀ·dy');
    assert.deepEqual(fusedWeightGradient(x, dy).dataSync(), first.dataSync());
    const w = tf.ones([512]);
    assert.deepEqual(fusedLayerNorm(x, w, w, LAYER_NORM_EPS).dataSync(), fusedLayerNorm(x, w, w, LAYER_NORM_EPS).dataSync());
  });
});

test('wasm: the weight gradient on helper threads gives exactly the one-thread result', async () => {
  await selectBackend('wasm');
  const shapes: Array<[number, number, number]> = [[300, 128, 384], [77, 12, 40], [513, 64, 8], [64, 512, 128]];
  const inputs = shapes.map(([k, m, n], i) => [tf.randomNormal([k, m], 0, 1, 'float32', i), tf.randomNormal([k, n], 0, 1, 'float32', i + 9)] as [tf.Tensor2D, tf.Tensor2D]);
  const values = (t: tf.Tensor) => {
    const data = t.dataSync();
    t.dispose();
    return data;
  };
  const alone = inputs.map(([x, dy]) => values(fusedWeightGradient(x, dy, 1)));
  // Helpers start on first use and become ready in the background.
  const deadline = Date.now() + 20_000;
  while (weightGradientThreads() < 3 && Date.now() < deadline) {
    values(fusedWeightGradient(inputs[0]![0], inputs[0]![1], 3));
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  assert.equal(weightGradientThreads(), 3, 'two helper threads became ready');
  inputs.forEach(([x, dy], i) => assert.deepEqual(values(fusedWeightGradient(x, dy, 3)), alone[i], `shape ${shapes[i]}`));
  tf.dispose(inputs.flat());
});

test('wasm, threaded build: the fused kernels run on the heap in place; the CPU backend copies', async () => {
  const backend = await selectBackend('wasm');
  // The threaded build (two threads or more) shares its heap; the single-threaded one keeps it to itself.
  assert.equal(fusedKernelsInPlace(), backend.threads > 1);
  await selectBackend('js');
  assert.equal(fusedKernelsInPlace(), false);
  await selectBackend('wasm');
});

test('wasm: operands of mismatched rows are a clear error that leaves no tensor behind, and the next call is right', async () => {
  await selectBackend('wasm');
  const before = tf.memory().numTensors;
  const x = tf.randomNormal([8, 12], 0, 1, 'float32', 3) as tf.Tensor2D;
  const dy = tf.randomNormal([9, 16], 0, 1, 'float32', 4) as tf.Tensor2D;
  assert.throws(() => fusedWeightGradient(x, dy), /as many rows in dy as in x/);
  const good = tf.randomNormal([8, 16], 0, 1, 'float32', 5) as tf.Tensor2D;
  tf.tidy(() => assertClose(fusedWeightGradient(x, good), tf.matMul(tf.transpose(x), good), 'after a failed call'));
  tf.dispose([x, dy, good]);
  assert.equal(tf.memory().numTensors, before);
});
