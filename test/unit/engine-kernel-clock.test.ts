// The kernel clock (kernel-clock.ts) that benchmarks read to split a pass into
// tfjs's kernels and the engine's own: it accounts every call, keeps counting
// when a kernel throws, and the fused kernels really report to it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { selectBackend } from '../../src/trainer/backend';
import { fusedGelu, fusedWeightGradient } from '../../src/trainer/model/fused';
import { kernelClock, resetKernelClock, timed } from '../../src/trainer/model/kernel-clock';

test('timed returns the work\'s value and adds its calls and wall time; reset clears', () => {
  resetKernelClock();
  const spin = (ms: number) => {
    const end = performance.now() + ms;
    while (performance.now() < end);
    return ms;
  };
  assert.equal(timed('a', () => spin(5)), 5);
  timed('a', () => spin(5));
  timed('b', () => spin(1));
  const clock = kernelClock();
  assert.equal(clock.get('a')!.calls, 2);
  assert.ok(clock.get('a')!.ms >= 10, `a: ${clock.get('a')!.ms} ms`);
  assert.equal(clock.get('b')!.calls, 1);
  // A snapshot: later calls do not change it.
  timed('a', () => 0);
  assert.equal(clock.get('a')!.calls, 2);
  resetKernelClock();
  assert.equal(kernelClock().size, 0);
});

test('a kernel that throws is still accounted, and its error comes through', () => {
  resetKernelClock();
  assert.throws(() => timed('broken', () => { throw new Error('bad shape'); }), /bad shape/);
  assert.equal(kernelClock().get('broken')!.calls, 1);
});

test('wasm: the fused kernels report their calls to the clock, the backward passes under their own names', async () => {
  await selectBackend('wasm');
  resetKernelClock();
  const x = tf.randomNormal([64, 32], 0, 1, 'float32', 1) as tf.Tensor2D;
  const dy = tf.randomNormal([64, 16], 0, 1, 'float32', 2) as tf.Tensor2D;
  const grad = tf.grad((input: tf.Tensor) => tf.sum(fusedGelu(input as tf.Tensor2D)))(x);
  const weights = fusedWeightGradient(x, dy);
  const clock = kernelClock();
  assert.equal(clock.get('gelu')?.calls, 1);
  assert.equal(clock.get('gelu backward')?.calls, 1);
  assert.equal(clock.get('weight gradient')?.calls, 1);
  tf.dispose([x, dy, grad, weights]);
});
