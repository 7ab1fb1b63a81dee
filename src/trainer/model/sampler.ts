// Batched autoregressive generation with a key/value cache. Prompts of different
// lengths are left-padded; each row's positions count from its first real token,
// so a row samples exactly what it would sample alone. Token choice happens in
// JS on the logits of the last position, with the engine's seeded generator (one
// stream per row), so a seed gives the same completions on every backend that
// computes the same logits.

import { Rng } from '../rng';
import { compaction, startDecoder } from './decoder';
import type { Gpt } from './gpt';

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
  /**
   * Per-row limits on new tokens (each at most maxNewTokens): a row that
   * reaches its limit stops as a truncated one. For work of fixed lengths
   * (bench:rl-step gives the engine and its peer the same completion lengths).
   */
  rowLimits?: readonly number[];
}

export interface SampleResult {
  /** New tokens per row, the stop token included when one was reached. */
  tokens: number[][];
  /**
   * log p(token) of each new token under softmax(logits / temperature), without
   * top-k/top-p filtering: at the rollout temperature this is the distribution
   * the samples were drawn from, the policy RL trains (veRL and TRL divide the
   * trainer's logits by the same temperature). Greedy rows use temperature 1.
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
  const pads = prompts.map((p) => longest - p.length);
  const steps = Math.min(options.maxNewTokens, context - longest);
  const stops = new Set(options.stopTokens);
  // One generator per row: a row's draws do not depend on when other rows stop.
  const seeds = Rng.seeded(options.seed);
  const rngs = prompts.map(() => Rng.seeded(seeds.seed()));
  const greedy = options.greedy || options.temperature === 0;

  const limits = prompts.map((_, r) => Math.max(1, Math.min(steps, options.rowLimits?.[r] ?? steps)));
  const tokens: number[][] = prompts.map(() => []);
  const logProbs: number[][] = prompts.map(() => []);
  const stopped = prompts.map(() => false);

  const padded = prompts.map((p, i) => [...new Array<number>(pads[i]!).fill(0), ...p]);
  const decoder = await startDecoder(model, padded, pads, steps);
  const vocab = model.vocabSize;
  const weights = new Float64Array(vocab);
  // The prompt row each decoder row holds: finished rows leave the decoder, so the rest cost no work on them.
  let rowsNow = prompts.map((_, r) => r);
  try {
    for (let step = 0; step < steps; step++) {
      const logits = decoder.logits;
      const fed: number[] = [];
      const live: number[] = [];
      rowsNow.forEach((r, i) => {
        const row = logits.subarray(i * vocab, (i + 1) * vocab);
        const { token, logProb } = greedy ? withLogProb(row, argmax(row), 1) : draw(row, options, rngs[r]!, weights);
        tokens[r]!.push(token);
        logProbs[r]!.push(logProb);
        if (stops.has(token)) stopped[r] = true;
        else if (tokens[r]!.length < limits[r]!) live.push(i);
        fed.push(token);
      });
      if (live.length === 0 || step + 1 === steps) break;
      if (live.length < rowsNow.length) {
        const order = compaction(live, rowsNow.length);
        decoder.keep(order);
        rowsNow = order.map((i) => rowsNow[i]!);
        await decoder.step(order.map((i) => fed[i]!));
      } else {
        await decoder.step(fed);
      }
    }
  } finally {
    decoder.dispose();
  }
  return { tokens, logProbs, truncated: stopped.map((s) => !s) };
}

function argmax(row: Float32Array): number {
  let best = 0;
  for (let i = 1; i < row.length; i++) if (row[i]! > row[best]!) best = i;
  return best;
}

interface Choice {
  token: number;
  /** log softmax(row / temperature)[token], in float64. */
  logProb: number;
}

function withLogProb(row: Float32Array, token: number, temperature: number): Choice {
  let max = -Infinity;
  for (const v of row) if (v > max) max = v;
  let sum = 0;
  for (const v of row) sum += Math.exp((v - max) / temperature);
  return { token, logProb: (row[token]! - max) / temperature - Math.log(sum) };
}

/**
 * A token drawn from softmax(row / temperature) restricted by top-k and top-p.
 * Without either restriction it draws in token order with no sort; `scratch`
 * (vocabulary-sized) holds the weights, and their sum gives the log-probability too.
 */
function draw(row: Float32Array, options: SampleOptions, rng: Rng, scratch: Float64Array): Choice {
  if (options.topK > 0 || options.topP < 1) return withLogProb(row, drawRestricted(row, options, rng), options.temperature);
  let max = -Infinity;
  for (const v of row) if (v > max) max = v;
  let mass = 0;
  for (let i = 0; i < row.length; i++) {
    scratch[i] = Math.exp((row[i]! - max) / options.temperature);
    mass += scratch[i]!;
  }
  let u = uniform(rng) * mass;
  let token = 0;
  while (token < row.length - 1 && (u -= scratch[token]!) >= 0) token++;
  // Rounding can leave a sliver of mass past the end: the last token with any weight then.
  while (token > 0 && scratch[token] === 0) token--;
  return { token, logProb: (row[token]! - max) / options.temperature - Math.log(mass) };
}

/** `draw` under top-k or top-p: sorts the row by likelihood to cut it. */
function drawRestricted(row: Float32Array, options: SampleOptions, rng: Rng): number {
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
  let u = uniform(rng) * mass;
  for (let i = 0; i < count; i++) {
    u -= weights[i]!;
    if (u < 0) return kept[i]!;
  }
  return kept[count - 1]!;
}

/** Uniform in [0, 1) from 31 random bits. */
function uniform(rng: Rng): number {
  return rng.int(0, 0x7fffffff) / 0x80000000;
}
