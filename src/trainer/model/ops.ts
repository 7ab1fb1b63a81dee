// The operations the model is built from, each fast on WASM: `linear` (a plain
// 2-D matMul with a written-out gradient, since tfjs's own uses transpose flags
// that run ~10x slower), embedding lookups that gather rows, LayerNorm and GELU
// (fused WebAssembly kernels where tensors live in this process, tfjs ops with
// written-out gradients elsewhere), and the rotary rotation.
import * as tf from '@tensorflow/tfjs-core';
import { fusedGelu, fusedLayerNorm, fusedWeightGradient } from './fused';
import type { WideRotary } from './positions';
import { arrayBackend } from './tensor-arrays';

export const LAYER_NORM_EPS = 1e-5;

/**
 * x · w for 2-D x [N, in] and w [in, out], with a gradient that multiplies
 * explicitly transposed operands so backward stays on the fast matMul path too;
 * the weight gradient xᵀ·dy runs as a fused kernel where one applies (fused.ts).
 */
export const linear = tf.customGrad((...inputs: Array<tf.Tensor | tf.GradSaveFunc>) => {
  const [x, w, save] = inputs as [tf.Tensor2D, tf.Tensor2D, tf.GradSaveFunc];
  save([x, w]);
  return {
    value: tf.matMul(x, w),
    gradFunc: (dy: tf.Tensor2D, saved: tf.Tensor[]) => {
      const [xs, ws] = saved as [tf.Tensor2D, tf.Tensor2D];
      return [tf.matMul(dy, tf.transpose(ws)), weightGradient(xs, dy)];
    },
  };
}) as (x: tf.Tensor2D, w: tf.Tensor2D | tf.Variable) => tf.Tensor2D;

/** xᵀ·dy [in, out], the gradient of x·W for x [N, in] and dy [N, out]. */
export function weightGradient(x: tf.Tensor2D, dy: tf.Tensor2D): tf.Tensor2D {
  return arrayBackend() ? fusedWeightGradient(x, dy) : tf.matMul(tf.transpose(x), dy);
}

/**
 * Rows of `table` [V, D] picked by int32 ids (any shape), [ids.size, D]: a
 * gather, with the table's gradient oneHot(ids)ᵀ·dy written out (gather's own
 * gradient needs a kernel WASM lacks). The one-hot product it replaces ran
 * ~4 GFLOP/s on WASM for a 102-token vocabulary and also paid for a gradient
 * of the one-hot rows that nothing reads.
 */
export const embed = tf.customGrad((...inputs: Array<tf.Tensor | tf.GradSaveFunc>) => {
  const [ids, table, save] = inputs as [tf.Tensor, tf.Tensor2D, tf.GradSaveFunc];
  const flat = tf.reshape(ids, [-1]) as tf.Tensor1D;
  save([flat]);
  return {
    value: tf.gather(table, flat) as tf.Tensor2D,
    gradFunc: (dy: tf.Tensor2D, saved: tf.Tensor[]) => [tf.zerosLike(ids), weightGradient(oneHot(saved[0]!, table.shape[0]), dy)],
  };
}) as (ids: tf.Tensor, table: tf.Tensor2D | tf.Variable) => tf.Tensor2D;

/** x · w without gradient bookkeeping, for inference passes. */
export function product(x: tf.Tensor2D, w: tf.Tensor2D | tf.Variable): tf.Tensor2D {
  return tf.matMul(x, w as tf.Tensor2D);
}

/**
 * One-hot float rows [B*T, depth] of int32 ids [B, T], for embedding lookups as
 * products. The cast is needed: WASM's OneHot writes int32 data whatever dtype is asked for.
 */
export function oneHot(ids: tf.Tensor, depth: number): tf.Tensor2D {
  return tf.cast(tf.oneHot(tf.reshape(ids, [-1]) as tf.Tensor1D, depth), 'float32') as tf.Tensor2D;
}

/** LayerNorm over the last axis: fused kernels where they apply (fused.ts), tfjs ops elsewhere. */
export function layerNorm(x: tf.Tensor2D, weight: tf.Tensor | tf.Variable, bias: tf.Tensor | tf.Variable): tf.Tensor2D {
  return arrayBackend() ? fusedLayerNorm(x, weight, bias, LAYER_NORM_EPS) : layerNormOps(x, weight, bias);
}

/** LayerNorm in tfjs ops, its gradient written out (autodiff of the moments takes about twice the kernels). */
export const layerNormOps = tf.customGrad((...inputs: Array<tf.Tensor | tf.GradSaveFunc>) => {
  const [x, weight, bias, save] = inputs as [tf.Tensor2D, tf.Tensor1D, tf.Tensor1D, tf.GradSaveFunc];
  const centered = tf.sub(x, tf.mean(x, 1, true));
  const rstd = tf.rsqrt(tf.add(tf.mean(tf.square(centered), 1, true), LAYER_NORM_EPS));
  const normed = tf.mul(centered, rstd);
  save([normed, rstd]);
  return {
    value: tf.add(tf.mul(normed, weight), bias) as tf.Tensor2D,
    gradFunc: (dy: tf.Tensor2D, saved: tf.Tensor[]) => {
      const [n, r] = saved as [tf.Tensor2D, tf.Tensor2D];
      const dn = tf.mul(dy, weight);
      // dx = rstd·(dn - mean(dn) - n·mean(dn⊙n))
      const dx = tf.mul(r, tf.sub(tf.sub(dn, tf.mean(dn, 1, true)), tf.mul(n, tf.mean(tf.mul(dn, n), 1, true))));
      return [dx, tf.sum(tf.mul(dy, n), 0), tf.sum(dy, 0)];
    },
  };
}) as (x: tf.Tensor2D, weight: tf.Tensor | tf.Variable, bias: tf.Tensor | tf.Variable) => tf.Tensor2D;

const GELU_K = Math.sqrt(2 / Math.PI);
const GELU_C = 0.044715;

/** GELU, tanh approximation (GPT-2; PyTorch `gelu(approximate='tanh')`): fused kernels where they apply (fused.ts), tfjs ops elsewhere. */
export function gelu(x: tf.Tensor2D): tf.Tensor2D {
  return arrayBackend() ? fusedGelu(x) : geluOps(x);
}

/**
 * GELU in tfjs ops, in the equal form x·σ(2k(x + c·x³)): WASM's sigmoid is
 * vectorised, its tanh is ~15x slower. The derivative is written out: fewer
 * kernels and saved tensors than autodiff.
 */
export const geluOps = tf.customGrad((...inputs: Array<tf.Tensor | tf.GradSaveFunc>) => {
  const [x, save] = inputs as [tf.Tensor2D, tf.GradSaveFunc];
  const square = tf.square(x);
  const s = tf.sigmoid(tf.mul(tf.mul(x, tf.add(tf.mul(square, GELU_C), 1)), 2 * GELU_K));
  save([x, square, s]);
  return {
    value: tf.mul(x, s) as tf.Tensor2D,
    gradFunc: (dy: tf.Tensor2D, saved: tf.Tensor[]) => {
      const [xs, sq, ss] = saved as [tf.Tensor2D, tf.Tensor2D, tf.Tensor2D];
      // d/dx = s + x·s(1 - s)·2k(1 + 3c·x²)
      const slope = tf.mul(tf.add(tf.mul(sq, 3 * GELU_C), 1), 2 * GELU_K);
      const inner = tf.mul(tf.mul(xs, tf.mul(ss, tf.sub(1, ss))), slope);
      return tf.mul(dy, tf.add(ss, inner));
    },
  };
}) as (x: tf.Tensor2D) => tf.Tensor2D;

/**
 * Each head's two halves of x [N, D] swapped (columns picked by `swap`). The swap
 * is its own inverse, so it is its own gradient too (gather has none on WASM).
 */
const swapHalves = tf.customGrad((...inputs: Array<tf.Tensor | tf.GradSaveFunc>) => {
  const [x, swap] = inputs as [tf.Tensor2D, tf.Tensor1D];
  return {
    value: tf.gather(x, swap, 1) as tf.Tensor2D,
    gradFunc: (dy: tf.Tensor2D) => [tf.gather(dy, swap, 1), tf.zerosLike(swap)],
  };
}) as (x: tf.Tensor2D, swap: tf.Tensor1D) => tf.Tensor2D;

/** Rotary factors per token and channel [B*T, D], rows picked from `WideRotary`'s tables. */
export interface Rotation {
  cos: tf.Tensor2D;
  sin: tf.Tensor2D;
}

/** Rotate-half rotary embedding of x [B*T, D] within each head: x⊙cos + swapHalves(x)⊙sin. */
export function applyRotary(x: tf.Tensor2D, { cos, sin }: Rotation, swap: WideRotary['swap']): tf.Tensor2D {
  return tf.add(tf.mul(x, cos), tf.mul(swapHalves(x, swap), sin)) as tf.Tensor2D;
}
