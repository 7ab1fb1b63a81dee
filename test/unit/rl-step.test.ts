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
import { completionLogProbs, completionValues } from '../../src/trainer/rl/forward';
import { optimise, type TrainSample } from '../../src/trainer/rl/update';
import { tokenLogProbs } from '../../src/trainer/model/logprobs';
import fc from 'fast-check';
import { ShuffledStream } from '../../src/trainer/data/shuffled-stream';
import { collect, packedMicroBatches, packSamples, perSequenceWeights, spread, trainMask } from '../../src/trainer/rl/tokens';

before(async () => {
  await selectBackend('wasm');
});

const tokenizer = new Tokenizer();
const problems = [
  { numbers: [3, 4, 5], target: 17 },
  { numbers: [10, 2, 7], target: 13 },
];

const baseRl: RlConfig = {
  algorithm: 'grpo', steps: 1, prompts: 2, groupSize: 3, lr: 1e-3, warmup: 0, klCoef: 0.01, klEstimator: 'k3', klIn: 'loss',
  clipLow: 0.2, clipHigh: null, entropyCoef: 0.01, temperature: 1, topK: 0, topP: 1, maxTokens: 12, epochs: 2, miniBatch: 4,
  lossAggregation: 'token-mean', rewardScaling: 'group', maskTruncated: true, gamma: 1, lambda: 0.95, gradClip: 1,
  dynamicSampling: false, maxDraw: 4, evalEvery: 10, earlyStop: 0, seed: 1,
};

async function oneStep(rl: RlConfig, valueHead: boolean) {
  const config = { preset: 'custom' as const, layers: 1, width: 32, heads: 2, context: 64, positions: 'learned' as const, valueHead };
  const policy = new Gpt(config, tokenizer.vocabSize, 1);
  const reference = rl.klCoef > 0 ? new Gpt(config, tokenizer.vocabSize, 1) : null;
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
  ['grpo without KL, seq-mean-token-sum-norm, clip-high', { klCoef: 0, lossAggregation: 'seq-mean-token-sum-norm', clipHigh: 0.28, maskTruncated: false }],
];

for (const [name, patch] of cases) {
  test(`one RL step: ${name}`, async () => {
    const rl = { ...baseRl, ...patch };
    const before = tf.memory().numTensors;
    const { record, samples } = await oneStep(rl, rl.algorithm === 'ppo');
    assert.equal(tf.memory().numTensors, before, 'tensor count stays flat');
    assert.equal(samples.length, rl.prompts * rl.groupSize);
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
    assert.equal(Number.isFinite(record.kl), rl.klCoef > 0, `kl = ${record.kl}`);
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
    policy, reference: null, optimizer, tokenizer, rl: { ...rl, klCoef: 0 },
    prompt: { kind: 'compact', template: COMPACT_TEMPLATE }, reward: DEFAULT_REWARD,
    draw: (count) => (asked.push(count), stream.next(count)), expectedSignal: 0.5, step: 1, lr: rl.lr, rng: Rng.seeded(5),
  });
  // An untrained model never solves: every round finds nothing, so the draws plan at the lowest expected share.
  assert.deepEqual(asked, [4, 2], 'the first round draws prompts / expected share, the last what the cap of 3 × prompts leaves');
  assert.equal(record.promptsDrawn, 6);
  assert.equal(record.signalGroups, 0);
  assert.equal(samples.length, 6 * rl.groupSize, 'every drawn completion is reported');
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

test('token layout: samples sit side by side; completion token j at the sample\'s start + prompt length − 1 + j, and comes back unchanged', () => {
  const samples = [
    { prompt: [5], completion: [10, 11, 12] },
    { prompt: [5, 6, 7], completion: [8, 9] },
  ];
  const packed = packSamples(samples, tokenizer.pad, 64);
  const { rows, ids, targets, mask } = packed.batch;
  assert.equal(rows, 1, 'both fit one row');
  // Longest first: sample 1 (4 inputs) at 0, sample 0 (3 inputs) at 4.
  assert.deepEqual(packed.row, [0, 0]);
  assert.deepEqual(packed.start, [4, 2]);
  assert.deepEqual(packed.batch.starts, [[0, 4]]);
  assert.deepEqual(Array.from(ids.slice(0, 7)), [5, 6, 7, 8, 5, 10, 11]);
  assert.deepEqual(Array.from(targets.slice(2, 7)), [8, 9, 10, 11, 12]);
  const values = [[1, 2, 3], [0.5, -1]];
  const flat = spread(packed, values);
  assert.deepEqual(Array.from(flat.slice(0, 8)), [0, 0, 0.5, -1, 1, 2, 3, 0]);
  assert.deepEqual(collect(packed, flat), values);
  assert.deepEqual(Array.from(mask.slice(0, 8)), [0, 0, 1, 1, 1, 1, 1, 0]);
  const masked = trainMask(packed, [false, true]);
  assert.deepEqual(Array.from(masked.slice(0, 8)), [0, 0, 0, 0, 1, 1, 1, 0]);
  assert.deepEqual(Array.from(perSequenceWeights(packed, masked).slice(0, 8)), [0, 0, 0, 0, 1 / 3, 1 / 3, 1 / 3, 0].map(Math.fround));
  assert.throws(() => spread(packed, [[1], [1, 2]]), /row 0: 1 values for 3 completion tokens/);
  // A context that holds one sample per row: the padded layout.
  const alone = packSamples(samples, tokenizer.pad, 4);
  assert.equal(alone.batch.rows, 2);
  assert.deepEqual(collect(alone, spread(alone, values)), values);
});

test('packed micro-batches: every sample once, rows within the context, parts within the token budget', () => {
  fc.assert(
    fc.property(fc.array(fc.tuple(fc.integer({ min: 1, max: 12 }), fc.integer({ min: 1, max: 40 })), { minLength: 1, maxLength: 30 }), fc.integer({ min: 16, max: 200 }), (shapes, tokens) => {
      const samples = shapes.map(([p, c], i) => ({ prompt: Array(p).fill(i % 50 + 6), completion: Array(c).fill(7) }));
      const parts = packedMicroBatches(samples, tokenizer.pad, 64, tokens);
      assert.deepEqual(parts.flatMap((p) => p.indices).sort((a, b) => a - b), samples.map((_, i) => i));
      for (const { samples: part, indices, packed } of parts) {
        assert.deepEqual(part, indices.map((i) => samples[i]));
        assert.ok(packed.batch.length <= 64);
        assert.ok(packed.batch.rows === 1 || packed.batch.rows * packed.batch.length <= tokens + 16 * packed.batch.rows, 'within the budget (rows round up to 16)');
        const values = part.map((s) => s.completion.map((_, j) => j));
        assert.deepEqual(collect(packed, spread(packed, values)), values);
      }
    }),
  );
});

/** Samples of varied lengths with per-token inputs, as the update gets them. */
function trainSamplesOf(lengths: Array<[number, number]>): TrainSample[] {
  const rng = Rng.seeded(17);
  return lengths.map(([p, c], i) => ({
    prompt: Array.from({ length: p }, () => rng.int(6, tokenizer.vocabSize - 1)),
    completion: Array.from({ length: c }, () => rng.int(6, tokenizer.vocabSize - 1)),
    oldLogProbs: Array.from({ length: c }, () => -4.6 + rng.int(-100, 100) / 500),
    refLogProbs: Array.from({ length: c }, () => -4.6 + rng.int(-100, 100) / 500),
    advantages: Array.from({ length: c }, () => (i % 3) - 1),
    returns: Array.from({ length: c }, () => rng.int(0, 10) / 10),
    masked: i === 2,
  }));
}

test('packed update and reference pass compute what one padded row per sample computes (losses, log-probs, gradients)', async () => {
  // Any two samples overflow the longest one's context, so there each row holds one sample: the padded layout.
  const lengths: Array<[number, number]> = [[7, 20], [5, 18], [9, 30], [6, 16], [8, 14], [7, 25], [5, 19]];
  const samples = trainSamplesOf(lengths);
  const longest = Math.max(...lengths.map(([p, c]) => p + c));
  for (const [aggregation, algorithm] of [['token-mean', 'grpo'], ['seq-mean-token-mean', 'grpo'], ['seq-mean-token-sum-norm', 'ppo']] as const) {
    const rl: RlConfig = { ...baseRl, algorithm, lossAggregation: aggregation, miniBatch: 7, epochs: 1, lr: 1e-2 };
    const results = [];
    // Rotary positions: the weights do not depend on the context, which decides how many samples share a row.
    for (const context of [128, longest]) {
      const model = new Gpt({ preset: 'custom', layers: 2, width: 32, heads: 2, context, positions: 'rotary', valueHead: algorithm === 'ppo' }, tokenizer.vocabSize, 3);
      const rows = packSamples(samples, tokenizer.pad, context).batch.rows;
      assert.ok(context === longest ? rows === samples.length : rows < samples.length / 2, `context ${context}: ${rows} rows`);
      const reference = completionLogProbs(model, samples, tokenizer.pad, 1);
      const values = algorithm === 'ppo' ? completionValues(model, samples, tokenizer.pad) : null;
      const names = [...model.variables.keys()];
      const gradient = tf.tidy(() => {
        // d/dθ of Σ log π(completion tokens), for the gradient of the packed forward itself.
        const { grads } = tf.variableGrads(() => {
          const parts = packedMicroBatches(samples, tokenizer.pad, context, 4096);
          return tf.addN(parts.map(({ packed }) => {
            const shape: [number, number] = [packed.batch.rows, packed.batch.length];
            const lp = tokenLogProbs(model, tf.tensor2d(packed.batch.ids, shape, 'int32'), tf.tensor2d(packed.batch.targets, shape, 'int32'), { packed: packed.batch.starts });
            return tf.sum(tf.mul(lp, tf.tensor2d(packed.batch.mask, shape)));
          })) as tf.Scalar;
        }, names.map((n) => model.variables.get(n)!));
        return names.map((n) => Array.from(grads[model.variables.get(n)!.name]?.dataSync() ?? []));
      });
      const optimizer = new AdamW(model.variables, { weightDecay: 0 });
      const before = tf.memory().numTensors;
      const stats = optimise(model, optimizer, samples, { rl, lr: rl.lr, pad: tokenizer.pad, rng: Rng.seeded(1) });
      assert.equal(tf.memory().numTensors, before, 'the update leaves no tensors behind');
      const weights = names.map((n) => Array.from(model.variables.get(n)!.dataSync()));
      results.push({ reference, values, gradient, stats, weights });
      optimizer.dispose();
      model.dispose();
    }
    const [packed, padded] = results as [(typeof results)[0], (typeof results)[0]];
    const close = (a: number, b: number, what: string) => assert.ok(Math.abs(a - b) <= 1e-5 * Math.max(1, Math.abs(b)), `${aggregation}: ${what}: ${a} vs ${b}`);
    packed.reference.forEach((row, i) => row.forEach((v, t) => close(v, padded.reference[i]![t]!, `log-prob ${i}.${t}`)));
    packed.values?.forEach((row, i) => row.forEach((v, t) => close(v, padded.values![i]![t]!, `value ${i}.${t}`)));
    packed.gradient.forEach((g, k) => g.forEach((v, j) => close(v, padded.gradient[k]![j]!, `gradient ${k}[${j}]`)));
    for (const key of ['loss', 'policyLoss', 'gradNorm', 'entropy', 'clipFraction'] as const) close(packed.stats[key], padded.stats[key], key);
    if (algorithm === 'ppo') close(packed.stats.valueLoss!, padded.stats.valueLoss!, 'valueLoss');
    packed.weights.forEach((w, k) => w.forEach((v, j) => close(v, padded.weights[k]![j]!, `updated weight ${k}[${j}]`)));
  }
});

test('rollouts at a temperature other than 1 are on-policy: the trainer recomputes the sampler\'s log-probs', async () => {
  const config = { preset: 'custom' as const, layers: 1, width: 32, heads: 2, context: 64, positions: 'rotary' as const, valueHead: false };
  const model = new Gpt(config, tokenizer.vocabSize, 4);
  try {
    for (const temperature of [0.7, 1.3]) {
      const samples = await rollout(model, tokenizer, problems, {
        rl: { groupSize: 3, temperature, topK: 0, topP: 1, maxTokens: 10 },
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
