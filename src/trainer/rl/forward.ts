// Per-token quantities of a model over a list of samples without gradients
// (the reference policy's log-probabilities, PPO's old values), in packed
// micro-batches that bound memory, returned as plain per-token rows.
import * as tf from '@tensorflow/tfjs-core';
import type { Gpt } from '../model/gpt';
import { tokenLogProbs } from '../model/logprobs';
import { collect, packedMicroBatches, type PromptCompletion } from './tokens';

/** Input tokens per forward/backward pass, padding included: bounds the memory of one pass (tfjs keeps every intermediate). */
export const MICRO_BATCH_TOKENS = 4096;

/** `samples` packed side by side for `model`, in micro-batches of at most MICRO_BATCH_TOKENS inputs. */
export function microBatches<T extends PromptCompletion>(model: Gpt, samples: readonly T[], pad: number) {
  return packedMicroBatches(samples, pad, model.config.context, MICRO_BATCH_TOKENS);
}

function perToken(
  model: Gpt,
  samples: readonly PromptCompletion[],
  pad: number,
  compute: (ids: tf.Tensor2D, targets: tf.Tensor2D, starts: number[][]) => tf.Tensor2D,
): number[][] {
  // Results come back in the order the samples were given.
  const out: number[][] = [];
  for (const part of microBatches(model, samples, pad)) {
    const { rows, length, ids, targets, starts } = part.packed.batch;
    const values = tf.tidy(() =>
      compute(tf.tensor2d(ids, [rows, length], 'int32'), tf.tensor2d(targets, [rows, length], 'int32'), starts!),
    );
    const flat = values.dataSync();
    values.dispose();
    collect(part.packed, flat).forEach((row, i) => (out[part.indices[i]!] = row));
  }
  return out;
}

/** log π(token) of every completion token under `model` sampled at `temperature`. */
export function completionLogProbs(model: Gpt, samples: readonly PromptCompletion[], pad: number, temperature: number): number[][] {
  return perToken(model, samples, pad, (ids, targets, packed) => tokenLogProbs(model, ids, targets, { packed, temperature }));
}

/** The value head's estimate at every completion token (the state before the token is chosen). */
export function completionValues(model: Gpt, samples: readonly PromptCompletion[], pad: number): number[][] {
  return perToken(model, samples, pad, (ids, _, packed) => model.values(ids, null, packed));
}
