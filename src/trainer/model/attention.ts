// Causal multi-head attention over 2-D activations, fast on WASM.
//
// Training and other full-sequence passes attend within blocks of rows (one
// block per sequence, causal inside it). On the WASM and pure-JS CPU backends
// a layer's forward and backward each run in one call of block-attention.wat's
// SIMD kernels, over the lower triangle only; the probabilities are kept (as a
// tensor, only while a gradient tape records) for the backward. tfjs-node
// keeps tfjs ops (`tensorBlockAttention`), so GPU backends keep their data on
// the device.
//
// The tensor form: WASM runs only a plain 2-D matMul (batch 1, no transpose
// flags) on XNNPACK, a batched or transposed one about 10x slower, so it
// computes one (sequence, head) block at a time as 2-D products, with its
// gradient written out by hand (tf.customGrad): automatic gradients of the
// slices would each allocate a full-size padded tensor. Blocks are cut with
// column slices of the [B*T, D] activations.
//
// Decoding with a key/value cache (one new position per step) and other short
// inference chunks keep the batched 4-D form with the native transpose flag:
// their products are tiny and one call beats B*H small ones.

import * as tf from '@tensorflow/tfjs-core';
import { BlockAttentionKernels } from './block-attention';
import { timed } from './kernel-clock';
import { kernelThreads } from './kernel-pool';
import { arrayBackend, tensorOfValues, tensorValues } from './tensor-arrays';

/**
 * A run of consecutive rows of the [N, D] activations that attend among
 * themselves causally; `mask` [length, length] is that causal mask (additive,
 * for the tensor form).
 */
export interface AttentionBlock {
  offset: number;
  length: number;
  mask: tf.Tensor2D;
}

/**
 * softmax(q·kᵀ/√hd + mask)·v for q, k, v [N, D] (heads side by side in D),
 * computed block by block: `blocks` tile the N rows in order, one block per
 * sequence (a padded row's padding, or one of the sequences packed into a
 * row), so no work is spent on pairs of tokens that cannot see each other.
 * Returns [N, D].
 */
export function blockAttention(q: tf.Tensor2D, k: tf.Tensor2D, v: tf.Tensor2D, blocks: readonly AttentionBlock[], heads: number): tf.Tensor2D {
  return arrayBackend() ? kernelBlockAttention(q, k, v, blocks, heads) : tensorBlockAttention(q, k, v, blocks, heads);
}

/**
 * blockAttention of q, k and v side by side in one [N, 3D] tensor (the fused
 * projection's output): on the kernels, no split of it and no concat of the
 * three gradients.
 */
export function packedBlockAttention(qkv: tf.Tensor2D, blocks: readonly AttentionBlock[], heads: number): tf.Tensor2D {
  if (arrayBackend()) return kernelAttention([qkv], blocks, heads);
  const [q, k, v] = tf.split(qkv, 3, 1) as [tf.Tensor2D, tf.Tensor2D, tf.Tensor2D];
  return tensorBlockAttention(q, k, v, blocks, heads);
}

/** blockAttention on block-attention.wat (the wasm and cpu backends). */
export function kernelBlockAttention(q: tf.Tensor2D, k: tf.Tensor2D, v: tf.Tensor2D, blocks: readonly AttentionBlock[], heads: number): tf.Tensor2D {
  return kernelAttention([q, k, v], blocks, heads);
}

/** The kernels' memory, made on first use. */
let kernels: BlockAttentionKernels | null = null;

/** Attention on the kernels of [q, k, v] ([N, D] each) or [qkv] ([N, 3D]); gradients in the same form. */
function kernelAttention(tensors: tf.Tensor2D[], blocks: readonly AttentionBlock[], heads: number): tf.Tensor2D {
  kernels ??= new BlockAttentionKernels();
  const run = kernels;
  const [rows, columns] = tensors[0]!.shape;
  const width = tensors.length === 1 ? columns / 3 : columns;
  const arrays = (xs: tf.Tensor[]) =>
    xs.length === 1 ? { qkv: tensorValues(xs[0]!) } : { q: tensorValues(xs[0]!), k: tensorValues(xs[1]!), v: tensorValues(xs[2]!) };
  const threads = kernelThreads();
  // Forward-only passes (evaluation, log-probs without gradients) keep no probabilities.
  const recording = tf.engine().isTapeOn();
  const attend = tf.customGrad((...inputs: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const xs = inputs.slice(0, -1) as tf.Tensor2D[];
    const save = inputs.at(-1) as tf.GradSaveFunc;
    const { value, probabilities } = timed('attention', () => {
      const { out, probabilities } = run.forward(arrays(xs), rows, width, heads, blocks, threads);
      return { value: tensorOfValues<tf.Rank.R2>(out, [rows, width]), probabilities: recording ? tensorOfValues(probabilities, [probabilities.length]) : null };
    });
    if (probabilities) save([...xs, probabilities]);
    return {
      value,
      gradFunc: (dy: tf.Tensor2D, saved: tf.Tensor[]) => {
        const probs = saved.at(-1)!;
        return timed('attention backward', () => {
          const grads = run.backward(arrays(saved.slice(0, -1)), tensorValues(dy), tensorValues(probs), rows, width, heads, blocks, threads);
          if ('dqkv' in grads) return [tensorOfValues(grads.dqkv, [rows, 3 * width])];
          return [grads.dq, grads.dk, grads.dv].map((g) => tensorOfValues(g, [rows, width]));
        });
      },
    };
  }) as (...xs: tf.Tensor2D[]) => tf.Tensor2D;
  return attend(...tensors);
}

/** blockAttention as tfjs ops, one 2-D product per (block, head): tfjs-node, and the reference for the kernels. */
export function tensorBlockAttention(q: tf.Tensor2D, k: tf.Tensor2D, v: tf.Tensor2D, blocks: readonly AttentionBlock[], heads: number): tf.Tensor2D {
  const width = q.shape[1];
  const hd = width / heads;
  const scale = 1 / Math.sqrt(hd);
  const block = (m: tf.Tensor2D, i: number, h: number) => tf.slice(m, [blocks[i]!.offset, h * hd], [blocks[i]!.length, hd]) as tf.Tensor2D;
  /** Reassembles per-(block, head) results [length, hd] into [N, D]. */
  const assemble = (parts: tf.Tensor2D[][]) =>
    tf.concat(parts.map((row) => (row.length === 1 ? row[0]! : tf.concat(row, 1))), 0) as tf.Tensor2D;

  const run = tf.customGrad((...inputs: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const [qs, ks, vs, save] = inputs as [tf.Tensor2D, tf.Tensor2D, tf.Tensor2D, tf.GradSaveFunc];
    const scaled = tf.mul(qs, scale) as tf.Tensor2D;
    const weights: tf.Tensor2D[] = [];
    const out: tf.Tensor2D[][] = [];
    for (let b = 0; b < blocks.length; b++) {
      const row: tf.Tensor2D[] = [];
      const mask = blocks[b]!.mask;
      for (let h = 0; h < heads; h++) {
        const scores = tf.add(tf.matMul(block(scaled, b, h), tf.transpose(block(ks, b, h))), mask);
        const w = tf.softmax(scores) as tf.Tensor2D;
        weights.push(w);
        row.push(tf.matMul(w, block(vs, b, h)));
      }
      out.push(row);
    }
    save([qs, ks, vs, ...weights]);
    return {
      value: assemble(out),
      gradFunc: (dy: tf.Tensor2D, saved: tf.Tensor[]) => {
        const [sq, sk, sv, ...ws] = saved as [tf.Tensor2D, tf.Tensor2D, tf.Tensor2D, ...tf.Tensor2D[]];
        const dq: tf.Tensor2D[][] = [];
        const dk: tf.Tensor2D[][] = [];
        const dv: tf.Tensor2D[][] = [];
        for (let b = 0; b < blocks.length; b++) {
          const rq: tf.Tensor2D[] = [];
          const rk: tf.Tensor2D[] = [];
          const rv: tf.Tensor2D[] = [];
          for (let h = 0; h < heads; h++) {
            const w = ws[b * heads + h]!;
            const g = block(dy, b, h);
            rv.push(tf.matMul(tf.transpose(w), g));
            const dw = tf.matMul(g, tf.transpose(block(sv, b, h)));
            // softmax backward: ds = w ⊙ (dw - Σ_j dw⊙w)
            const ds = tf.mul(w, tf.sub(dw, tf.sum(tf.mul(dw, w), 1, true))) as tf.Tensor2D;
            rq.push(tf.matMul(ds, block(sk, b, h)));
            rk.push(tf.matMul(tf.transpose(ds), block(sq, b, h)));
          }
          dq.push(rq);
          dk.push(rk);
          dv.push(rv);
        }
        // Scores are (scale·q)·kᵀ: both dq and dk carry the scale.
        return [tf.mul(assemble(dq), scale), tf.mul(assemble(dk), scale), assemble(dv)];
      },
    };
  }) as (q: tf.Tensor2D, k: tf.Tensor2D, v: tf.Tensor2D) => tf.Tensor2D;
  return run(q, k, v);
}

/** softmax(q·kᵀ/√hd + mask)·v for 4-D q [B, H, Tq, hd], k and v [B, H, Tk, hd] (decoding). */
export function batchedAttention(q: tf.Tensor4D, k: tf.Tensor4D, v: tf.Tensor4D, mask: tf.Tensor): tf.Tensor4D {
  const scores = tf.add(tf.mul(tf.matMul(q, k, false, true), 1 / Math.sqrt(q.shape[3])), mask);
  return tf.matMul(tf.softmax(scores) as tf.Tensor4D, v);
}
