// Backend selection: a backend that is asked for but missing is a clear error
// that says how to install it; WASM always loads with SIMD.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
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
