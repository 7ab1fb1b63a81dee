// Token-by-token decoding with a key/value cache, behind one interface with two
// implementations chosen by backend:
//
// - ArrayDecoder (WASM and the pure-JS CPU backend): the cache lives in a
//   WebAssembly memory the decoder owns, preallocated for the whole sample, and
//   every step runs on the [B, D] residual stream outside tfjs except the plain
//   2-D weight products (XNNPACK's fast path on WASM): embedding lookup,
//   LayerNorm, rotary and residual adds in JS; cache writes, attention of each
//   row's one new query over its cached keys, and GELU in WebAssembly SIMD
//   (decode-attention.wat). On tfjs-backend-wasm the tfjs-op path spent most
//   of a step in batched matMuls (a scalar triple loop there), in Concat
//   copying the whole cache every step, and in ~100 small kernels and their
//   per-op dispatch; this leaves 4 tfjs matMuls per layer.
// - TensorDecoder (native tfjs-node backends): the tfjs-op path, `Gpt.extend`
//   with a tensor cache, so GPU backends keep their data on the device.
//
// Both compute what a full forward pass computes (tested to 1e-4 in logits).

import * as tf from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { DECODE_ATTENTION_WASM } from './decode-attention-wasm';
import type { DecodeWeights, Gpt, KvCache } from './gpt';

export interface Decoder {
  /** Next-token logits [B, V] row-major after the chunk of tokens each row was given last. */
  readonly logits: Float32Array;
  /** Feeds one token per row and updates `logits`. */
  step(tokens: readonly number[]): Promise<void>;
  dispose(): void;
}

/** Backends whose tensors live in this process's memory, where the array decoder pays. */
const ARRAY_BACKENDS = new Set(['wasm', 'cpu']);

export type DecoderKind = 'arrays' | 'tensors';

/** The decoder for the active backend. */
export function decoderKind(): DecoderKind {
  return ARRAY_BACKENDS.has(tf.getBackend()) ? 'arrays' : 'tensors';
}

/**
 * Runs left-padded `prompts` (all of one length; `pads[r]` padding tokens lead
 * row r) through the model, ready to decode up to `steps` more tokens.
 */
export async function startDecoder(
  model: Gpt,
  prompts: number[][],
  pads: number[],
  steps: number,
  kind: DecoderKind = decoderKind(),
): Promise<Decoder> {
  const rows = prompts.length;
  const length = prompts[0]!.length;
  const ids = tf.tensor2d(prompts.flat(), [rows, length], 'int32');
  try {
    const { logits, cache } = model.extend(ids, pads, null);
    const values = (await logits.data()) as Float32Array;
    logits.dispose();
    if (kind === 'tensors') return new TensorDecoder(model, pads, cache, values);
    try {
      return new ArrayDecoder(model.decodeWeights(), pads, cache, length + steps, values);
    } finally {
      tf.dispose([...cache.keys, ...cache.values]);
    }
  } finally {
    ids.dispose();
  }
}

class TensorDecoder implements Decoder {
  constructor(
    private readonly model: Gpt,
    private readonly pads: number[],
    private cache: KvCache,
    public logits: Float32Array,
  ) {}

  async step(tokens: readonly number[]): Promise<void> {
    const ids = tf.tensor2d(tokens as number[], [tokens.length, 1], 'int32');
    const next = this.model.extend(ids, this.pads, this.cache);
    ids.dispose();
    tf.dispose([...this.cache.keys, ...this.cache.values]);
    this.cache = next.cache;
    this.logits = (await next.logits.data()) as Float32Array;
    next.logits.dispose();
  }

  dispose(): void {
    tf.dispose([...this.cache.keys, ...this.cache.values]);
  }
}

const LAYER_NORM_EPS = 1e-5;
/** WebAssembly memory pages (64 KiB) in 4 GB, the most a 32-bit memory holds. */
const MAX_PAGES = 65536;

/** The decode kernels (decode-attention.wat), compiled on first use. */
let attentionModule: WebAssembly.Module | null = null;

/** decode-attention.wat's exports; addresses are byte offsets into its memory. */
interface DecodeKernels {
  attendRows(
    qkv: number, keys: number, values: number, out: number, scores: number, firsts: number,
    rows: number, heads: number, hd: number, capacity: number, position: number, scale: number,
  ): void;
  gelu(x: number, n: number): void;
}

class ArrayDecoder implements Decoder {
  private readonly rows: number;
  private readonly width: number;
  private readonly heads: number;
  private readonly headDim: number;
  /** Floats per head vector in WASM memory: headDim rounded up to whole SIMD lanes, zero-padded. */
  private readonly stride: number;
  private readonly kernels: DecodeKernels;
  /**
   * Views of the kernel's memory. Per layer, keys and values [B, H, capacity,
   * stride]: row r's position p of head h at ((r*H + h)*capacity + p)*stride.
   * `qkv` [B, 3, H, stride] and `outputs` [B, H, stride] are the attention
   * kernel's input and output, `firsts` each row's first real position;
   * `hidden` [B, 4D] is where GELU runs.
   */
  private readonly keys: Float32Array[];
  private readonly values: Float32Array[];
  private readonly qkv: Float32Array;
  private readonly outputs: Float32Array;
  private readonly firsts: Int32Array;
  private readonly scores: Float32Array;
  private readonly hidden: Float32Array;
  /** Positions filled so far (padding included), the same for every row. */
  private length: number;
  private readonly x: Float32Array;
  private readonly normed: Float32Array;
  private readonly mixed: Float32Array;
  /** Products read back: [B, 3D] of the qkv weights, [B, D] of the output projections. */
  private readonly projectedQkv: Float32Array;
  private readonly projected: Float32Array;

  constructor(
    private readonly weights: DecodeWeights,
    private readonly pads: number[],
    prefix: KvCache,
    private readonly capacity: number,
    public logits: Float32Array,
  ) {
    this.rows = pads.length;
    this.width = weights.width;
    this.heads = weights.heads;
    this.headDim = weights.width / weights.heads;
    this.stride = Math.ceil(this.headDim / 4) * 4;
    this.length = prefix.length;
    const cacheSize = this.rows * this.heads * capacity * this.stride;
    const vectors = this.rows * this.heads * this.stride;
    const layers = prefix.keys.length;
    const hidden = 4 * this.rows * this.width;
    const scores = Math.ceil(capacity / 4) * 4;
    const firsts = Math.ceil(this.rows / 4) * 4;
    const floats = 2 * layers * cacheSize + 4 * vectors + hidden + scores + firsts;
    const pages = Math.ceil((floats * 4) / 65536);
    if (pages > MAX_PAGES) {
      throw new Error(
        `decoding ${this.rows} rows of ${capacity} positions needs a ${((floats * 4) / 2 ** 30).toFixed(1)} GB cache, ` +
          'more than WebAssembly memory holds (4 GB): sample fewer rows at a time',
      );
    }
    const memory = new WebAssembly.Memory({ initial: pages });
    attentionModule ??= new WebAssembly.Module(Buffer.from(DECODE_ATTENTION_WASM, 'base64'));
    this.kernels = new WebAssembly.Instance(attentionModule, { env: { memory } }).exports as unknown as DecodeKernels;
    // Carved in order; every size is a multiple of 4 floats, so views stay 16-byte aligned.
    let offset = 0;
    const view = (n: number) => new Float32Array(memory.buffer, (offset += n) * 4 - n * 4, n);
    this.keys = prefix.keys.map((k) => this.load(k, view(cacheSize)));
    this.values = prefix.values.map((v) => this.load(v, view(cacheSize)));
    this.qkv = view(3 * vectors);
    this.outputs = view(vectors);
    this.hidden = view(hidden);
    this.scores = view(scores);
    this.firsts = new Int32Array(memory.buffer, view(firsts).byteOffset, this.rows);
    this.firsts.set(pads);
    this.x = new Float32Array(this.rows * this.width);
    this.normed = new Float32Array(this.rows * this.width);
    this.mixed = new Float32Array(this.rows * this.width);
    this.projectedQkv = new Float32Array(this.rows * 3 * this.width);
    this.projected = new Float32Array(this.rows * this.width);
  }

  /** Copies a prefix cache tensor [B, H, L, hd] into `buffer`, `capacity` positions of `stride` floats per (row, head). */
  private load(tensor: tf.Tensor4D, buffer: Float32Array): Float32Array {
    const [b, h, l, hd] = tensor.shape;
    const source = tensor.dataSync() as Float32Array;
    for (let i = 0; i < b * h; i++) {
      for (let p = 0; p < l; p++) buffer.set(source.subarray((i * l + p) * hd, (i * l + p + 1) * hd), (i * this.capacity + p) * this.stride);
    }
    return buffer;
  }

  async step(tokens: readonly number[]): Promise<void> {
    if (this.length >= this.capacity) throw new Error(`the decoder holds ${this.capacity} positions and they are all used`);
    const { weights, rows, width, x, normed } = this;
    const position = this.length;
    const { embedding, positions } = weights;
    for (let r = 0; r < rows; r++) {
      const token = embedding.subarray(tokens[r]! * width, (tokens[r]! + 1) * width);
      const p = Math.max(0, position - this.pads[r]!);
      for (let i = 0; i < width; i++) x[r * width + i] = token[i]! + (positions ? positions[p * width + i]! : 0);
    }
    weights.layers.forEach((layer, index) => {
      layerNorm(x, layer.ln1, rows, normed);
      const qkv = multiply(normed, rows, layer.attnQkv, this.projectedQkv);
      addInto(x, multiply(this.attend(qkv, index, position), rows, layer.attnProj, this.projected));
      layerNorm(x, layer.ln2, rows, normed);
      multiply(normed, rows, layer.mlpFc, this.hidden);
      this.kernels.gelu(this.hidden.byteOffset, this.hidden.length);
      addInto(x, multiply(this.hidden, rows, layer.mlpProj, this.projected));
    });
    layerNorm(x, weights.lnf, rows, normed);
    // A fresh array: the caller may still hold the previous step's logits.
    this.logits = multiply(normed, rows, weights.head, new Float32Array(this.logits.length));
    this.length++;
  }

  /**
   * Stores the new keys and values of layer `index` at `position` and returns
   * softmax(q·kᵀ/√hd)·v of each row's one query over its own positions, [B, D].
   */
  private attend(qkv: Float32Array, index: number, position: number): Float32Array {
    const { rows, width, heads, headDim: hd, stride, outputs, mixed } = this;
    const rotary = this.weights.rotary;
    if (rotary) {
      for (let r = 0; r < rows; r++) {
        const p = Math.max(0, position - this.pads[r]!);
        rotate(qkv, r * 3 * width, heads, hd, rotary, p);
        rotate(qkv, r * 3 * width + width, heads, hd, rotary, p);
      }
    }
    // [B, 3D] is [B, 3, H, stride] already unless head vectors need padding to whole lanes.
    if (stride === hd) this.qkv.set(qkv);
    else for (let i = 0; i < rows * 3 * heads; i++) this.qkv.set(qkv.subarray(i * hd, (i + 1) * hd), i * stride);
    this.kernels.attendRows(
      this.qkv.byteOffset, this.keys[index]!.byteOffset, this.values[index]!.byteOffset, outputs.byteOffset,
      this.scores.byteOffset, this.firsts.byteOffset, rows, heads, stride, this.capacity, position, 1 / Math.sqrt(hd),
    );
    if (stride === hd) return outputs;
    for (let i = 0; i < rows * heads; i++) mixed.set(outputs.subarray(i * stride, i * stride + hd), i * hd);
    return mixed;
  }

  dispose(): void {
    // The buffers are plain memory; nothing in tfjs to release.
  }
}

/** x [rows, in] · w [in, out] as a plain 2-D tfjs matMul (XNNPACK on WASM), read into `out`. */
function multiply(x: Float32Array, rows: number, w: tf.Tensor2D, out: Float32Array): Float32Array {
  const input = tf.tensor2d(x, [rows, x.length / rows]);
  const product = tf.matMul(input, w);
  input.dispose();
  // On WASM a view of its heap spares dataSync's copy into a fresh array (and the garbage).
  const backend = tf.backend();
  out.set(tf.getBackend() === 'wasm' ? (backend as BackendWasm).typedArrayFromHeap(product) : product.dataSync());
  product.dispose();
  return out;
}

function addInto(target: Float32Array, addend: Float32Array): void {
  for (let i = 0; i < target.length; i++) target[i]! += addend[i]!;
}

/** LayerNorm of each of `rows` rows of x into `out`. */
function layerNorm(x: Float32Array, { weight, bias }: { weight: Float32Array; bias: Float32Array }, rows: number, out: Float32Array): void {
  const width = weight.length;
  for (let r = 0; r < rows; r++) {
    const o = r * width;
    let mean = 0;
    for (let i = 0; i < width; i++) mean += x[o + i]!;
    mean /= width;
    let variance = 0;
    for (let i = 0; i < width; i++) {
      const d = x[o + i]! - mean;
      variance += d * d;
    }
    const rstd = 1 / Math.sqrt(variance / width + LAYER_NORM_EPS);
    for (let i = 0; i < width; i++) out[o + i] = (x[o + i]! - mean) * rstd * weight[i]! + bias[i]!;
  }
}

/** Rotate-half rotary embedding, in place, of the `heads` heads of one row's vector at `offset`, for position p. */
function rotate(x: Float32Array, offset: number, heads: number, hd: number, { cos, sin }: { cos: Float32Array; sin: Float32Array }, p: number): void {
  const half = hd / 2;
  for (let h = 0; h < heads; h++) {
    const o = offset + h * hd;
    for (let i = 0; i < half; i++) {
      const c = cos[p * half + i]!;
      const s = sin[p * half + i]!;
      const x1 = x[o + i]!;
      const x2 = x[o + half + i]!;
      x[o + i] = x1 * c - x2 * s;
      x[o + half + i] = x1 * s + x2 * c;
    }
  }
}
