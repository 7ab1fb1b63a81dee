// The two batched products of attention, q·kᵀ and weights·v, over [B, H, T, hd].

import * as tf from '@tensorflow/tfjs-core';

/** Scaled scores q·kᵀ [B, H, Tq, Tk]. */
export function attentionScores(q: tf.Tensor4D, k: tf.Tensor4D, scale: number): tf.Tensor4D {
  return tf.mul(tf.matMul(q, k, false, true), scale) as tf.Tensor4D;
}

/** Weighted values weights·v [B, H, Tq, hd]. */
export function attentionMix(weights: tf.Tensor4D, v: tf.Tensor4D): tf.Tensor4D {
  return tf.matMul(weights, v);
}
