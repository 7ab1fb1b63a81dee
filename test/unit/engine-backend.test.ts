// Backend selection: a backend that is asked for but missing is a clear error
// that says how to install it; WASM always loads with SIMD, threaded here (this
// process asks for 2 threads), and its replacement Slice and GatherV2 kernels
// copy exactly the requested elements.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import fc from 'fast-check';
import * as tf from '@tensorflow/tfjs-core';
import { BackendUnavailableError, selectBackend } from '../../src/trainer/backend';
import { WASM_THREADS_ENV, wasmThreadsWanted } from '../../src/trainer/backend-wasm-threads';

// Before the first selectBackend('wasm'): the threaded build is tried on any machine, even a 1-core one.
process.env[WASM_THREADS_ENV] = '2';

const installed = (pkg: string) => {
  try {
    createRequire(__filename).resolve(pkg);
    return true;
  } catch {
    return false;
  }
};

test('asking for gpu without @tensorflow/tfjs-node-gpu says how to install it', { skip: installed('@tensorflow/tfjs-node-gpu') }, async () => {
  await assert.rejects(selectBackend('gpu'), (e: unknown) => {
    assert.ok(e instanceof BackendUnavailableError);
    assert.match(e.message, /device gpu is not available/);
    assert.match(e.message, /npm install @tensorflow\/tfjs-node-gpu/);
    assert.match(e.message, /CUDA/);
    return true;
  });
});

test('asking for native cpu without @tensorflow/tfjs-node says how to install it', { skip: installed('@tensorflow/tfjs-node') }, async () => {
  await assert.rejects(selectBackend('cpu'), /npm install @tensorflow\/tfjs-node`.*device wasm/);
});

test('wasm loads the threaded SIMD build with the threads asked for; auto falls through the missing native backends to it', async () => {
  assert.deepEqual(await selectBackend('wasm'), { name: 'wasm', threads: 2, simd: true });
  if (!installed('@tensorflow/tfjs-node') && !installed('@tensorflow/tfjs-node-gpu')) {
    assert.equal((await selectBackend('auto')).name, 'wasm');
  }
  assert.equal((await selectBackend('js')).name, 'cpu');
  assert.equal((await selectBackend('wasm')).threads, 2, 'switching back keeps the threaded backend already started');
});

test('threaded WASM products match a plain reference and repeat bit for bit', async () => {
  await selectBackend('wasm');
  // Shapes of a nano training step: weight products and attention blocks, each split across the threads.
  for (const [m, k, n] of [[2048, 64, 256], [256, 256, 32], [512, 512, 512]] as const) {
    const a = tf.randomNormal([m, k], 0, 1, 'float32', m);
    const b = tf.randomNormal([k, n], 0, 1, 'float32', n);
    const product = tf.matMul(a, b);
    const expected = reference(a.dataSync(), b.dataSync(), m, k, n);
    const got = product.dataSync();
    let worst = 0;
    for (let i = 0; i < got.length; i++) worst = Math.max(worst, Math.abs(got[i]! - expected[i]!));
    assert.ok(worst < 1e-3, `[${m},${k}]x[${k},${n}]: off by ${worst}`);
    const again = tf.matMul(a, b);
    assert.deepEqual(again.dataSync(), got, 'the same product twice gives the same bits');
    tf.dispose([a, b, product, again]);
  }
});

function reference(a: ArrayLike<number>, b: ArrayLike<number>, m: number, k: number, n: number): Float64Array {
  const out = new Float64Array(m * n);
  for (let i = 0; i < m; i++) for (let p = 0; p < k; p++) for (let j = 0; j < n; j++) out[i * n + j]! += a[i * k + p]! * b[p * n + j]!;
  return out;
}

test('RLAB_WASM_THREADS is taken as is; unset, the threads are the idle cores up to 4; a bad value runs 1 thread and says why', async () => {
  const idle = (cores: number) => async () => cores;
  const unused = async () => assert.fail('idle cores are sampled only when RLAB_WASM_THREADS is unset and there is more than 1 core');
  assert.deepEqual(await wasmThreadsWanted({ [WASM_THREADS_ENV]: '3' }, 2, unused), { threads: 3, note: null });
  assert.deepEqual(await wasmThreadsWanted({ [WASM_THREADS_ENV]: ' 1 ' }, 8, unused), { threads: 1, note: null });
  assert.deepEqual(await wasmThreadsWanted({}, 1, unused), { threads: 1, note: null });
  assert.deepEqual(await wasmThreadsWanted({}, 2, idle(1.9)), { threads: 2, note: null });
  assert.deepEqual(await wasmThreadsWanted({}, 16, idle(15.2)), { threads: 4, note: null });
  assert.equal((await wasmThreadsWanted({}, 8, idle(3.5))).threads, 3);
  const busy = await wasmThreadsWanted({}, 2, idle(0.6));
  assert.equal(busy.threads, 1);
  assert.match(busy.note!, /cores busy \(0\.6 of 2 idle\): running 1 thread.*RLAB_WASM_THREADS/);
  for (const bad of ['0', '-2', '1.5', 'two']) {
    const wanted = await wasmThreadsWanted({ [WASM_THREADS_ENV]: bad }, 4, unused);
    assert.equal(wanted.threads, 1);
    assert.ok(wanted.note!.startsWith(`RLAB_WASM_THREADS="${bad}" is not a whole number`), wanted.note!);
  }
});

test('the replacement WASM Slice kernel copies exactly the requested block of any tensor', async () => {
  await selectBackend('wasm');
  const block = fc
    .array(fc.integer({ min: 1, max: 5 }), { minLength: 1, maxLength: 4 })
    .chain((shape) =>
      fc.tuple(
        fc.constant(shape),
        fc.tuple(...shape.map((n) => fc.integer({ min: 0, max: n - 1 }).chain((b) => fc.tuple(fc.constant(b), fc.integer({ min: 0, max: n - b }))))),
      ),
    );
  fc.assert(
    fc.property(block, ([shape, ranges]) => {
      const values = Array.from({ length: shape.reduce((a, b) => a * b, 1) }, (_, i) => i);
      const begin = ranges.map(([b]) => b);
      const size = ranges.map(([, s]) => s);
      const expected: number[] = [];
      const walk = (d: number, offset: number) => {
        if (d === shape.length) return void expected.push(values[offset]!);
        const stride = shape.slice(d + 1).reduce((a, b) => a * b, 1);
        for (let i = 0; i < size[d]!; i++) walk(d + 1, offset + (begin[d]! + i) * stride);
      };
      walk(0, 0);
      const x = tf.tensor(values, shape, 'float32');
      const sliced = tf.slice(x, begin, size);
      assert.deepEqual(sliced.shape, size);
      assert.deepEqual(Array.from(sliced.dataSync()), expected);
      tf.dispose([x, sliced]);
    }),
  );
});

test('the replacement WASM Identity kernel shares memory safely: a clone outlives its source', async () => {
  await selectBackend('wasm');
  const x = tf.tensor2d([[1, 2], [3, 4]]);
  const y = tf.clone(x);
  x.dispose();
  const z = tf.add(y, 1);
  assert.deepEqual(Array.from(y.dataSync()), [1, 2, 3, 4]);
  assert.deepEqual(Array.from(z.dataSync()), [2, 3, 4, 5]);
  tf.dispose([y, z]);
});

test('the replacement WASM GatherV2 kernel picks the same elements as a plain reference, on any axis and index shape', async () => {
  await selectBackend('wasm');
  const gather = fc
    .array(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: 3 })
    .chain((shape) =>
      fc.tuple(
        fc.constant(shape),
        fc.integer({ min: 0, max: shape.length - 1 }),
        fc.constantFrom<'float32' | 'int32'>('float32', 'int32'),
      ),
    )
    .chain(([shape, axis, dtype]) =>
      fc.tuple(
        fc.constant(shape),
        fc.constant(axis),
        fc.constant(dtype),
        fc.array(fc.integer({ min: 0, max: shape[axis]! - 1 }), { minLength: 1, maxLength: 6 }),
        fc.boolean(),
      ),
    );
  fc.assert(
    fc.property(gather, ([shape, axis, dtype, picks, asMatrix]) => {
      const values = Array.from({ length: shape.reduce((a, b) => a * b, 1) }, (_, i) => i * 3 - 7);
      const indexShape = asMatrix && picks.length % 2 === 0 ? [2, picks.length / 2] : [picks.length];
      const outer = shape.slice(0, axis).reduce((a, b) => a * b, 1);
      const inner = shape.slice(axis + 1).reduce((a, b) => a * b, 1);
      const expected: number[] = [];
      for (let o = 0; o < outer; o++) {
        for (const i of picks) for (let k = 0; k < inner; k++) expected.push(values[(o * shape[axis]! + i) * inner + k]!);
      }
      const x = tf.tensor(values, shape, dtype);
      const indices = tf.tensor(picks, indexShape, 'int32');
      const picked = tf.gather(x, indices, axis);
      assert.deepEqual(picked.shape, [...shape.slice(0, axis), ...indexShape, ...shape.slice(axis + 1)]);
      assert.equal(picked.dtype, dtype);
      assert.deepEqual(Array.from(picked.dataSync()), expected);
      tf.dispose([x, indices, picked]);
    }),
  );
  const x = tf.tensor2d([[1, 2], [3, 4]]);
  const outside = tf.tensor1d([2], 'int32');
  assert.throws(() => tf.gather(x, outside, 1), /gather: index 2 is outside \[0, 1\]/);
  tf.dispose([x, outside]);
});
