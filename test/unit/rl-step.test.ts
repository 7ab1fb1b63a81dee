// One whole RL step (rollout, reference, KL, advantages, update, record) on a
// small untrained model, for every algorithm and the options that change the
// code path: every metric is present and finite, and no tensor leaks.
import { before, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { selectBackend } from '../../src/trainer/backend';
import { Gpt } from '../../src/trainer/model/gpt';
import { Tokenizer } from '../../src/trainer/model/tokenizer';
import { AdamW } from '../../src/trainer/optim/adamw';
import { Rng } from '../../src/trainer/rng';
import type { Algorithm, RlConfig } from '../../src/core/spec/config';
import { COMPACT_TEMPLATE } from '../../src/core/countdown/prompts';
import { DEFAULT_REWARD } from '../../src/core/countdown/verifier';
import { rlStep, roundSize, teaches } from '../../src/trainer/rl/step';
import type { RolloutSample } from '../../src/trainer/rl/rollout';
import type { Verdict } from '../../src/core/countdown/verdict';
import { rollout } from '../../src/trainer/rl/rollout';
import { completionLogProbs } from '../../src/trainer/rl/forward';
import { ShuffledStream } from '../../src/trainer/data/shuffled-stream';
import { collect, packSamples, spread, trainMask } from '../../src/trainer/rl/tokens';

before(async () => {
  await selectBackend('wasm');
});

const tokenizer = new Tokenizer();
const problems = [
  { numbers: [3, 4, 5], target: 17 },
  { numbers: [10, 2, 7], target: 13 },
];

const baseRl: RlConfig = {
  algorithm: 'grpo', steps: 1, prompts: 2, group: 3, lr: 1e-3, warmup: 0, kl: 0.01, klEstimator: 'k3', klIn: 'loss',
  clip: 0.2, clipHigh: null, entropy: 0.01, temperature: 1, topK: 0, topP: 1, maxTokens: 12, epochs: 2, miniBatch: 4,
  lossAggregation: 'token-mean', rewardScaling: 'group', maskTruncated: true, gamma: 1, lambda: 0.95, gradClip: 1,
  dynamicSampling: false, maxDraw: 4, earlyStop: 0, seed: 1,
};

async function oneStep(rl: RlConfig, valueHead: boolean) {
  const config = { preset: 'custom' as const, layers: 1, width: 32, heads: 2, context: 64, positions: 'learned' as const, valueHead };
  const policy = new Gpt(config, tokenizer.vocabSize, 1);
  const reference = rl.kl > 0 ? new Gpt(config, tokenizer.vocabSize, 1) : null;
  const optimizer = new AdamW(policy.variables, { weightDecay: 0 });
  try {
    return await rlStep({
      policy, reference, optimizer, tokenizer, rl,
      prompt: { kind: 'compact', template: COMPACT_TEMPLATE },
      reward: DEFAULT_REWARD,
      draw: (count) => problems.slice(0, count), expectedSignal: 1, step: 1, lr: rl.lr, rng: Rng.seeded(5),
    });
  } finally {
    optimizer.dispose();
    policy.dispose();
    reference?.dispose();
  }
}

const cases: Array<[string, Partial<RlConfig>]> = [
  ...(['grpo', 'dr-grpo', 'rloo', 'reinforce'] as Algorithm[]).map((algorithm): [string, Partial<RlConfig>] => [algorithm, { algorithm }]),
  ['ppo with the KL in the reward', { algorithm: 'ppo', klIn: 'reward', klEstimator: 'k1' }],
  ['grpo without KL, seq-mean-token-sum-norm, clip-high', { kl: 0, lossAggregation: 'seq-mean-token-sum-norm', clipHigh: 0.28, maskTruncated: false }],
];

for (const [name, patch] of cases) {
  test(`one RL step: ${name}`, async () => {
    const rl = { ...baseRl, ...patch };
    const before = tf.memory().numTensors;
    const { record, samples } = await oneStep(rl, rl.algorithm === 'ppo');
    assert.equal(tf.memory().numTensors, before, 'tensor count stays flat');
    assert.equal(samples.length, rl.prompts * rl.group);
    assert.deepEqual(samples.slice(0, 3).map((s) => s.problem), [problems[0], problems[0], problems[0]]);
    for (const s of samples) {
      assert.equal(s.logProbs.length, s.completion.length);
      assert.equal(s.length, s.completion.length);
      assert.ok(s.completion.length <= rl.maxTokens);
    }
    const expected = ['rewardMean', 'rewardStd', 'accuracy', 'formatRate', 'lengthMean', 'truncatedRate', 'entropy', 'clipFraction',
      'zeroSignalGroups', 'signalGroups', 'promptsDrawn', 'searchRate', 'stepKl', 'gradNorm', 'lr', 'rolloutMs', 'trainMs', 'stepMs', 'tokensPerSec',
      'loss', 'policyLoss', 'repetitionRate', 'multiAnswerRate'] as const;
    for (const key of expected) assert.ok(Number.isFinite(record[key]), `${key} = ${record[key]}`);
    assert.equal(Number.isFinite(record.kl), rl.kl > 0, `kl = ${record.kl}`);
    assert.equal(Number.isFinite(record.valueLoss), rl.algorithm === 'ppo', `valueLoss = ${record.valueLoss}`);
    const share = (pick: (s: (typeof samples)[number]) => boolean) => samples.filter(pick).length / samples.length;
    assert.equal(record.truncatedRate, share((s) => s.truncated));
    assert.equal(record.accuracy, share((s) => s.verdict === 'correct'));
    for (const s of samples) assert.equal(s.truncated, s.completion.length === rl.maxTokens && ![tokenizer.end, tokenizer.answerClose].includes(s.completion.at(-1)!));
  });
}

test('dynamic sampling: when no group teaches it draws up to the cap and makes no update', async () => {
  const rl = { ...baseRl, dynamicSampling: true, maxDraw: 3 };
  const before = tf.memory().numTensors;
  const config = { preset: 'custom' as const, layers: 1, width: 32, heads: 2, context: 64, positions: 'learned' as const, valueHead: false };
  const policy = new Gpt(config, tokenizer.vocabSize, 1);
  const optimizer = new AdamW(policy.variables, { weightDecay: 0 });
  const stream = new ShuffledStream(problems, 3);
  const asked: number[] = [];
  const weights = policy.variables.get('wte.weight')!.dataSync().slice();
  const { record, samples } = await rlStep({
    policy, reference: null, optimizer, tokenizer, rl: { ...rl, kl: 0 },
    prompt: { kind: 'compact', template: COMPACT_TEMPLATE }, reward: DEFAULT_REWARD,
    draw: (count) => (asked.push(count), stream.next(count)), expectedSignal: 0.5, step: 1, lr: rl.lr, rng: Rng.seeded(5),
  });
  // An untrained model never solves: every round finds nothing, so the draws plan at the lowest expected share.
  assert.deepEqual(asked, [4, 2], 'the first round draws prompts / expected share, the last what the cap of 3 × prompts leaves');
  assert.equal(record.promptsDrawn, 6);
  assert.equal(record.signalGroups, 0);
  assert.equal(samples.length, 6 * rl.group, 'every drawn completion is reported');
  assert.equal(record.loss, undefined, 'nothing to train on: no loss');
  assert.equal(record.stepKl, undefined);
  assert.deepEqual(policy.variables.get('wte.weight')!.dataSync(), weights, 'and the weights did not move');
  optimizer.dispose();
  policy.dispose();
  assert.equal(tf.memory().numTensors, before, 'no tensor left behind');
});

test('dynamic sampling keeps only groups whose correctness varies, and plans its rounds from the expected share', () => {
  const group = (verdicts: Verdict[]) => verdicts.map((verdict) => ({ verdict }) as RolloutSample);
  assert.equal(teaches(group(['correct', 'wrong-value', 'no-answer'])), true);
  assert.equal(teaches(group(['correct', 'correct'])), false, 'always right: nothing to prefer');
  assert.equal(teaches(group(['wrong-value', 'no-answer'])), false, 'format differences are not correctness');
  assert.equal(roundSize(8, 1, 100), 8);
  assert.equal(roundSize(8, 0.5, 100), 16);
  assert.equal(roundSize(8, 0, 100), 32, 'never plans below a quarter');
  assert.equal(roundSize(8, 0.1, 10), 10, 'the cap wins');
});

test('problem stream: shuffled passes over train, resumable from its cursor', () => {
  const train = Array.from({ length: 5 }, (_, i) => ({ numbers: [i, 1], target: i + 1 }));
  const stream = new ShuffledStream(train, 9);
  const first = stream.next(7);
  assert.equal(new Set(first.slice(0, 5)).size, 5, 'a pass visits every problem once');
  const resumed = new ShuffledStream(train, 9, { ...stream.cursor });
  assert.deepEqual(resumed.next(6), stream.next(6));
});

test('token layout: completion token j sits at prompt length − 1 + j, and comes back unchanged', () => {
  const samples = [
    { prompt: [5, 6, 7], completion: [8, 9] },
    { prompt: [5], completion: [10, 11, 12] },
  ];
  const packed = packSamples(samples, tokenizer.pad, 64);
  const { length, ids, targets, mask } = packed.batch;
  assert.deepEqual(packed.start, [2, 0]);
  assert.deepEqual(Array.from(ids.slice(0, 4)), [5, 6, 7, 8]);
  assert.deepEqual(Array.from(targets.slice(2, 4)), [8, 9]);
  assert.deepEqual(Array.from(targets.slice(length, length + 3)), [10, 11, 12]);
  const values = [[0.5, -1], [1, 2, 3]];
  const flat = spread(packed, values);
  assert.deepEqual(Array.from(flat.slice(0, 5)), [0, 0, 0.5, -1, 0]);
  assert.deepEqual(collect(packed, flat), values);
  assert.deepEqual(Array.from(mask.slice(0, 5)), [0, 0, 1, 1, 0]);
  const masked = trainMask(packed, [false, true]);
  assert.equal(masked.slice(length).reduce((a, b) => a + b, 0), 0);
  assert.deepEqual(Array.from(masked.slice(0, length)), Array.from(mask.slice(0, length)));
  assert.throws(() => spread(packed, [[1], [1, 2, 3]]), /row 0: 1 values for 2 completion tokens/);
});

test('rollouts at a temperature other than 1 are on-policy: the trainer recomputes the sampler\'s log-probs', async () => {
  const config = { preset: 'custom' as const, layers: 1, width: 32, heads: 2, context: 64, positions: 'rotary' as const, valueHead: false };
  const model = new Gpt(config, tokenizer.vocabSize, 4);
  try {
    for (const temperature of [0.7, 1.3]) {
      const samples = await rollout(model, tokenizer, problems, {
        rl: { group: 3, temperature, topK: 0, topP: 1, maxTokens: 10 },
        prompt: { kind: 'compact', template: COMPACT_TEMPLATE },
        reward: DEFAULT_REWARD,
        seed: 11,
      });
      const recomputed = completionLogProbs(model, samples, tokenizer.pad, temperature);
      samples.forEach((s, i) => s.logProbs.forEach((lp, t) => assert.ok(Math.abs(lp - recomputed[i]![t]!) < 1e-4, `T=${temperature} sample ${i} token ${t}: ${lp} vs ${recomputed[i]![t]}`)));
      const untempered = completionLogProbs(model, samples, tokenizer.pad, 1);
      assert.ok(samples.some((s, i) => s.logProbs.some((lp, t) => Math.abs(lp - untempered[i]![t]!) > 1e-3)), 'temperature 1 would be a different policy');
    }
  } finally {
    model.dispose();
  }
});
