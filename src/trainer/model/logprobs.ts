// Per-token log-probabilities and entropies under the model, differentiable.
// Target selection is a one-hot product rather than a gather: gather has no
// gradient on WASM.

import * as tf from '@tensorflow/tfjs-core';
import { oneHot, type Gpt } from './gpt';

/**
 * log p(target[b,t] | ids[b,..t]) for int32 ids and targets [B, T] -> [B, T];
 * `pads` or `packed` as in `Gpt.logits`.
 */
export function tokenLogProbs(model: Gpt, ids: tf.Tensor2D, targets: tf.Tensor2D, pads: number[] | null = null, packed: number[][] | null = null): tf.Tensor2D {
  return tf.tidy(() => logProbsOf(model.logits(ids, pads, packed), targets));
}

/** Entropy (nats) of the next-token distribution at every position [B, T]. */
export function tokenEntropy(model: Gpt, ids: tf.Tensor2D, pads: number[] | null = null): tf.Tensor2D {
  return tf.tidy(() => entropyOf(model.logits(ids, pads)));
}

/** Log-probabilities of `targets` [B, T] under logits [B, T, V]. */
export function logProbsOf(logits: tf.Tensor3D, targets: tf.Tensor2D): tf.Tensor2D {
  return tf.tidy(() => {
    const logp = tf.logSoftmax(logits);
    const picked = tf.reshape(oneHot(targets, logits.shape[2]), logits.shape);
    return tf.sum(tf.mul(logp, picked), -1) as tf.Tensor2D;
  });
}

/** Entropy of the distributions given by logits [B, T, V] -> [B, T]. */
export function entropyOf(logits: tf.Tensor3D): tf.Tensor2D {
  return tf.tidy(() => {
    const logp = tf.logSoftmax(logits);
    return tf.neg(tf.sum(tf.mul(tf.exp(logp), logp), -1)) as tf.Tensor2D;
  });
}
