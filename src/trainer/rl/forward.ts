// Per-token quantities of a model over a list of samples without gradients
// (the reference policy's log-probabilities, PPO's old values), in micro-batches
// that bound memory, returned as plain per-token rows.
import * as tf from '@tensorflow/tfjs-core';
import type { Gpt } from '../model/gpt';
import { tokenLogProbs } from '../model/logprobs';
import { chunks } from '../data/batch';
import { collect, packSamples, type PackedSamples, type PromptCompletion } from './tokens';

/** Padded tokens per forward/backward pass: bounds the memory of one pass (tfjs keeps every intermediate). */
export const MICRO_BATCH_TOKENS = 4096;

/** Consecutive micro-batches of samples, each of at most MICRO_BATCH_TOKENS padded tokens. */
export function microBatches<T extends PromptCompletion>(samples: readonly T[]): T[][] {
  const longest = Math.max(...samples.map((s) => s.prompt.length + s.completion.length));
  return chunks(samples, Math.max(1, Math.floor(MICRO_BATCH_TOKENS / longest)));
}

function perToken(
  model: Gpt,
  samples: readonly PromptCompletion[],
  pad: number,
  compute: (ids: tf.Tensor2D, targets: tf.Tensor2D) => tf.Tensor2D,
): number[][] {
  return microBatches(samples).flatMap((part) => {
    const packed: PackedSamples = packSamples(part, pad, model.config.context);
    const { rows, length, ids, targets } = packed.batch;
    const out = tf.tidy(() => compute(tf.tensor2d(ids, [rows, length], 'int32'), tf.tensor2d(targets, [rows, length], 'int32')));
    const flat = out.dataSync();
    out.dispose();
    return collect(packed, flat);
  });
}

/** log π(token) of every completion token under `model` sampled at `temperature`. */
export function completionLogProbs(model: Gpt, samples: readonly PromptCompletion[], pad: number, temperature: number): number[][] {
  return perToken(model, samples, pad, (ids, targets) => tokenLogProbs(model, ids, targets, { temperature }));
}

/** The value head's estimate at every completion token (the state before the token is chosen). */
export function completionValues(model: Gpt, samples: readonly PromptCompletion[], pad: number): number[][] {
  return perToken(model, samples, pad, (ids) => model.values(ids));
}
