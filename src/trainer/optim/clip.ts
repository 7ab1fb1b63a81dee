// Global-norm gradient clipping.

import * as tf from '@tensorflow/tfjs-core';

/**
 * Scales every gradient in `grads` (in place: entries are replaced, the old
 * tensors disposed) so their joint L2 norm is at most `maxNorm`; returns the
 * norm before clipping. `maxNorm` <= 0 only measures.
 */
export function clipGradNorm(grads: Map<string, tf.Tensor>, maxNorm: number): number {
  const squared = tf.tidy(() => tf.addN([...grads.values()].map((g) => tf.sum(tf.square(g)))));
  const norm = Math.sqrt(squared.dataSync()[0]!);
  squared.dispose();
  if (maxNorm > 0 && norm > maxNorm) {
    const scale = maxNorm / (norm + 1e-6);
    for (const [name, grad] of grads) {
      grads.set(name, tf.tidy(() => tf.mul(grad, scale)));
      grad.dispose();
    }
  }
  return norm;
}
