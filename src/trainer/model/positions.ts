// Where each token sits: rotary position tables, the position of every token of
// a chunk in its own sequence, and the attention masks that keep sequences
// (and left padding) apart. A row's `starts` list where its sequences begin,
// ascending: a token sees only its own sequence and counts its position from
// that sequence's start. Left padding is a row whose one sequence starts after
// the padding; several starts are sequences packed side by side.
import * as tf from '@tensorflow/tfjs-core';

const ROTARY_BASE = 10000;
const MASKED = -1e9;

/** The rotary angle of channel pair i at position p: p / base^(2i/hd). */
function angle(p: number, i: number, headDim: number): number {
  return p / ROTARY_BASE ** ((2 * i) / headDim);
}

/** cos and sin of every position's angles, [context, hd/2] each (the decoder rotates one head at a time). */
export function rotaryTables(context: number, headDim: number): { cos: Float32Array; sin: Float32Array } {
  const half = headDim / 2;
  const cos = new Float32Array(context * half);
  const sin = new Float32Array(context * half);
  for (let p = 0; p < context; p++) {
    for (let i = 0; i < half; i++) {
      cos[p * half + i] = Math.cos(angle(p, i, headDim));
      sin[p * half + i] = Math.sin(angle(p, i, headDim));
    }
  }
  return { cos, sin };
}

/**
 * Rotary tables laid out like the [N, D] activations, so rotating q and k is two
 * same-shape products and a column swap (fast 2-D kernels) instead of 4-D
 * broadcasts, splits and concats per head: x' = x⊙cos + swapHalves(x)⊙sin.
 */
export interface WideRotary {
  /** [context, D]: cos θ of each head's channel pair, in both halves. */
  cos: tf.Tensor2D;
  /** [context, D]: −sin θ in each head's first half, +sin θ in its second (rotate-half's sign). */
  sin: tf.Tensor2D;
  /** Column i of swapHalves(x) is column swap[i] of x. */
  swap: tf.Tensor1D;
}

export function wideRotaryTables(context: number, headDim: number, heads: number): WideRotary {
  const half = headDim / 2;
  const width = headDim * heads;
  const cos = new Float32Array(context * width);
  const sin = new Float32Array(context * width);
  for (let p = 0; p < context; p++) {
    for (let h = 0; h < heads; h++) {
      for (let i = 0; i < half; i++) {
        const first = p * width + h * headDim + i;
        cos[first] = cos[first + half] = Math.cos(angle(p, i, headDim));
        sin[first] = -Math.sin(angle(p, i, headDim));
        sin[first + half] = Math.sin(angle(p, i, headDim));
      }
    }
  }
  const swap = Int32Array.from({ length: width }, (_, c) => (c % headDim < half ? c + half : c - half));
  return { cos: tf.tensor2d(cos, [context, width]), sin: tf.tensor2d(sin, [context, width]), swap: tf.tensor1d(swap, 'int32') };
}

/** Row starts for per-row left padding (null when no row is padded). */
export function padStarts(pads: number[] | null): number[][] | null {
  return pads ? pads.map((p) => [p]) : null;
}

/**
 * Where the sequence holding absolute position `p` of a row starts: the last of
 * `starts` at or before p. Before the first start (left padding) it is the first
 * start, so padding sees nothing and sits at position 0.
 */
function sequenceStart(starts: number[] | undefined, p: number): number {
  if (!starts || starts.length === 0) return 0;
  let found = starts[0]!;
  for (const s of starts) {
    if (s > p) break;
    found = s;
  }
  return found;
}

/** Position of each token of a chunk of T tokens at `start`, [B, T]: its index in its own sequence (0 on padding). */
export function positionIds(b: number, t: number, start: number, starts: number[][] | null): tf.Tensor2D {
  const out = new Int32Array(b * t);
  for (let r = 0; r < b; r++) {
    for (let i = 0; i < t; i++) out[r * t + i] = Math.max(0, start + i - sequenceStart(starts?.[r], start + i));
  }
  return tf.tensor2d(out, [b, t], 'int32');
}

/**
 * Additive attention mask of a chunk at `start`, [B, T, start+T] row-major: a
 * query sees keys at or before itself in its own sequence (never padding).
 */
export function maskValues(b: number, t: number, start: number, starts: number[][] | null): Float32Array {
  const length = start + t;
  const out = new Float32Array(b * t * length);
  for (let r = 0; r < b; r++) {
    for (let i = 0; i < t; i++) {
      const first = sequenceStart(starts?.[r], start + i);
      const row = (r * t + i) * length;
      for (let j = 0; j < length; j++) if (j > start + i || j < first) out[row + j] = MASKED;
    }
  }
  return out;
}

/** The mask as [B, 1, T, start+T] for batched attention over a cache. */
export function maskTensor(b: number, t: number, start: number, starts: number[][] | null): tf.Tensor4D {
  return tf.tensor4d(maskValues(b, t, start, starts), [b, 1, t, start + t]);
}

/** Where row r of a [B, T] chunk is cut into sequences: 0, each start inside the row, T. */
export function rowCuts(t: number, starts: number[] | undefined): number[] {
  return [...new Set([0, ...(starts ?? []).filter((s) => s > 0 && s < t), t])];
}
