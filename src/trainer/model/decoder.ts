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
import { DECODE_ATTENTION_WASM } from './decode-attention-wasm';
import type { Gpt, KvCache } from './gpt';
import { LAYER_NORM_EPS } from './ops';
import { timed } from './kernel-clock';
import { pagesFor } from './kernel-memory';
import { KernelPool, kernelThreads } from './kernel-pool';
import { arrayBackend, tensorValues } from './tensor-arrays';

/** What the array decoder (decoder.ts) reads of the model: small vectors as arrays, weight matrices as tensors. */
export interface DecodeWeights {
  width: number;
  heads: number;
  context: number;
  vocab: number;
  /** Token embedding [V, D] and learned positions [context, D] (null with rotary positions). */
  embedding: Float32Array;
  positions: Float32Array | null;
  /** Rotary tables [context, hd/2] (null with learned positions). */
  rotary: { cos: Float32Array; sin: Float32Array } | null;
  layers: Array<{
    ln1: NormWeights;
    attnQkv: tf.Tensor2D;
    attnProj: tf.Tensor2D;
    ln2: NormWeights;
    mlpFc: tf.Tensor2D;
    mlpProj: tf.Tensor2D;
  }>;
  lnf: NormWeights;
  /** Output head [D, V]. */
  head: tf.Tensor2D;
}

export interface NormWeights {
  weight: Float32Array;
  bias: Float32Array;
}

export interface Decoder {
  /** Next-token logits [B, V] row-major after the chunk of tokens each row was given last. */
  readonly logits: Float32Array;
  /** Feeds one token per row and updates `logits`. */
  step(tokens: readonly number[]): Promise<void>;
  /**
   * Keeps only the current rows `rows`, as rows 0..n-1 in that order (and
   * their logits): finished rows stop costing work. Each kept row stays in its
   * slot or moves into the slot of a row that is not kept (see `compaction`).
   */
  keep(rows: readonly number[]): void;
  /** Threads that take a share of a step now (helpers start on first use, in the background). */
  readonly readyThreads: number;
  dispose(): void;
}

/**
 * The arrangement `keep` takes for the surviving rows `live` (ascending) of
 * `count` rows: survivors below the new row count stay put, and the ones above
 * it fill the slots of finished rows, so each finished row costs one row's move.
 */
export function compaction(live: readonly number[], count: number): number[] {
  const n = live.length;
  const kept = new Set(live);
  const movers = live.filter((r) => r >= n);
  const order: number[] = [];
  for (let i = 0; i < n; i++) order.push(kept.has(i) ? i : movers.shift()!);
  if (order.some((r) => r >= count)) throw new Error(`rows ${live.join(',')} are not all among ${count}`);
  return order;
}

/** Checks that `rows` moves each kept row only into a slot whose row is dropped. */
function checkKeep(rows: readonly number[], count: number): void {
  const kept = new Set(rows);
  if (kept.size !== rows.length || rows.some((r, i) => r < 0 || r >= count || (r !== i && kept.has(i)))) {
    throw new Error(`cannot keep rows [${rows.join(', ')}] of ${count}: each kept row stays in its slot or moves into a dropped row's`);
  }
}

/** Prompt positions the array decoder runs at once: bounds its buffers for long prompts. */
const PROMPT_CHUNK = 32;

export type DecoderKind = 'arrays' | 'tensors';

/** The decoder for the active backend. */
export function decoderKind(): DecoderKind {
  return arrayBackend() ? 'arrays' : 'tensors';
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
  threads = kernelThreads(),
): Promise<Decoder> {
  if (kind === 'arrays') {
    const length = prompts[0]!.length;
    const decoder = new ArrayDecoder(model.decodeWeights(), pads, length + steps, Math.min(length, PROMPT_CHUNK), threads);
    for (let at = 0; at < length; at += PROMPT_CHUNK) decoder.feed(prompts.map((p) => p.slice(at, at + PROMPT_CHUNK)));
    return decoder;
  }
  const ids = tf.tensor2d(prompts.flat(), [prompts.length, prompts[0]!.length], 'int32');
  try {
    const { logits, cache } = model.extend(ids, pads, null);
    const values = (await logits.data()) as Float32Array;
    logits.dispose();
    return new TensorDecoder(model, pads, cache, values);
  } finally {
    ids.dispose();
  }
}

class TensorDecoder implements Decoder {
  readonly readyThreads = 1;

  constructor(
    private readonly model: Gpt,
    private pads: number[],
    private cache: KvCache,
    public logits: Float32Array,
  ) {}

  keep(rows: readonly number[]): void {
    checkKeep(rows, this.pads.length);
    const vocab = this.logits.length / this.pads.length;
    const index = tf.tensor1d(rows as number[], 'int32');
    const pick = (ts: tf.Tensor4D[]) => ts.map((t) => tf.keep(tf.gather(t, index)));
    const cache = { keys: pick(this.cache.keys), values: pick(this.cache.values), length: this.cache.length };
    index.dispose();
    tf.dispose([...this.cache.keys, ...this.cache.values]);
    this.cache = cache;
    this.pads = rows.map((r) => this.pads[r]!);
    this.logits = keepRows(this.logits, rows, vocab);
  }

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


/** The decode kernels (decode-attention.wat), compiled on first use. */
let attentionModule: WebAssembly.Module | null = null;

/** decode-attention.wat's exports; addresses are byte offsets into its memory. */
interface DecodeKernels {
  /** Rows [from, to). */
  attendRows(
    from: number, to: number, qkv: number, keys: number, values: number, out: number, scores: number, firsts: number,
    heads: number, hd: number, capacity: number, position: number, scale: number,
  ): void;
  gelu(x: number, n: number): void;
}

/** Helper threads at most: the WASM backend's own pool never has more than 8 threads. */
const MAX_HELPERS = 7;

class ArrayDecoder implements Decoder {
  /** Rows decoded now: fewer than the buffers were made for once finished rows are dropped. */
  private rows: number;
  private readonly width: number;
  private readonly heads: number;
  private readonly headDim: number;
  /** Floats per head vector in WASM memory: headDim rounded up to whole SIMD lanes, zero-padded. */
  private readonly stride: number;
  private readonly kernels: DecodeKernels;
  /** The helper threads that take rows off this one. */
  private readonly pool: KernelPool;
  /** Each row's cost of attending at the current position (its positions so far). */
  private readonly costs: Float64Array;
  /**
   * Views of the kernels' memory. Per layer, keys and values [B, H, capacity,
   * stride]: row r's position p of head h at ((r*H + h)*capacity + p)*stride.
   * `qkv` [B, 3, H, stride] and `outputs` [B, H, stride] are the attention
   * kernel's input and output for one position, `firsts` each row's first
   * position to attend; `hidden` [B*chunk, 4D] is where GELU runs.
   */
  private readonly keys: Float32Array[];
  private readonly values: Float32Array[];
  private readonly qkv: Float32Array;
  private readonly outputs: Float32Array;
  private readonly firsts: Int32Array;
  private readonly scores: Float32Array;
  private readonly hidden: Float32Array;
  /** Positions filled so far (padding included), the same for every row. */
  private length = 0;
  /** The residual stream and its buffers, [B*chunk, D] (products [B*chunk, 3D] for qkv). */
  private readonly x: Float32Array;
  private readonly normed: Float32Array;
  private readonly mixed: Float32Array;
  private readonly projectedQkv: Float32Array;
  private readonly projected: Float32Array;
  public logits: Float32Array = new Float32Array(0);

  constructor(
    private readonly weights: DecodeWeights,
    private pads: number[],
    private readonly capacity: number,
    /** The most positions one `feed` takes. */
    private readonly chunk: number,
    /** Threads that attend: the WASM backend's. */
    private readonly threads: number,
  ) {
    if (capacity > weights.context) {
      throw new Error(`decoding ${capacity} positions is more than the model context ${weights.context}`);
    }
    this.rows = pads.length;
    this.width = weights.width;
    this.heads = weights.heads;
    this.headDim = weights.width / weights.heads;
    this.stride = Math.ceil(this.headDim / 4) * 4;
    const cacheSize = this.rows * this.heads * capacity * this.stride;
    const vectors = this.rows * this.heads * this.stride;
    const layers = weights.layers.length;
    const tokens = this.rows * chunk;
    const hidden = 4 * tokens * this.width;
    // Scores of one (row, head) at a time, for each thread.
    const scores = Math.ceil(capacity / 4) * 4;
    const firsts = Math.ceil(this.rows / 4) * 4;
    const floats = 2 * layers * cacheSize + 4 * vectors + hidden + this.threads * scores + firsts;
    const pages = pagesFor(
      floats * 4,
      (gb) => `decoding ${this.rows} rows of ${capacity} positions needs a ${gb} GB cache, more than WebAssembly memory holds (4 GB): sample fewer rows at a time`,
    );
    const memory = new WebAssembly.Memory({ initial: pages, maximum: pages, shared: true });
    attentionModule ??= new WebAssembly.Module(Buffer.from(DECODE_ATTENTION_WASM, 'base64'));
    this.kernels = new WebAssembly.Instance(attentionModule, { env: { memory } }).exports as unknown as DecodeKernels;
    this.pool = new KernelPool(attentionModule, memory, this.kernels as unknown as Record<string, unknown>, ['attendRows'], MAX_HELPERS, 'decode attention');
    this.costs = new Float64Array(this.rows);
    // Carved in order; every size is a multiple of 4 floats, so views stay 16-byte aligned.
    let offset = 0;
    const view = (n: number) => new Float32Array(memory.buffer, (offset += n) * 4 - n * 4, n);
    this.keys = weights.layers.map(() => view(cacheSize));
    this.values = weights.layers.map(() => view(cacheSize));
    this.qkv = view(3 * vectors);
    this.outputs = view(vectors);
    this.hidden = view(hidden);
    this.scores = view(this.threads * scores);
    this.firsts = new Int32Array(memory.buffer, view(firsts).byteOffset, this.rows);
    this.x = new Float32Array(tokens * this.width);
    this.normed = new Float32Array(tokens * this.width);
    this.mixed = new Float32Array(tokens * this.width);
    this.projectedQkv = new Float32Array(tokens * 3 * this.width);
    this.projected = new Float32Array(tokens * this.width);
  }

  async step(tokens: readonly number[]): Promise<void> {
    this.feed(tokens.map((token) => [token]));
  }

  /** Runs the next chunk of tokens [B][T], T at most `chunk`, and leaves the logits of its last position. */
  feed(chunk: readonly (readonly number[])[]): void {
    const t = chunk[0]!.length;
    const start = this.length;
    if (start + t > this.capacity) throw new Error(`the decoder holds ${this.capacity} positions and they are all used`);
    if (t > this.chunk) throw new Error(`a chunk of ${t} positions is more than the ${this.chunk} this decoder was made for`);
    const { weights, rows, width } = this;
    const n = rows * t;
    const x = this.x.subarray(0, n * width);
    const normed = this.normed.subarray(0, n * width);
    const projected = this.projected.subarray(0, n * width);
    const hidden = this.hidden.subarray(0, 4 * n * width);
    const { embedding, positions } = weights;
    for (let r = 0; r < rows; r++) {
      for (let i = 0; i < t; i++) {
        const token = chunk[r]![i]!;
        const p = Math.max(0, start + i - this.pads[r]!);
        const o = (r * t + i) * width;
        for (let j = 0; j < width; j++) x[o + j] = embedding[token * width + j]! + (positions ? positions[p * width + j]! : 0);
      }
    }
    weights.layers.forEach((layer, index) => {
      timed('layernorm', () => layerNorm(x, layer.ln1, n, normed));
      const qkv = multiply(normed, n, layer.attnQkv, this.projectedQkv.subarray(0, 3 * n * width));
      addInto(x, multiply(timed('decode attention', () => this.attend(qkv, index, start, t)), n, layer.attnProj, projected));
      timed('layernorm', () => layerNorm(x, layer.ln2, n, normed));
      multiply(normed, n, layer.mlpFc, hidden);
      timed('gelu', () => this.kernels.gelu(hidden.byteOffset, hidden.length));
      addInto(x, multiply(hidden, n, layer.mlpProj, projected));
    });
    // Logits of each row's last position only.
    const last = this.mixed.subarray(0, rows * width);
    for (let r = 0; r < rows; r++) last.set(x.subarray((r * t + t - 1) * width, (r * t + t) * width), r * width);
    layerNorm(last, weights.lnf, rows, normed);
    // A fresh array: the caller may still hold the previous logits.
    this.logits = multiply(normed.subarray(0, rows * width), rows, weights.head, new Float32Array(rows * weights.vocab));
    this.length += t;
  }

  /**
   * Stores the keys and values of a chunk of `t` positions from `start` (qkv
   * [B*t, 3D], rows then positions) in layer `index`'s cache and returns each
   * query's softmax(q·kᵀ/√hd)·v over its own row's positions up to itself, [B*t, D].
   */
  private attend(qkv: Float32Array, index: number, start: number, t: number): Float32Array {
    const { rows, width, heads, headDim: hd, stride, outputs, mixed, firsts } = this;
    const rotary = this.weights.rotary;
    if (rotary) {
      for (let r = 0; r < rows; r++) {
        for (let i = 0; i < t; i++) {
          const p = Math.max(0, start + i - this.pads[r]!);
          rotate(qkv, (r * t + i) * 3 * width, heads, hd, rotary, p);
          rotate(qkv, (r * t + i) * 3 * width + width, heads, hd, rotary, p);
        }
      }
    }
    for (let i = 0; i < t; i++) {
      const position = start + i;
      for (let r = 0; r < rows; r++) {
        const row = (r * t + i) * 3 * width;
        // [3D] is [3, H, stride] already unless head vectors need padding to whole lanes.
        if (stride === hd) this.qkv.set(qkv.subarray(row, row + 3 * width), r * 3 * width);
        else for (let v = 0; v < 3 * heads; v++) this.qkv.set(qkv.subarray(row + v * hd, row + (v + 1) * hd), (r * 3 * heads + v) * stride);
        // A padding position attends to itself alone: nothing reads its output.
        firsts[r] = Math.min(this.pads[r]!, position);
      }
      for (let r = 0; r < rows; r++) this.costs[r] = position - firsts[r]! + 1;
      this.pool.run(
        'attendRows',
        [0, 0, this.qkv.byteOffset, this.keys[index]!.byteOffset, this.values[index]!.byteOffset, outputs.byteOffset,
          this.scores.byteOffset, firsts.byteOffset, heads, stride, this.capacity, position, 1 / Math.sqrt(hd)],
        0,
        this.costs.subarray(0, rows),
        this.threads,
        { at: 6, step: this.scores.byteLength / this.threads },
      );
      for (let r = 0; r < rows; r++) {
        const row = (r * t + i) * width;
        if (stride === hd) mixed.set(outputs.subarray(r * width, (r + 1) * width), row);
        else for (let h = 0; h < heads; h++) mixed.set(outputs.subarray((r * heads + h) * stride, (r * heads + h) * stride + hd), row + h * hd);
      }
    }
    return mixed.subarray(0, rows * t * width);
  }

  keep(rows: readonly number[]): void {
    checkKeep(rows, this.rows);
    // Row r's cache is [H, capacity, stride] at r·H·capacity·stride; only the positions filled so far move.
    const { heads, capacity, stride, length } = this;
    const slot = capacity * stride;
    rows.forEach((from, to) => {
      if (from === to) return;
      for (const cache of [...this.keys, ...this.values]) {
        for (let h = 0; h < heads; h++) {
          const source = (from * heads + h) * slot;
          cache.copyWithin((to * heads + h) * slot, source, source + length * stride);
        }
      }
    });
    this.logits = keepRows(this.logits, rows, this.weights.vocab);
    this.pads = rows.map((r) => this.pads[r]!);
    this.rows = rows.length;
  }

  get readyThreads(): number {
    return 1 + this.pool.readyHelpers;
  }

  dispose(): void {
    // The buffers are plain memory; nothing in tfjs to release, only the helper threads.
    this.pool.dispose();
  }
}

/** Rows `rows` of a [count, width] array, in that order. */
function keepRows(values: Float32Array, rows: readonly number[], width: number): Float32Array {
  const out = new Float32Array(rows.length * width);
  rows.forEach((r, i) => out.set(values.subarray(r * width, (r + 1) * width), i * width));
  return out;
}

/** x [rows, in] · w [in, out] as a plain 2-D tfjs matMul (XNNPACK on WASM), read into `out`. */
function multiply(x: Float32Array, rows: number, w: tf.Tensor2D, out: Float32Array): Float32Array {
  const input = tf.tensor2d(x, [rows, x.length / rows]);
  const product = tf.matMul(input, w);
  input.dispose();
  // On WASM a view of its heap spares dataSync's copy into a fresh array (and the garbage).
  out.set(tensorValues(product));
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
