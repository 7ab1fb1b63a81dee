// Cross-entropy on completion tokens only (the mask of a batch).
import * as tf from '@tensorflow/tfjs-core';
import type { Gpt } from '../model/gpt';
import { tokenLogProbs } from '../model/logprobs';
import { chunks, packSequences, type Batch, type Sequence } from '../data/batch';

/** Summed negative log-likelihood of the batch's masked targets; differentiable in the model's variables. */
export function maskedNll(model: Gpt, batch: Batch): tf.Scalar {
  return tf.tidy(() => {
    const shape: [number, number] = [batch.rows, batch.length];
    const ids = tf.tensor2d(batch.ids, shape, 'int32');
    const targets = tf.tensor2d(batch.targets, shape, 'int32');
    const mask = tf.tensor2d(batch.mask, shape, 'float32');
    return tf.neg(tf.sum(tf.mul(tokenLogProbs(model, ids, targets, { packed: batch.starts }), mask))) as tf.Scalar;
  });
}

/** Mean cross-entropy per completion token over `sequences`, `microBatch` at a time (no gradients). */
export function meanCompletionLoss(model: Gpt, sequences: readonly Sequence[], pad: number, microBatch: number): number {
  let sum = 0;
  let count = 0;
  for (const group of chunks(sequences, microBatch)) {
    const batch = packSequences(group, pad, model.config.context);
    const nll = maskedNll(model, batch);
    sum += nll.dataSync()[0]!;
    nll.dispose();
    count += batch.lossTokens;
  }
  return count === 0 ? 0 : sum / count;
}
