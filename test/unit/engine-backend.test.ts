// Backend selection: a backend that is asked for but missing is a clear error
// that says how to install it; WASM always loads with SIMD, and its replacement
// Slice kernel copies exactly the requested block.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import fc from 'fast-check';
import * as tf from '@tensorflow/tfjs-core';
import { BackendUnavailableError, selectBackend } from '../../src/trainer/backend';

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

test('wasm loads with SIMD; auto falls through the missing native backends to it', async () => {
  assert.deepEqual(await selectBackend('wasm'), { name: 'wasm', threads: 1, simd: true });
  if (!installed('@tensorflow/tfjs-node') && !installed('@tensorflow/tfjs-node-gpu')) {
    assert.equal((await selectBackend('auto')).name, 'wasm');
  }
  assert.equal((await selectBackend('js')).name, 'cpu');
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
