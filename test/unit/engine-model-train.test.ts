// Training pieces on the WASM backend: AdamW, schedule, clipping and gradient
// accumulation driving the transformer on a tiny fixed batch.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { selectBackend } from '../../src/trainer/backend';
import { Gpt } from '../../src/trainer/model/gpt';
import { tokenLogProbs } from '../../src/trainer/model/logprobs';
import { Tokenizer } from '../../src/trainer/model/tokenizer';
import { AdamW } from '../../src/trainer/optim/adamw';
import { accumulateGradients } from '../../src/trainer/optim/accumulate';
import { clipGradNorm } from '../../src/trainer/optim/clip';
import { learningRate } from '../../src/trainer/optim/schedule';
import type { ModelConfig } from '../../src/core/spec/config';

const tokenizer = new Tokenizer();
const config = (positions: ModelConfig['positions']): ModelConfig => ({
  preset: 'custom', layers: 2, width: 32, heads: 2, context: 32, positions, valueHead: false,
});
const lines = ['12+3=15', '7*8=56', '90-4=86', '6/2=3'].map((l) => tokenizer.encode(`<answer>${l}</answer>`));
const T = Math.max(...lines.map((l) => l.length));
const rows = lines.map((l) => [...l, ...new Array<number>(T + 1 - l.length).fill(tokenizer.end)]);

before(async () => {
  await selectBackend('wasm');
});

/** Mean next-token loss of rows [from, to) of the fixed batch. */
function loss(model: Gpt, from: number, to: number): tf.Scalar {
  return tf.tidy(() => {
    const slice = rows.slice(from, to);
    const ids = tf.tensor2d(slice.map((r) => r.slice(0, T)), [slice.length, T], 'int32');
    const targets = tf.tensor2d(slice.map((r) => r.slice(1)), [slice.length, T], 'int32');
    return tf.neg(tf.mean(tokenLogProbs(model, ids, targets))) as tf.Scalar;
  });
}

for (const positions of ['learned', 'rotary'] as const) {
  test(`loss falls on a fixed batch, tensor count stays flat (${positions})`, () => {
    const model = new Gpt(config(positions), tokenizer.vocabSize, 7);
    const optimizer = new AdamW(model.variables, { weightDecay: 0.01 });
    const losses: number[] = [];
    let tensors = -1;
    for (let step = 0; step < 20; step++) {
      const { loss: value, grads } = accumulateGradients(model.variables, 2, (i) => loss(model, 2 * i, 2 * i + 2));
      const norm = clipGradNorm(grads, 1);
      assert.ok(Number.isFinite(norm) && norm > 0, `norm ${norm} loss ${value}`);
      optimizer.apply(grads, learningRate(step, { peak: 1e-2, warmup: 2, total: 20, floor: 0.1 }));
      tf.dispose([...grads.values()]);
      losses.push(value);
      if (step === 1) tensors = tf.memory().numTensors;
      if (step > 1) assert.equal(tf.memory().numTensors, tensors, `tensor count at step ${step}`);
    }
    assert.ok(losses.at(-1)! < 0.5 * losses[0]!, `loss ${losses[0]} -> ${losses.at(-1)}`);
    optimizer.dispose();
    model.dispose();
  });
}

test('accumulated micro-batch gradients equal the full-batch gradient', () => {
  const model = new Gpt(config('learned'), tokenizer.vocabSize, 3);
  const whole = accumulateGradients(model.variables, 1, () => loss(model, 0, 4));
  const parts = accumulateGradients(model.variables, 4, (i) => loss(model, i, i + 1));
  assert.ok(Math.abs(whole.loss - parts.loss) < 1e-5);
  for (const [name, grad] of whole.grads) {
    const a = grad.dataSync();
    const b = parts.grads.get(name)!.dataSync();
    a.forEach((x, i) => assert.ok(Math.abs(x - b[i]!) < 1e-5 + 1e-3 * Math.abs(x), `${name}[${i}]`));
  }
  tf.dispose([...whole.grads.values(), ...parts.grads.values()]);
  model.dispose();
});

test('AdamW state exports and imports: a restored optimizer continues identically', () => {
  const run = (restore: boolean) => {
    const model = new Gpt(config('learned'), tokenizer.vocabSize, 9);
    let optimizer = new AdamW(model.variables);
    const step = () => {
      const { grads } = accumulateGradients(model.variables, 1, () => loss(model, 0, 4));
      optimizer.apply(grads, 1e-3);
      tf.dispose([...grads.values()]);
    };
    step();
    step();
    if (restore) {
      const state = optimizer.exportState();
      optimizer.dispose();
      optimizer = new AdamW(model.variables);
      optimizer.importState(state);
      tf.dispose([...state.tensors.values()]);
    }
    step();
    const weights = model.variables.get('h.1.mlp.c_fc.weight')!.dataSync().slice();
    optimizer.dispose();
    model.dispose();
    return weights;
  };
  assert.deepEqual(run(true), run(false));
  const model = new Gpt(config('learned'), tokenizer.vocabSize, 9);
  const optimizer = new AdamW(model.variables);
  assert.throws(() => optimizer.importState({ step: 1, tensors: new Map() }), /has no wte.weight.m/);
  optimizer.dispose();
  model.dispose();
});

test('clipping scales to the max norm and reports the norm before', () => {
  const grads = new Map<string, tf.Tensor>([['a', tf.tensor1d([3, 0])], ['b', tf.tensor1d([4])]]);
  assert.equal(clipGradNorm(grads, 1), 5);
  const after = Math.hypot(...grads.get('a')!.dataSync(), ...grads.get('b')!.dataSync());
  assert.ok(Math.abs(after - 1) < 1e-5);
  assert.ok(Math.abs(clipGradNorm(grads, 10) - after) < 1e-5);
  tf.dispose([...grads.values()]);
});

test('schedule: linear warmup to the peak, cosine down to the floor', () => {
  const options = { peak: 1, warmup: 10, total: 110, floor: 0.1 };
  assert.equal(learningRate(0, options), 0.1);
  assert.equal(learningRate(9, options), 1);
  assert.equal(learningRate(10, options), 1);
  assert.ok(Math.abs(learningRate(60, options) - 0.55) < 1e-9);
  assert.ok(Math.abs(learningRate(110, options) - 0.1) < 1e-9);
  assert.ok(Math.abs(learningRate(500, options) - 0.1) < 1e-9);
});
