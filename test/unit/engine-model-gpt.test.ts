// The transformer, its log-probabilities and the KV-cache sampler on the WASM
// backend: shapes and parameter counts, the cache against a full forward pass,
// seeded sampling, and tensor counts that stay flat.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { selectBackend } from '../../src/trainer/backend';
import { Gpt } from '../../src/trainer/model/gpt';
import { logProbsOf, tokenEntropy, tokenLogProbs } from '../../src/trainer/model/logprobs';
import { sample, type SampleOptions } from '../../src/trainer/model/sampler';
import { Tokenizer } from '../../src/trainer/model/tokenizer';
import { MODEL_PRESETS } from '../../src/core/spec/schema';
import type { ModelConfig } from '../../src/core/spec/config';

const tokenizer = new Tokenizer();
const V = tokenizer.vocabSize;
const small = (over: Partial<ModelConfig> = {}): ModelConfig => ({
  preset: 'custom', layers: 2, width: 32, heads: 4, context: 48, positions: 'learned', valueHead: false, ...over,
});

before(async () => {
  await selectBackend('wasm');
});

test('parameter counts match the closed form for every preset', () => {
  for (const [preset, shape] of Object.entries(MODEL_PRESETS)) {
    if (preset === 'base') continue; // 25M parameters: slow to initialise, same formula
    const { layers: L, width: D, context: C } = shape;
    const model = new Gpt({ preset: preset as ModelConfig['preset'], ...shape, positions: 'learned', valueHead: false }, V, 1);
    assert.equal(model.paramCount(), V * D + C * D + L * (12 * D * D + 4 * D) + 2 * D, preset);
    model.dispose();
  }
  const untied = new Gpt(small({ tiedHead: false, valueHead: true, positions: 'rotary' }), V, 1);
  assert.equal(untied.paramCount(), 2 * V * 32 + 2 * (12 * 32 * 32 + 4 * 32) + 2 * 32 + 32 + 1);
  assert.ok(untied.variables.has('lm_head.weight') && untied.variables.has('value_head.weight'));
  assert.ok(!untied.variables.has('wpe.weight'));
  untied.dispose();
});

test('logits, values, log-probs and entropy have the right shapes and agree', () => {
  const model = new Gpt(small({ valueHead: true }), V, 3);
  const ids = tf.tensor2d([[5, 6, 7, 8, 9], [10, 11, 12, 13, 14]], [2, 5], 'int32');
  const targets = tf.tensor2d([[6, 7, 8, 9, 1], [11, 12, 13, 14, 1]], [2, 5], 'int32');
  const { logits, values } = model.logitsAndValues(ids);
  assert.deepEqual(logits.shape, [2, 5, V]);
  assert.deepEqual(values.shape, [2, 5]);
  const lp = tokenLogProbs(model, ids, targets);
  const direct = logProbsOf(logits, targets);
  assert.deepEqual(lp.shape, [2, 5]);
  const a = lp.dataSync();
  const b = direct.dataSync();
  a.forEach((x, i) => assert.ok(Math.abs(x - b[i]!) < 1e-5 && x < 0));
  const entropy = tokenEntropy(model, ids).dataSync();
  entropy.forEach((h) => assert.ok(h > 0 && h <= Math.log(V) + 1e-4));
  tf.dispose([ids, targets, logits, values, lp, direct]);
  model.dispose();
});

test('the same seed gives the same weights; another seed does not', () => {
  const [a, b, c] = [1, 1, 2].map((seed) => new Gpt(small(), V, seed));
  const first = (m: Gpt) => m.variables.get('h.0.attn.c_attn.weight')!.dataSync().slice(0, 8);
  assert.deepEqual(first(a!), first(b!));
  assert.notDeepEqual(first(a!), first(c!));
  [a, b, c].forEach((m) => m!.dispose());
});

/** Greedy decoding with a full forward pass per token: the reference the cache must match. */
function referenceGreedy(model: Gpt, prompts: number[][], steps: number, stops: number[]) {
  const longest = Math.max(...prompts.map((p) => p.length));
  const pads = prompts.map((p) => longest - p.length);
  const rows = prompts.map((p, i) => [...new Array<number>(pads[i]!).fill(tokenizer.pad), ...p]);
  const tokens: number[][] = prompts.map(() => []);
  const logProbs: number[][] = prompts.map(() => []);
  const done = prompts.map(() => false);
  for (let s = 0; s < steps && !done.every(Boolean); s++) {
    const t = rows[0]!.length;
    const ids = tf.tensor2d(rows.flat(), [rows.length, t], 'int32');
    const logits = model.logits(ids, pads);
    const last = tf.tidy(() => tf.logSoftmax(tf.reshape(tf.slice(logits, [0, t - 1, 0], [-1, 1, -1]), [rows.length, V])));
    const data = last.dataSync();
    tf.dispose([ids, logits, last]);
    rows.forEach((row, r) => {
      const slice = Array.from(data.subarray(r * V, (r + 1) * V));
      const token = done[r] ? tokenizer.pad : slice.indexOf(Math.max(...slice));
      if (!done[r]) {
        tokens[r]!.push(token);
        logProbs[r]!.push(slice[token]!);
        if (stops.includes(token)) done[r] = true;
      }
      row.push(token);
    });
  }
  return { tokens, logProbs };
}

for (const positions of ['learned', 'rotary'] as const) {
  test(`KV-cache greedy sampling equals a full forward pass (${positions} positions, ragged prompts)`, async () => {
    const model = new Gpt(small({ positions }), V, 11);
    const prompts = [tokenizer.encode('12 34 5>7'), tokenizer.encode('9>3'), tokenizer.encode('100 2 3 4 5>42')];
    const options: SampleOptions = {
      maxNewTokens: 20, temperature: 1, topK: 0, topP: 1, greedy: true, seed: 1, stopTokens: [tokenizer.answerClose, tokenizer.end],
    };
    await sample(model, prompts, { ...options, maxNewTokens: 1 }); // the model caches its transposed head
    const before = tf.memory().numTensors;
    const cached = await sample(model, prompts, options);
    assert.equal(tf.memory().numTensors, before, 'the sampler leaves no tensors behind');
    const reference = referenceGreedy(model, prompts, 20, options.stopTokens);
    assert.deepEqual(cached.tokens, reference.tokens);
    cached.logProbs.flat().forEach((lp, i) => assert.ok(Math.abs(lp - reference.logProbs.flat()[i]!) < 1e-4, `log-prob ${i}`));
    cached.tokens.forEach((row, r) => assert.equal(cached.truncated[r], !options.stopTokens.includes(row.at(-1)!)));
    model.dispose();
  });
}

test('sampling is seeded, respects top-k and stops rows independently', async () => {
  const model = new Gpt(small({ positions: 'rotary' }), V, 5);
  const prompts = [[10, 11, 12], [13]];
  const options: SampleOptions = { maxNewTokens: 12, temperature: 1.5, topK: 3, topP: 0.9, greedy: false, seed: 42, stopTokens: [] };
  const a = await sample(model, prompts, options);
  const b = await sample(model, prompts, options);
  const c = await sample(model, prompts, { ...options, seed: 43 });
  assert.deepEqual(a, b);
  assert.notDeepEqual(a.tokens, c.tokens);
  assert.deepEqual(a.truncated, [true, true]);
  assert.ok(a.tokens.every((row) => row.length === 12));
  // Each sampled token is among the 3 most likely under the model.
  const row = [...prompts[0]!, ...a.tokens[0]!];
  const ids = tf.tensor2d([row], [1, row.length], 'int32');
  const logits = model.logits(ids);
  const top = tf.topk(logits, 3).indices.arraySync() as number[][][];
  a.tokens[0]!.forEach((token, i) => assert.ok(top[0]![prompts[0]!.length - 1 + i]!.includes(token)));
  const stop = a.tokens[1]![2]!;
  const stopped = await sample(model, prompts, { ...options, stopTokens: [stop] });
  assert.deepEqual(stopped.tokens[1], a.tokens[1]!.slice(0, a.tokens[1]!.indexOf(stop) + 1));
  assert.deepEqual(stopped.truncated[1], false);
  tf.dispose([ids, logits]);
  model.dispose();
});

test('a sequence longer than the context is a clear error', async () => {
  const model = new Gpt(small({ context: 8 }), V, 1);
  const ids = tf.zeros([1, 9], 'int32') as tf.Tensor2D;
  assert.throws(() => model.logits(ids), /longer than the model context 8/);
  await assert.rejects(sample(model, [new Array(8).fill(7)], {
    maxNewTokens: 4, temperature: 1, topK: 0, topP: 1, greedy: true, seed: 1, stopTokens: [],
  }), /no room to generate/);
  ids.dispose();
  model.dispose();
});

test('after a weight update the sampler uses the new weights (no stale cached head)', async () => {
  const model = new Gpt(small(), V, 21);
  const prompts = [tokenizer.encode('3 4>7')];
  const options: SampleOptions = { maxNewTokens: 8, temperature: 1, topK: 0, topP: 1, greedy: true, seed: 1, stopTokens: [] };
  await sample(model, prompts, options);
  const wte = model.variables.get('wte.weight')!;
  wte.assign(tf.tidy(() => tf.mul(tf.randomNormal(wte.shape, 0, 1, 'float32', 99), 0.5)));
  const after = await sample(model, prompts, options);
  assert.deepEqual(after.tokens, referenceGreedy(model, prompts, 8, []).tokens);
  model.dispose();
});

test('unfiltered sampling draws tokens as often as softmax(logits / temperature) gives them probability, with those log-probs', async () => {
  const model = new Gpt(small(), V, 8);
  // Sharper logits than the initial weights give, so the frequencies say something.
  const wte = model.variables.get('wte.weight')!;
  wte.assign(tf.tidy(() => tf.mul(tf.randomNormal(wte.shape, 0, 1, 'float32', 3), 0.15)));
  const rows = 3000;
  const prompt = [7, 8];
  const ids = tf.tensor2d([prompt], [1, 2], 'int32');
  const logits = model.logits(ids);
  const expected = tf.tidy(() => tf.logSoftmax(tf.reshape(tf.slice(logits, [0, 1, 0], [1, 1, -1]), [V]))).dataSync();
  tf.dispose([ids, logits]);
  for (const temperature of [1, 0.7]) {
    const drawn = await sample(model, Array<number[]>(rows).fill(prompt), {
      maxNewTokens: 1, temperature, topK: 0, topP: 1, greedy: false, seed: 9, stopTokens: [],
    });
    const weights = Array.from(expected, (lp) => Math.exp(lp / temperature));
    const total = weights.reduce((a, b) => a + b, 0);
    const counts = new Array<number>(V).fill(0);
    drawn.tokens.forEach(([token], r) => {
      counts[token!]!++;
      const tempered = Math.log(weights[token!]! / total);
      assert.ok(Math.abs(drawn.logProbs[r]![0]! - tempered) < 1e-4, `the log-prob is the sampling distribution's at temperature ${temperature}`);
    });
    counts.forEach((count, token) => {
      const p = weights[token]! / total;
      const sigma = Math.sqrt(rows * p * (1 - p));
      assert.ok(Math.abs(count - rows * p) <= 5 * sigma + 1, `token ${token}: drawn ${count} times, expected ${(rows * p).toFixed(1)}`);
    });
  }
  model.dispose();
});

test('finished rows leave the batch, and no row depends on when the others stop (bit for bit)', async () => {
  for (const positions of ['learned', 'rotary'] as const) {
    const model = new Gpt(small({ positions, context: 64 }), V, 13);
    const wte = model.variables.get('wte.weight')!;
    wte.assign(tf.tidy(() => tf.mul(tf.randomNormal(wte.shape, 0, 1, 'float32', 4), 0.3)));
    const prompts = [[10, 11, 12], [13], [14, 15], [16, 17, 18, 19], [20], [21, 22], [23, 24, 25], [26]];
    const options: SampleOptions = { maxNewTokens: 30, temperature: 1, topK: 0, topP: 1, greedy: false, seed: 3, stopTokens: [] };
    const free = await sample(model, prompts, options);
    const before = tf.memory().numTensors;
    // Rows stop at their limits in an order that moves rows from the tail into early gaps, several times.
    const rowLimits = [3, 30, 1, 17, 8, 30, 2, 12];
    const limited = await sample(model, prompts, { ...options, rowLimits });
    assert.equal(tf.memory().numTensors, before, 'the sampler leaves no tensors behind');
    limited.tokens.forEach((row, r) => {
      assert.deepEqual(row, free.tokens[r]!.slice(0, rowLimits[r]), `row ${r} tokens (${positions})`);
      assert.deepEqual(limited.logProbs[r], free.logProbs[r]!.slice(0, rowLimits[r]), `row ${r} log-probs (${positions})`);
    });
    assert.deepEqual(limited.truncated, prompts.map(() => true));
    // The same through stop tokens: a row that stops early changes nothing for the rows still going.
    const stop = free.tokens[0]![1]!;
    const stopped = await sample(model, prompts, { ...options, stopTokens: [stop] });
    stopped.tokens.forEach((row, r) => {
      const at = free.tokens[r]!.indexOf(stop);
      assert.deepEqual(row, at < 0 ? free.tokens[r] : free.tokens[r]!.slice(0, at + 1), `row ${r} with a stop token (${positions})`);
      assert.equal(stopped.truncated[r], at < 0);
    });
    model.dispose();
  }
});
