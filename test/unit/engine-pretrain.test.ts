// The pretraining pieces: packed batches with loss only on completions, the
// resumable data stream, one optimizer step (accumulation, tensor count), and
// evaluate() on a real model.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import type { ModelConfig, PretrainConfig, PromptConfig } from '../../src/core/spec/config';
import { COMPACT_TEMPLATE } from '../../src/core/countdown/prompts';
import { selectBackend } from '../../src/trainer/backend';
import { packBatch, sequence } from '../../src/trainer/data/batch';
import { PretrainStream } from '../../src/trainer/data/pretrain-stream';
import { ShuffledStream, type StreamCursor } from '../../src/trainer/data/shuffled-stream';
import { evaluate } from '../../src/trainer/eval';
import { Gpt } from '../../src/trainer/model/gpt';
import { Tokenizer } from '../../src/trainer/model/tokenizer';
import { AdamW } from '../../src/trainer/optim/adamw';
import { pretrainStep } from '../../src/trainer/pretrain/stage';

const tokenizer = new Tokenizer();
const prompt: PromptConfig = { kind: 'compact', template: COMPACT_TEMPLATE };
const model: ModelConfig = { preset: 'custom', layers: 1, width: 32, heads: 2, context: 128, positions: 'learned', valueHead: false };
const pretrain: PretrainConfig = { traces: 'dfs', steps: 10, batch: 4, microBatch: 4, lr: 1e-3, warmup: 0, weightDecay: 0, gradClip: 1, searchBudget: 10, evalEvery: 5 };
const problems = [
  { numbers: [3, 4, 5], target: 17 },
  { numbers: [2, 6, 7], target: 19 },
  { numbers: [1, 8, 9], target: 16 },
  { numbers: [4, 4, 6], target: 22 },
  { numbers: [5, 2], target: 10 },
];

before(async () => {
  await selectBackend('wasm');
});

test('packBatch: right padding, next-token targets, loss only on completion tokens', () => {
  const s = sequence([10, 11, 12], [20, 21], 1);
  const b = packBatch([s, sequence([10], [20], 1)], 0, 64);
  assert.equal(b.length, 16, 'lengths round up to a multiple of 16');
  assert.deepEqual([...b.ids.slice(0, 6)], [10, 11, 12, 20, 21, 0]);
  assert.deepEqual([...b.targets.slice(0, 6)], [11, 12, 20, 21, 1, 0]);
  assert.deepEqual([...b.mask.slice(0, 6)], [0, 0, 1, 1, 1, 0], 'prompt targets carry no loss; completion and end do');
  assert.deepEqual([...b.mask.slice(16, 19)], [1, 1, 0]);
  assert.equal(b.tokens, 5 + 2);
  assert.equal(b.lossTokens, 3 + 2);
  assert.throws(() => packBatch([sequence(new Array(70).fill(5), [6], 1)], 0, 64), /does not fit the model context 64/);
});

test('PretrainStream: deterministic, and a saved cursor continues exactly', () => {
  const stream = (cursor?: StreamCursor, context = 128) => {
    const order = new ShuffledStream(problems, 9, cursor);
    return { order, sequences: new PretrainStream(order, prompt, pretrain, tokenizer, context, 9) };
  };
  const a = stream();
  const first = a.sequences.next(3);
  const cursor = a.order.cursor;
  const rest = a.sequences.next(4);
  assert.deepEqual(stream(cursor).sequences.next(4), rest);
  assert.deepEqual(stream().sequences.next(3), first);
  assert.deepEqual(a.order.cursor, { epoch: 1, index: 2 }, 'seven sequences of five problems: one epoch and two');
  const text = tokenizer.decode(first[0]!.ids);
  assert.match(text, /^\[[\d, ]+\] -> \d+\n<think>[\s\S]*<\/think>\n<answer>.*<\/answer>$/);
  assert.equal(tokenizer.decode(first[0]!.ids.slice(0, first[0]!.lossFrom)).endsWith('<think>'), true);
  assert.throws(() => new ShuffledStream([], 9), /needs at least one item/);
  assert.throws(() => stream(undefined, 16).sequences.next(1), /no pretraining sequence fits the model context 16/);
});

test('pretrainStep: micro-batches give the same update as one batch; loss falls; tensor count flat', () => {
  const sequences = new PretrainStream(new ShuffledStream(problems, 3), prompt, pretrain, tokenizer, 128, 3).next(4);
  const run = (microBatch: number, steps: number): { losses: number[]; weights: Float32Array; counts: number[] } => {
    const gpt = new Gpt(model, tokenizer.vocabSize, 1);
    const optimizer = new AdamW(gpt.variables, { weightDecay: 0 });
    const losses: number[] = [];
    const counts: number[] = [];
    for (let i = 0; i < steps; i++) {
      losses.push(pretrainStep(gpt, optimizer, sequences, { pad: tokenizer.pad, microBatch, lr: 3e-3, gradClip: 1 }).loss);
      counts.push(tf.memory().numTensors);
    }
    const weights = gpt.variables.get('wte.weight')!.dataSync() as Float32Array;
    optimizer.dispose();
    gpt.dispose();
    return { losses, weights: weights.slice(), counts };
  };
  const whole = run(4, 12);
  const split = run(1, 2);
  assert.ok(Math.abs(whole.losses[0]! - split.losses[0]!) < 1e-4, `first-step loss ${whole.losses[0]} vs ${split.losses[0]}`);
  const once = run(4, 2);
  const maxDiff = once.weights.reduce((m, w, i) => Math.max(m, Math.abs(w - split.weights[i]!)), 0);
  assert.ok(maxDiff < 1e-5, `weights after two steps differ by ${maxDiff}`);
  assert.ok(whole.losses.at(-1)! < whole.losses[0]! * 0.8, `loss ${whole.losses[0]} -> ${whole.losses.at(-1)}`);
  assert.deepEqual(new Set(whole.counts.slice(1)).size, 1, `tensor count per step: ${whole.counts.join(' ')}`);
});

test('evaluate: scores greedy and sampled completions, per number count, one trace each', async () => {
  const gpt = new Gpt(model, tokenizer.vocabSize, 2);
  const run = () =>
    evaluate(gpt, tokenizer, problems, {
      phase: 'pretrain',
      step: 7,
      split: 'test',
      prompt,
      reward: { format: 0.1, correct: 1 },
      samples: 2,
      temperature: 1,
      maxNewTokens: 24,
      seed: 1,
    });
  const { record, traces } = await run();
  const after = tf.memory().numTensors;
  const again = await run();
  assert.equal(tf.memory().numTensors, after, 'a second evaluation leaves no tensors behind');
  assert.deepEqual(again.traces, traces, 'seeded: the same completions again');
  gpt.dispose();
  assert.equal(record.score.n, 5);
  assert.deepEqual(Object.keys(record.byCount), ['2', '3']);
  assert.equal(record.byCount['3']!.n, 4);
  assert.equal(record.k, 2);
  assert.equal(traces.length, 5 * 3);
  assert.deepEqual(traces.slice(0, 3).map((t) => t.sample), ['greedy', 0, 1]);
  for (const t of traces) {
    assert.equal(t.step, 7);
    assert.ok(t.prompt.endsWith('<think>'));
    assert.ok(tokenizer.encode(t.completion).length <= 24);
  }
  // An untrained model writes no answer: every score is 0, none is NaN.
  assert.equal(record.score.pass1, 0);
  assert.equal(record.score.formatRate, traces.filter((t) => t.sample === 'greedy' && t.verdict !== 'no-answer').length / 5);
});
