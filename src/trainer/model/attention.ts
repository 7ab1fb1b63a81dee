// Causal multi-head attention over 2-D activations, fast on WASM.
//
// WASM runs only a plain 2-D matMul (batch 1, no transpose flags) on XNNPACK;
// a batched or transposed one runs a generic loop about 10x slower, and the
// batched products of attention took most of a training step. So attention is
// computed one (sequence, head) block at a time as 2-D products, with its
// gradient written out by hand (tf.customGrad): automatic gradients of the
// slices would each allocate a full-size padded tensor. Blocks are cut with
// column slices of the [B*T, D] activations, which WASM copies natively (a
// slice of whole leading rows goes through a slower full-buffer read).
//
// Decoding with a key/value cache (one new position per step) and other short
// inference chunks keep the batched 4-D form with the native transpose flag:
// their products are tiny and one call beats B*H small ones.

import * as tf from '@tensorflow/tfjs-core';

/** A run of consecutive rows of the [N, D] activations that attend among themselves under `mask` [length, length]. */
export interface AttentionBlock {
  offset: number;
  length: number;
  mask: tf.Tensor2D;
}

/**
 * softmax(q·kᵀ/√hd + mask)·v for q, k, v [N, D] (heads side by side in D),
 * computed block by block: `blocks` tile the N rows in order, one block per
 * sequence (a padded row, or one of the sequences packed into a row), so no
 * work is spent on pairs of tokens that cannot see each other. Returns [N, D].
 */
export function blockAttention(q: tf.Tensor2D, k: tf.Tensor2D, v: tf.Tensor2D, blocks: readonly AttentionBlock[], heads: number): tf.Tensor2D {
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
        const [sq, sk, sv, ...ws] = saved as tf.Tensor2D[];
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
