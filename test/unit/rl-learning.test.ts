// A fast, deterministic learning test: on a toy bandit over the `nano` model's
// first completion token, GRPO must raise the probability of the rewarded
// tokens within a few steps, through the real sampler, estimator, loss and update.
import { before, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { selectBackend } from '../../src/trainer/backend';
import { Gpt } from '../../src/trainer/model/gpt';
import { Tokenizer } from '../../src/trainer/model/tokenizer';
import { sample } from '../../src/trainer/model/sampler';
import { AdamW } from '../../src/trainer/optim/adamw';
import { Rng } from '../../src/trainer/rng';
import { MODEL_PRESETS } from '../../src/core/spec/schema';
import type { RlConfig } from '../../src/core/spec/config';
import { grpoAdvantages } from '../../src/trainer/rl/advantages';
import { optimise } from '../../src/trainer/rl/update';

before(async () => {
  await selectBackend('wasm');
});

const tokenizer = new Tokenizer();
const prompt = tokenizer.encode('7 3 -> 10\n<think>');
const rewarded = new Set(tokenizer.encode('0123456789'));

const rl: RlConfig = {
  algorithm: 'grpo', steps: 8, prompts: 4, groupSize: 8, lr: 1e-2, warmup: 0, klCoef: 0, klEstimator: 'k3', klIn: 'loss',
  clipLow: 0.2, clipHigh: null, entropyCoef: 0, temperature: 1, topK: 0, topP: 1, maxTokens: 1, epochs: 1, miniBatch: 32,
  lossAggregation: 'token-mean', rewardScaling: 'group', maskTruncated: false, gamma: 1, lambda: 1, gradClip: 1,
  dynamicSampling: false, maxDraw: 4, evalEvery: 10, earlyStop: 0, seed: 1,
};

/** Probability mass the model puts on the rewarded tokens as the first completion token. */
function rewardedMass(model: Gpt): number {
  return tf.tidy(() => {
    const ids = tf.tensor2d([prompt], [1, prompt.length], 'int32');
    const probs = tf.slice(tf.softmax(model.logits(ids)), [0, prompt.length - 1, 0], [1, 1, -1]).dataSync();
    let mass = 0;
    for (const id of rewarded) mass += probs[id]!;
    return mass;
  });
}

async function learnToy(seed: number, steps: number): Promise<number[]> {
  const model = new Gpt({ preset: 'nano', ...MODEL_PRESETS.nano, context: 64, positions: 'learned', valueHead: false }, tokenizer.vocabSize, seed);
  const optimizer = new AdamW(model.variables, { weightDecay: 0 });
  const rng = Rng.seeded(seed);
  const curve = [rewardedMass(model)];
  for (let step = 0; step < steps; step++) {
    const rows = Array.from({ length: rl.prompts * rl.groupSize }, () => prompt);
    const drawn = await sample(model, rows, { maxNewTokens: rl.maxTokens, temperature: 1, topK: 0, topP: 1, greedy: false, seed: rng.seed(), stopTokens: [] });
    const rewards = drawn.tokens.map((t) => (rewarded.has(t[0]!) ? 1 : 0));
    const advantages = grpoAdvantages(rewards, rl.groupSize);
    optimise(model, optimizer, drawn.tokens.map((completion, i) => ({
      prompt, completion, oldLogProbs: drawn.logProbs[i]!, refLogProbs: null,
      advantages: completion.map(() => advantages[i]!), returns: null, masked: false,
    })), { rl, lr: rl.lr, pad: tokenizer.pad, rng });
    curve.push(rewardedMass(model));
  }
  optimizer.dispose();
  model.dispose();
  return curve;
}

test('GRPO raises the probability of the rewarded completion within a few steps (nano, seeded)', async () => {
  const before = tf.memory().numTensors;
  const curve = await learnToy(11, rl.steps);
  const again = await learnToy(11, rl.steps);
  assert.deepEqual(again, curve, 'the same seed gives the same curve');
  assert.equal(tf.memory().numTensors, before, 'tensor count stays flat');
  assert.ok(curve[0]! < 0.2, `starts near chance: ${curve[0]}`);
  assert.ok(curve.at(-1)! > 0.5, `rewarded mass after ${rl.steps} steps: ${curve.map((x) => x.toFixed(3)).join(' ')}`);
});
