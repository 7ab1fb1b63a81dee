// Batched autoregressive generation with a key/value cache. Prompts of different
// lengths are left-padded; each row's positions count from its first real token,
// so a row samples exactly what it would sample alone. Token choice happens in
// JS on the logits of the last position, with the engine's seeded generator (one
// stream per row), so a seed gives the same completions on every backend that
// computes the same logits.

import * as tf from '@tensorflow/tfjs-core';
import { Rng } from '../rng';
import type { Gpt, KvCache } from './gpt';

export interface SampleOptions {
  maxNewTokens: number;
  /** Softmax temperature; 0 means greedy. */
  temperature: number;
  /** Keep only the k most likely tokens (0 = all). */
  topK: number;
  /** Keep the smallest set of most likely tokens whose probability reaches p (1 = all). */
  topP: number;
  greedy: boolean;
  seed: number;
  /** A row stops after emitting one of these (it is included in its tokens). */
  stopTokens: number[];
}

export interface SampleResult {
  /** New tokens per row, the stop token included when one was reached. */
  tokens: number[][];
  /**
   * log p(token) of each new token under the model's own distribution at
   * temperature 1 without top-k/top-p filtering: the policy probability RL needs,
   * whatever the sampling settings were.
   */
  logProbs: number[][];
  /** Rows that hit maxNewTokens or the model context before a stop token. */
  truncated: boolean[];
}

export async function sample(model: Gpt, prompts: number[][], options: SampleOptions): Promise<SampleResult> {
  const { context } = model.config;
  if (prompts.length === 0) return { tokens: [], logProbs: [], truncated: [] };
  const longest = Math.max(...prompts.map((p) => p.length));
  prompts.forEach((p, i) => {
    if (p.length === 0) throw new Error(`prompt ${i} is empty: every prompt needs at least one token`);
  });
  if (longest >= context) {
    throw new Error(`a prompt of ${longest} tokens leaves no room to generate in a context of ${context}`);
  }
  const rows = prompts.length;
  const pads = prompts.map((p) => longest - p.length);
  const steps = Math.min(options.maxNewTokens, context - longest);
  const stops = new Set(options.stopTokens);
  // One generator per row: a row's draws do not depend on when other rows stop.
  const seeds = Rng.seeded(options.seed);
  const rngs = prompts.map(() => Rng.seeded(seeds.seed()));
  const greedy = options.greedy || options.temperature === 0;

  const tokens: number[][] = prompts.map(() => []);
  const logProbs: number[][] = prompts.map(() => []);
  const done = prompts.map(() => false);

  const padded = prompts.flatMap((p, i) => [...new Array<number>(pads[i]!).fill(0), ...p]);
  let input = tf.tensor2d(padded, [rows, longest], 'int32');
  let cache: KvCache | null = null;
  try {
    for (let step = 0; step < steps; step++) {
      const next: { logits: tf.Tensor2D; cache: KvCache } = model.extend(input, pads, cache);
      input.dispose();
      if (cache) disposeCache(cache);
      cache = next.cache;
      const logits = await next.logits.data();
      next.logits.dispose();
      const vocab = model.vocabSize;
      const fed: number[] = [];
      for (let r = 0; r < rows; r++) {
        if (done[r]) {
          fed.push(0);
          continue;
        }
        const row = logits.subarray(r * vocab, (r + 1) * vocab) as Float32Array;
        const token = greedy ? argmax(row) : draw(row, options, rngs[r]!);
        tokens[r]!.push(token);
        logProbs[r]!.push(logProbAt(row, token));
        if (stops.has(token)) done[r] = true;
        fed.push(token);
      }
      input = tf.tensor2d(fed, [rows, 1], 'int32');
      if (done.every(Boolean)) break;
    }
  } finally {
    input.dispose();
    if (cache) disposeCache(cache);
  }
  return { tokens, logProbs, truncated: done.map((d) => !d) };
}

function disposeCache(cache: KvCache): void {
  tf.dispose([...cache.keys, ...cache.values]);
}

function argmax(row: Float32Array): number {
  let best = 0;
  for (let i = 1; i < row.length; i++) if (row[i]! > row[best]!) best = i;
  return best;
}

/** log softmax(row)[token], in float64. */
function logProbAt(row: Float32Array, token: number): number {
  let max = -Infinity;
  for (const v of row) if (v > max) max = v;
  let sum = 0;
  for (const v of row) sum += Math.exp(v - max);
  return row[token]! - max - Math.log(sum);
}

/** A token drawn from softmax(row / temperature) restricted by top-k and top-p. */
function draw(row: Float32Array, options: SampleOptions, rng: Rng): number {
  const order = Array.from(row.keys()).sort((a, b) => row[b]! - row[a]! || a - b);
  const kept = options.topK > 0 ? order.slice(0, options.topK) : order;
  const max = row[kept[0]!]!;
  const weights = kept.map((i) => Math.exp((row[i]! - max) / options.temperature));
  const total = weights.reduce((a, b) => a + b, 0);
  let count = kept.length;
  if (options.topP < 1) {
    let cumulative = 0;
    for (let i = 0; i < kept.length; i++) {
      cumulative += weights[i]! / total;
      if (cumulative >= options.topP) {
        count = i + 1;
        break;
      }
    }
  }
  const mass = weights.slice(0, count).reduce((a, b) => a + b, 0);
  let u = (rng.int(0, 0x7fffffff) / 0x80000000) * mass;
  for (let i = 0; i < count; i++) {
    u -= weights[i]!;
    if (u < 0) return kept[i]!;
  }
  return kept[count - 1]!;
}
