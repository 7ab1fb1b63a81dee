// Per-token log-probabilities and entropies under the model, differentiable.
// Target selection is a one-hot product rather than a gather: gather has no
// gradient on WASM.

import * as tf from '@tensorflow/tfjs-core';
import type { Gpt } from './gpt';
import { oneHot } from './ops';

/**
 * log p(target[b,t] | ids[b,..t]) for int32 ids and targets [B, T] -> [B, T]
 * under softmax(logits / temperature); `pads` or `packed` as in `Gpt.logits`.
 */
export function tokenLogProbs(
  model: Gpt,
  ids: tf.Tensor2D,
  targets: tf.Tensor2D,
  { pads = null, packed = null, temperature = 1 }: { pads?: number[] | null; packed?: number[][] | null; temperature?: number } = {},
): tf.Tensor2D {
  return tf.tidy(() => logProbsOf(tempered(model.logits(ids, pads, packed), temperature), targets));
}

/**
 * Logits of the distribution samples are drawn from at `temperature`: RL
 * trains (and measures its KL on) softmax(logits / T), the policy that wrote
 * the rollouts, as veRL and TRL do.
 */
export function tempered(logits: tf.Tensor3D, temperature: number): tf.Tensor3D {
  return temperature === 1 ? logits : tf.div(logits, temperature);
}

/** Entropy (nats) of the next-token distribution at every position [B, T]. */
export function tokenEntropy(model: Gpt, ids: tf.Tensor2D, pads: number[] | null = null): tf.Tensor2D {
  return tf.tidy(() => entropyOf(model.logits(ids, pads)));
}

/** Log-probabilities of `targets` [B, T] under logits [B, T, V]. */
export function logProbsOf(logits: tf.Tensor3D, targets: tf.Tensor2D): tf.Tensor2D {
  return tf.tidy(() => pickedLogProbs(logits, tf.reshape(oneHot(targets, logits.shape[2]), logits.shape) as tf.Tensor3D));
}

/**
 * Σ_v picked·log softmax(logits) over the last axis, for one-hot `picked`
 * [B, T, V], with its gradient written out: dy·(picked - softmax). The forward
 * keeps the probabilities, so the backward needs no second exp (WASM's Exp is
 * scalar, the costliest kernel of the loss) and three kernels instead of the
 * ~8 of log-softmax's automatic gradient.
 */
const pickedLogProbs = tf.customGrad((...inputs: Array<tf.Tensor | tf.GradSaveFunc>) => {
  const [logits, picked, save] = inputs as [tf.Tensor3D, tf.Tensor3D, tf.GradSaveFunc];
  const shifted = tf.sub(logits, tf.max(logits, -1, true));
  const exps = tf.exp(shifted);
  const total = tf.sum(exps, -1, true);
  save([tf.div(exps, total), picked]);
  return {
    value: tf.sub(tf.sum(tf.mul(shifted, picked), -1), tf.log(tf.squeeze(total, [2]))) as tf.Tensor2D,
    gradFunc: (dy: tf.Tensor2D, saved: tf.Tensor[]) => {
      const [probs, onehot] = saved as [tf.Tensor3D, tf.Tensor3D];
      return [tf.mul(tf.expandDims(dy, 2), tf.sub(onehot, probs)), tf.zerosLike(onehot)];
    },
  };
}) as (logits: tf.Tensor3D, picked: tf.Tensor3D) => tf.Tensor2D;

/** Entropy of the distributions given by logits [B, T, V] -> [B, T]. */
export function entropyOf(logits: tf.Tensor3D): tf.Tensor2D {
  return tf.tidy(() => {
    const logp = tf.logSoftmax(logits);
    return tf.neg(tf.sum(tf.mul(tf.exp(logp), logp), -1)) as tf.Tensor2D;
  });
}
