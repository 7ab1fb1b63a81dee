// A decoder-only transformer in TensorFlow.js ops, in the spirit of nanoGPT:
// token (+ learned position) embedding, `layers` pre-norm blocks of causal
// multi-head attention and a GELU MLP, a final norm, and an output head tied to
// the embedding (or separate). Rotary positions and a scalar value head are options.
//
// Speed on WASM decides the shape of the code: the residual stream stays 2-D
// [B*T, D] so every weight multiply is a plain 2-D matMul (XNNPACK's fast path),
// and their gradients are written out with explicit transposes (see `linear`),
// because tfjs's own matMul gradient uses transpose flags that run ~10x slower.
// Attention runs per (sequence, head) block for the same reason (attention.ts);
// GELU and LayerNorm have written-out gradients. Where tensors live in this
// process (WASM, pure-JS CPU), LayerNorm, GELU and each weight gradient xᵀ·dy
// run as fused WebAssembly SIMD kernels instead (fused.ts); native backends keep
// the tfjs ops. Embedding lookups gather rows, with a written-out gradient
// (`embed`): gather has none on WASM.
//
// Weights are stored [in, out] (x · W), unlike PyTorch's Linear [out, in].

import * as tf from '@tensorflow/tfjs-core';
import type { ModelConfig } from '../../core/spec/config';
import { Rng } from '../rng';
import { type AttentionBlock, batchedAttention, blockAttention, packedBlockAttention } from './attention';
import { fusedGelu, fusedLayerNorm, fusedWeightGradient } from './fused';
import { arrayBackend } from './tensor-arrays';

/** Keys and values of every layer for the tokens seen so far, [B, H, L, headDim] each. */
export interface KvCache {
  keys: tf.Tensor4D[];
  values: tf.Tensor4D[];
  /** Positions (padding included) the cache holds. */
  length: number;
}

/**
 * Where a chunk of tokens sits: the sequences in each row and the cache it extends.
 * `starts[r]` lists where row r's sequences begin, ascending: a token sees only
 * its own sequence and counts its position from that sequence's start. Left
 * padding is a row whose one sequence starts after the padding; several starts
 * are sequences packed side by side. Null: one sequence per row from position 0.
 */
interface Placement {
  starts: number[][] | null;
  past: KvCache | null;
}

/** Row starts for per-row left padding (null when no row is padded). */
function padStarts(pads: number[] | null): number[][] | null {
  return pads ? pads.map((p) => [p]) : null;
}

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

/** Attention masks: one causal block per sequence for block attention, one tensor for batched attention. */
interface Masks {
  blocks?: AttentionBlock[];
  batched?: tf.Tensor;
}

/**
 * Inference chunks shorter than this use batched 4-D attention: its products
 * are small, and a few kernel calls beat B*H blocks. Training always uses blocks.
 */
const BATCHED_ATTENTION_BELOW = 64;

/** Rotary factors per token and channel [B*T, D]: x' = x⊙cos + swapHalves(x)⊙sin (sin carries rotate-half's sign). */
interface Rotation {
  cos: tf.Tensor2D;
  sin: tf.Tensor2D;
}

/**
 * Rotary tables laid out like the [N, D] activations, so rotating q and k is two
 * same-shape products and a column swap (fast 2-D kernels) instead of 4-D
 * broadcasts, splits and concats per head.
 */
interface WideRotary {
  /** [context, D]: cos θ of each head's channel pair, in both halves. */
  cos: tf.Tensor2D;
  /** [context, D]: −sin θ in each head's first half, +sin θ in its second. */
  sin: tf.Tensor2D;
  /** Column i of swapHalves(x) is column swap[i] of x. */
  swap: tf.Tensor1D;
}

interface Layer {
  ln1Weight: tf.Variable;
  ln1Bias: tf.Variable;
  attnQkv: tf.Variable;
  attnProj: tf.Variable;
  ln2Weight: tf.Variable;
  ln2Bias: tf.Variable;
  mlpFc: tf.Variable;
  mlpProj: tf.Variable;
}

export const LAYER_NORM_EPS = 1e-5;
const MASKED = -1e9;
const ROTARY_BASE = 10000;

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
function product(x: tf.Tensor2D, w: tf.Tensor2D | tf.Variable): tf.Tensor2D {
  return tf.matMul(x, w as tf.Tensor2D);
}

export class Gpt {
  readonly variables = new Map<string, tf.Variable>();
  readonly vocabSize: number;
  readonly config: ModelConfig;
  readonly headDim: number;

  private readonly wte: tf.Variable;
  private readonly wpe: tf.Variable | null;
  private readonly blocks: Layer[] = [];
  private readonly lnfWeight: tf.Variable;
  private readonly lnfBias: tf.Variable;
  private readonly head: tf.Variable | null;
  private readonly valueWeight: tf.Variable | null;
  private readonly valueBias: tf.Variable | null;
  /** The causal mask over the whole context; a chunk of T tokens uses its top-left [T, T] corner. */
  private contextMask: tf.Tensor2D | null = null;
  private readonly rotary: { cos: tf.Tensor2D; sin: tf.Tensor2D } | null;
  private readonly rotaryWide: WideRotary | null;
  private tiedHeadCache: { source: tf.DataId; weights: tf.Tensor2D } | null = null;

  constructor(config: ModelConfig, vocabSize: number, seed: number) {
    const { layers, width, heads, context } = config;
    if (width % heads !== 0) throw new Error(`model width ${width} must be a multiple of heads ${heads}`);
    this.headDim = width / heads;
    if (config.positions === 'rotary' && this.headDim % 2 !== 0) {
      throw new Error(`rotary positions need an even head size; width ${width} / heads ${heads} = ${this.headDim}`);
    }
    this.config = config;
    this.vocabSize = vocabSize;
    const rng = Rng.seeded(seed);
    const std = 0.02;
    const residualStd = std / Math.sqrt(2 * layers);
    const normal = (name: string, shape: number[], s: number) =>
      this.add(name, tf.randomNormal(shape, 0, s, 'float32', rng.seed()));
    const constant = (name: string, shape: number[], value: number) => this.add(name, tf.fill(shape, value));

    this.wte = normal('wte.weight', [vocabSize, width], std);
    this.wpe = config.positions === 'learned' ? normal('wpe.weight', [context, width], std) : null;
    for (let i = 0; i < layers; i++) {
      const p = `h.${i}`;
      this.blocks.push({
        ln1Weight: constant(`${p}.ln_1.weight`, [width], 1),
        ln1Bias: constant(`${p}.ln_1.bias`, [width], 0),
        attnQkv: normal(`${p}.attn.c_attn.weight`, [width, 3 * width], std),
        attnProj: normal(`${p}.attn.c_proj.weight`, [width, width], residualStd),
        ln2Weight: constant(`${p}.ln_2.weight`, [width], 1),
        ln2Bias: constant(`${p}.ln_2.bias`, [width], 0),
        mlpFc: normal(`${p}.mlp.c_fc.weight`, [width, 4 * width], std),
        mlpProj: normal(`${p}.mlp.c_proj.weight`, [4 * width, width], residualStd),
      });
    }
    this.lnfWeight = constant('ln_f.weight', [width], 1);
    this.lnfBias = constant('ln_f.bias', [width], 0);
    this.head = config.tiedHead === false ? normal('lm_head.weight', [width, vocabSize], std) : null;
    this.valueWeight = config.valueHead ? normal('value_head.weight', [width, 1], std) : null;
    this.valueBias = config.valueHead ? constant('value_head.bias', [1], 0) : null;
    this.rotary = config.positions === 'rotary' ? rotaryTables(context, this.headDim) : null;
    this.rotaryWide = config.positions === 'rotary' ? wideRotaryTables(context, this.headDim, heads) : null;
  }

  paramCount(): number {
    let n = 0;
    for (const v of this.variables.values()) n += v.size;
    return n;
  }

  /**
   * Next-token logits [B, T, V] for int32 ids [B, T]; `pads` gives per-row left
   * padding, `packed` the starts of the sequences packed into each row instead.
   */
  logits(ids: tf.Tensor2D, pads: number[] | null = null, packed: number[][] | null = null): tf.Tensor3D {
    return tf.tidy(() => {
      const [b, t] = ids.shape;
      const { hidden } = this.run(ids, { starts: packed ?? padStarts(pads), past: null });
      return tf.reshape(this.project(hidden, false), [b, t, this.vocabSize]);
    });
  }

  /** Value-head estimates [B, T] (needs `config.valueHead`); `pads` and `packed` as in `logits`. */
  values(ids: tf.Tensor2D, pads: number[] | null = null, packed: number[][] | null = null): tf.Tensor2D {
    return this.logitsAndValues(ids, pads, packed).values;
  }

  /** Logits and values from one forward pass (PPO needs both). */
  logitsAndValues(ids: tf.Tensor2D, pads: number[] | null = null, packed: number[][] | null = null): { logits: tf.Tensor3D; values: tf.Tensor2D } {
    if (!this.valueWeight || !this.valueBias) throw new Error('this model has no value head: set valueHead in the model config');
    const valueWeight = this.valueWeight;
    const valueBias = this.valueBias;
    return tf.tidy(() => {
      const [b, t] = ids.shape;
      const { hidden } = this.run(ids, { starts: packed ?? padStarts(pads), past: null });
      const values = tf.reshape(tf.add(linear(hidden, valueWeight as tf.Tensor2D), valueBias), [b, t]) as tf.Tensor2D;
      return { logits: tf.reshape(this.project(hidden, false), [b, t, this.vocabSize]) as tf.Tensor3D, values };
    });
  }

  /**
   * Runs a chunk of tokens [B, T] after the cached ones and returns the logits
   * of the chunk's last position [B, V] and the cache extended by the chunk.
   * The input cache is left alone; the caller disposes it when done with it.
   */
  extend(ids: tf.Tensor2D, pads: number[] | null, past: KvCache | null): { logits: tf.Tensor2D; cache: KvCache } {
    const out = tf.tidy(() => {
      const [b, t] = ids.shape;
      const { hidden, cache } = this.run(ids, { starts: padStarts(pads), past }, true);
      const last = tf.reshape(tf.slice(tf.reshape(hidden, [b, t, -1]), [0, t - 1, 0], [b, 1, -1]), [b, -1]) as tf.Tensor2D;
      return { logits: this.project(last, true), keys: cache.keys, values: cache.values };
    });
    return { logits: out.logits, cache: { keys: out.keys, values: out.values, length: (past?.length ?? 0) + ids.shape[1] } };
  }

  /**
   * The weights as the array decoder reads them, current as of this call: the
   * tensors are the model's own (valid until the next update or dispose).
   */
  decodeWeights(): DecodeWeights {
    const array = (v: tf.Variable) => v.dataSync() as Float32Array;
    const norm = (weight: tf.Variable, bias: tf.Variable) => ({ weight: array(weight), bias: array(bias) });
    const rotary = this.rotary;
    return {
      width: this.config.width,
      heads: this.config.heads,
      context: this.config.context,
      vocab: this.vocabSize,
      embedding: array(this.wte),
      positions: this.wpe ? array(this.wpe) : null,
      rotary: rotary ? { cos: rotary.cos.dataSync() as Float32Array, sin: rotary.sin.dataSync() as Float32Array } : null,
      layers: this.blocks.map((layer) => ({
        ln1: norm(layer.ln1Weight, layer.ln1Bias),
        attnQkv: layer.attnQkv as tf.Tensor2D,
        attnProj: layer.attnProj as tf.Tensor2D,
        ln2: norm(layer.ln2Weight, layer.ln2Bias),
        mlpFc: layer.mlpFc as tf.Tensor2D,
        mlpProj: layer.mlpProj as tf.Tensor2D,
      })),
      lnf: norm(this.lnfWeight, this.lnfBias),
      head: this.inferenceHead(),
    };
  }

  dispose(): void {
    for (const v of this.variables.values()) v.dispose();
    this.contextMask?.dispose();
    this.contextMask = null;
    this.rotary?.cos.dispose();
    this.rotary?.sin.dispose();
    if (this.rotaryWide) tf.dispose([this.rotaryWide.cos, this.rotaryWide.sin, this.rotaryWide.swap]);
    this.tiedHeadCache?.weights.dispose();
    this.tiedHeadCache = null;
  }

  private add(name: string, init: tf.Tensor): tf.Variable {
    // tfjs variable names are global; ours live in the map so two models can coexist.
    const variable = tf.variable(init, true);
    init.dispose();
    this.variables.set(name, variable);
    return variable;
  }

  /**
   * Final hidden states [B*T, D] of a chunk. An `inference` pass also returns
   * the cache including the chunk, and skips the gradient bookkeeping.
   */
  private run(ids: tf.Tensor2D, where: Placement, inference = false): { hidden: tf.Tensor2D; cache: KvCache } {
    const [b, t] = ids.shape;
    const start = where.past?.length ?? 0;
    if (start + t > this.config.context) {
      throw new Error(`sequence of ${start + t} tokens is longer than the model context ${this.config.context}`);
    }
    const ragged = where.starts !== null || start > 0;
    const positions = ragged ? positionIds(b, t, start, where.starts) : null;
    const rotary = this.rotaryWide ? this.rotaryFor(b, t, positions) : null;
    const batched = where.past !== null || (inference && t < BATCHED_ATTENTION_BELOW);
    const masks: Masks = batched
      ? { batched: ragged ? maskTensor(b, t, start, where.starts) : this.causalMask(t) }
      : { blocks: this.sequenceBlocks(b, t, where.starts) };

    const mm = inference ? product : linear;
    let x = embed(ids, this.wte);
    if (this.wpe) {
      const wpe = this.wpe as tf.Tensor2D;
      x = positions
        ? tf.add(x, embed(positions, wpe))
        : tf.reshape(tf.add(tf.reshape(x, [b, t, -1]), tf.slice(wpe, [0, 0], [t, -1])), [b * t, -1]);
    }
    const keys: tf.Tensor4D[] = [];
    const values: tf.Tensor4D[] = [];
    this.blocks.forEach((layer, i) => {
      const normed = layerNorm(x, layer.ln1Weight, layer.ln1Bias);
      const attn = this.attention(normed, layer, b, t, masks, rotary, where.past, i, inference);
      if (attn.keys && attn.values) {
        keys.push(attn.keys);
        values.push(attn.values);
      }
      x = tf.add(x, attn.out);
      const h = gelu(mm(layerNorm(x, layer.ln2Weight, layer.ln2Bias), layer.mlpFc));
      x = tf.add(x, mm(h, layer.mlpProj));
    });
    return {
      hidden: layerNorm(x, this.lnfWeight, this.lnfBias),
      cache: { keys, values, length: start + t },
    };
  }

  private attention(
    x: tf.Tensor2D,
    layer: Layer,
    b: number,
    t: number,
    masks: Masks,
    rotary: Rotation | null,
    past: KvCache | null,
    index: number,
    inference: boolean,
  ): { out: tf.Tensor2D; keys: tf.Tensor4D | null; values: tf.Tensor4D | null } {
    const { heads } = this.config;
    // With one position per row, [B, 1, H, hd] and [B, H, 1, hd] share a memory layout.
    const toHeads = (m: tf.Tensor) =>
      (t === 1
        ? tf.reshape(m, [b, heads, 1, this.headDim])
        : tf.transpose(tf.reshape(m, [b, t, heads, this.headDim]), [0, 2, 1, 3])) as tf.Tensor4D;
    const mm = inference ? product : linear;
    const qkv = mm(x, layer.attnQkv);
    // Training without rotary attends on the projection whole: no split, no concat of its gradients.
    if (masks.blocks && !rotary && !inference) {
      return { out: mm(packedBlockAttention(qkv, masks.blocks, heads), layer.attnProj), keys: null, values: null };
    }
    let [q, k, v] = tf.split(qkv, 3, 1) as [tf.Tensor2D, tf.Tensor2D, tf.Tensor2D];
    if (rotary) {
      q = applyRotary(q, rotary, this.rotaryWide!.swap);
      k = applyRotary(k, rotary, this.rotaryWide!.swap);
    }
    if (masks.blocks) {
      const mixed = blockAttention(q, k, v, masks.blocks, heads);
      const cached = inference ? { keys: toHeads(k), values: toHeads(v) } : { keys: null, values: null };
      return { out: mm(mixed, layer.attnProj), ...cached };
    }
    const keys = past ? tf.concat([past.keys[index]!, toHeads(k)], 2) : toHeads(k);
    const values = past ? tf.concat([past.values[index]!, toHeads(v)], 2) : toHeads(v);
    const mixed = batchedAttention(toHeads(q), keys, values, masks.batched!);
    const flat = tf.reshape(t === 1 ? mixed : tf.transpose(mixed, [0, 2, 1, 3]), [b * t, -1]) as tf.Tensor2D;
    return { out: mm(flat, layer.attnProj), keys, values };
  }

  /** Output head on hidden states [N, D] -> logits [N, V]. */
  private project(hidden: tf.Tensor2D, inference: boolean): tf.Tensor2D {
    if (inference) return product(hidden, this.inferenceHead());
    if (this.head) return linear(hidden, this.head);
    return linear(hidden, tf.transpose(this.wte) as tf.Tensor2D);
  }

  /** The output head [D, V] for inference passes. */
  private inferenceHead(): tf.Tensor2D {
    if (this.head) return this.head as tf.Tensor2D;
    // Decoding reuses one transposed copy of the tied embedding (so WASM also
    // reuses its packed weights) until an update gives the variable new data.
    if (this.tiedHeadCache?.source !== this.wte.dataId) {
      this.tiedHeadCache?.weights.dispose();
      this.tiedHeadCache = { source: this.wte.dataId, weights: tf.keep(tf.transpose(this.wte) as tf.Tensor2D) };
    }
    return this.tiedHeadCache.weights;
  }

  /**
   * The additive causal mask [t, t], cut from one kept context-sized mask (call it
   * inside a tidy). Packed sequences come in every length, and keeping a mask per
   * length would hold up to context³/3 floats.
   */
  private causalMask(t: number): tf.Tensor2D {
    const { context } = this.config;
    this.contextMask ??= tf.keep(tf.tensor2d(maskValues(1, context, 0, null), [context, context]));
    return t === context ? this.contextMask : tf.slice(this.contextMask, [0, 0], [t, t]);
  }

  /**
   * The attention blocks of a [B, T] chunk laid out as [B*T, D]: each row cut at
   * its sequence starts, each piece causal within itself. Left padding becomes a
   * piece of its own whose outputs nothing reads.
   */
  private sequenceBlocks(b: number, t: number, starts: number[][] | null): AttentionBlock[] {
    const blocks: AttentionBlock[] = [];
    // Blocks of one length share their mask: one cut per length, not per block.
    const masks = new Map<number, tf.Tensor2D>();
    for (let r = 0; r < b; r++) {
      const cuts = [...new Set([0, ...(starts?.[r] ?? []).filter((s) => s > 0 && s < t), t])];
      for (let i = 0; i + 1 < cuts.length; i++) {
        const length = cuts[i + 1]! - cuts[i]!;
        if (!masks.has(length)) masks.set(length, this.causalMask(length));
        blocks.push({ offset: r * t + cuts[i]!, length, mask: masks.get(length)! });
      }
    }
    return blocks;
  }

  /** cos/sin [B*T, D] of a chunk at positions 0..T-1 in every row, or at per-token `positions`. */
  private rotaryFor(b: number, t: number, positions: tf.Tensor2D | null): Rotation {
    const { cos, sin } = this.rotaryWide!;
    const pick = (table: tf.Tensor2D) =>
      (positions ? tf.gather(table, tf.reshape(positions, [-1])) : tf.tile(tf.slice(table, [0, 0], [t, -1]), [b, 1])) as tf.Tensor2D;
    return { cos: pick(cos), sin: pick(sin) };
  }
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

/** Rotate-half rotary embedding of x [B*T, D] within each head: x⊙cos + swapHalves(x)⊙sin. */
function applyRotary(x: tf.Tensor2D, { cos, sin }: Rotation, swap: tf.Tensor1D): tf.Tensor2D {
  return tf.add(tf.mul(x, cos), tf.mul(swapHalves(x, swap), sin)) as tf.Tensor2D;
}

/** The rotary tables of `rotaryTables` spread over all heads' channels, with the swap that rotates halves. */
function wideRotaryTables(context: number, headDim: number, heads: number): WideRotary {
  const half = headDim / 2;
  const width = headDim * heads;
  const cos = new Float32Array(context * width);
  const sin = new Float32Array(context * width);
  for (let p = 0; p < context; p++) {
    for (let h = 0; h < heads; h++) {
      for (let i = 0; i < half; i++) {
        const angle = p / ROTARY_BASE ** ((2 * i) / headDim);
        const first = p * width + h * headDim + i;
        cos[first] = cos[first + half] = Math.cos(angle);
        sin[first] = -Math.sin(angle);
        sin[first + half] = Math.sin(angle);
      }
    }
  }
  const swap = Int32Array.from({ length: width }, (_, c) => (c % headDim < half ? c + half : c - half));
  return { cos: tf.tensor2d(cos, [context, width]), sin: tf.tensor2d(sin, [context, width]), swap: tf.tensor1d(swap, 'int32') };
}

function rotaryTables(context: number, headDim: number): { cos: tf.Tensor2D; sin: tf.Tensor2D } {
  const half = headDim / 2;
  const cos = new Float32Array(context * half);
  const sin = new Float32Array(context * half);
  for (let p = 0; p < context; p++) {
    for (let i = 0; i < half; i++) {
      const angle = p / ROTARY_BASE ** ((2 * i) / headDim);
      cos[p * half + i] = Math.cos(angle);
      sin[p * half + i] = Math.sin(angle);
    }
  }
  return { cos: tf.tensor2d(cos, [context, half]), sin: tf.tensor2d(sin, [context, half]) };
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

/** Position of each token of a chunk at `start`: its index in its own sequence (0 on padding). */
function positionIds(b: number, t: number, start: number, starts: number[][] | null): tf.Tensor2D {
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
function maskValues(b: number, t: number, start: number, starts: number[][] | null): Float32Array {
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
function maskTensor(b: number, t: number, start: number, starts: number[][] | null): tf.Tensor4D {
  return tf.tensor4d(maskValues(b, t, start, starts), [b, 1, t, start + t]);
}
