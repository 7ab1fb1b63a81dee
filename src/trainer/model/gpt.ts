// A decoder-only transformer in TensorFlow.js ops, in the spirit of nanoGPT:
// token (+ learned position) embedding, `layers` pre-norm blocks of causal
// multi-head attention and a GELU MLP, a final norm, and an output head tied to
// the embedding (or separate). Rotary positions and a scalar value head are options.
//
// Speed on WASM decides the shape of the code: the residual stream stays 2-D
// [B*T, D] so every weight product is a plain 2-D matMul (`linear`, ops.ts),
// and attention runs per (sequence, head) block (attention.ts). Shapes use B
// rows, T tokens per row, D width, H heads, hd = D/H, V vocabulary.
//
// Weights are stored [in, out] (x · W), unlike PyTorch's Linear [out, in].

import * as tf from '@tensorflow/tfjs-core';
import type { ModelConfig } from '../../core/spec/config';
import { Rng } from '../rng';
import { type AttentionBlock, batchedAttention, blockAttention, packedBlockAttention } from './attention';
import type { DecodeWeights } from './decoder';
import { fusedRotaryQkv, rotarySupported } from './fused';
import { type Rotation, applyRotary, embed, gelu, layerNorm, linear, product } from './ops';
import { type WideRotary, maskTensor, maskValues, padStarts, positionIds, rotaryTables, rowCuts, wideRotaryTables } from './positions';
import { arrayBackend } from './tensor-arrays';

/** Keys and values of every layer for the tokens seen so far, [B, H, L, hd] each. */
export interface KvCache {
  keys: tf.Tensor4D[];
  values: tf.Tensor4D[];
  /** Positions (padding included) the cache holds. */
  length: number;
}

/** Where a chunk of tokens sits: the sequences in each row (positions.ts; null: one per row from 0) and the cache it extends. */
interface Placement {
  starts: number[][] | null;
  past: KvCache | null;
}

/** What every layer's attention shares within one pass over a chunk of B rows of T tokens. */
interface Chunk {
  b: number;
  t: number;
  /** One causal block per sequence (block attention), or one additive mask tensor (batched attention over a cache). */
  masks: { blocks?: AttentionBlock[]; batched?: tf.Tensor };
  rotary: Rotation | null;
  past: KvCache | null;
  /** No gradient bookkeeping; keys and values are returned for the cache. */
  inference: boolean;
}

/**
 * Inference chunks shorter than this use batched 4-D attention: its products
 * are small, and a few kernel calls beat B*H blocks. Training always uses blocks.
 */
const BATCHED_ATTENTION_BELOW = 64;

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
  private readonly rotary: WideRotary | null;
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
    this.rotary = config.positions === 'rotary' ? wideRotaryTables(context, this.headDim, heads) : null;
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
      const values = tf.reshape(tf.add(linear(hidden, valueWeight as tf.Tensor2D), valueBias), [b, t]) as tf.Tensor2D; // [B, T]
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
      const last = tf.reshape(tf.slice(tf.reshape(hidden, [b, t, -1]), [0, t - 1, 0], [b, 1, -1]), [b, -1]) as tf.Tensor2D; // [B, D]
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
    const { width, heads, context } = this.config;
    return {
      width,
      heads,
      context,
      vocab: this.vocabSize,
      embedding: array(this.wte),
      positions: this.wpe ? array(this.wpe) : null,
      rotary: this.rotary ? rotaryTables(context, this.headDim) : null,
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
    if (this.rotary) tf.dispose([this.rotary.cos, this.rotary.sin, this.rotary.swap]);
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
    const positions = ragged ? positionIds(b, t, start, where.starts) : null; // [B, T]
    const batched = where.past !== null || (inference && t < BATCHED_ATTENTION_BELOW);
    const chunk: Chunk = {
      b,
      t,
      masks: batched
        ? { batched: ragged ? maskTensor(b, t, start, where.starts) : this.causalMask(t) }
        : { blocks: this.sequenceBlocks(b, t, where.starts) },
      rotary: this.rotary ? this.rotaryFor(b, t, positions) : null,
      past: where.past,
      inference,
    };
    const mm = inference ? product : linear;
    let x = embed(ids, this.wte); // [B*T, D]
    if (this.wpe) {
      const wpe = this.wpe as tf.Tensor2D;
      x = positions
        ? tf.add(x, embed(positions, wpe))
        : tf.reshape(tf.add(tf.reshape(x, [b, t, -1]), tf.slice(wpe, [0, 0], [t, -1])), [b * t, -1]);
    }
    const keys: tf.Tensor4D[] = [];
    const values: tf.Tensor4D[] = [];
    this.blocks.forEach((layer, i) => {
      const attn = this.attention(layerNorm(x, layer.ln1Weight, layer.ln1Bias), layer, i, chunk);
      if (attn.keys && attn.values) {
        keys.push(attn.keys);
        values.push(attn.values);
      }
      x = tf.add(x, attn.out); // [B*T, D]
      const h = gelu(mm(layerNorm(x, layer.ln2Weight, layer.ln2Bias), layer.mlpFc)); // [B*T, 4D]
      x = tf.add(x, mm(h, layer.mlpProj)); // [B*T, D]
    });
    return {
      hidden: layerNorm(x, this.lnfWeight, this.lnfBias),
      cache: { keys, values, length: start + t },
    };
  }

  /** Causal self-attention of layer `index` on normed x [B*T, D] -> out [B*T, D], with its keys and values in inference. */
  private attention(x: tf.Tensor2D, layer: Layer, index: number, chunk: Chunk): { out: tf.Tensor2D; keys: tf.Tensor4D | null; values: tf.Tensor4D | null } {
    const { b, t, masks, rotary, past, inference } = chunk;
    const { heads } = this.config;
    // [B*T, D] -> [B, H, T, hd]; with one position per row, [B, 1, H, hd] and [B, H, 1, hd] share a memory layout.
    const toHeads = (m: tf.Tensor) =>
      (t === 1
        ? tf.reshape(m, [b, heads, 1, this.headDim])
        : tf.transpose(tf.reshape(m, [b, t, heads, this.headDim]), [0, 2, 1, 3])) as tf.Tensor4D;
    const mm = inference ? product : linear;
    const qkv = mm(x, layer.attnQkv); // [B*T, 3D]
    // Training attends on the projection whole: no split, no concat of its gradients. Rotary
    // positions then turn q and k inside it, in one kernel where the backend has it (fused.ts).
    const rotateWhole = rotary !== null && arrayBackend() && rotarySupported(this.config.width, heads);
    if (masks.blocks && !inference && (!rotary || rotateWhole)) {
      const projected = rotary ? fusedRotaryQkv(qkv, rotary, heads) : qkv;
      return { out: mm(packedBlockAttention(projected, masks.blocks, heads), layer.attnProj), keys: null, values: null };
    }
    let [q, k, v] = tf.split(qkv, 3, 1) as [tf.Tensor2D, tf.Tensor2D, tf.Tensor2D]; // [B*T, D] each
    if (rotary) {
      q = applyRotary(q, rotary, this.rotary!.swap);
      k = applyRotary(k, rotary, this.rotary!.swap);
    }
    if (masks.blocks) {
      const mixed = blockAttention(q, k, v, masks.blocks, heads); // [B*T, D]
      const cached = inference ? { keys: toHeads(k), values: toHeads(v) } : { keys: null, values: null };
      return { out: mm(mixed, layer.attnProj), ...cached };
    }
    const keys = past ? tf.concat([past.keys[index]!, toHeads(k)], 2) : toHeads(k); // [B, H, start+T, hd]
    const values = past ? tf.concat([past.values[index]!, toHeads(v)], 2) : toHeads(v);
    const mixed = batchedAttention(toHeads(q), keys, values, masks.batched!); // [B, H, T, hd]
    const flat = tf.reshape(t === 1 ? mixed : tf.transpose(mixed, [0, 2, 1, 3]), [b * t, -1]) as tf.Tensor2D; // [B*T, D]
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
      const cuts = rowCuts(t, starts?.[r]);
      for (let i = 0; i + 1 < cuts.length; i++) {
        const length = cuts[i + 1]! - cuts[i]!;
        if (!masks.has(length)) masks.set(length, this.causalMask(length));
        blocks.push({ offset: r * t + cuts[i]!, length, mask: masks.get(length)! });
      }
    }
    return blocks;
  }

  /** cos/sin [B*T, D] of a chunk at positions 0..T-1 in every row, or at per-token `positions` [B, T]. */
  private rotaryFor(b: number, t: number, positions: tf.Tensor2D | null): Rotation {
    const { cos, sin } = this.rotary!;
    const pick = (table: tf.Tensor2D) =>
      (positions ? tf.gather(table, tf.reshape(positions, [-1])) : tf.tile(tf.slice(table, [0, 0], [t, -1]), [b, 1])) as tf.Tensor2D;
    return { cos: pick(cos), sin: pick(sin) };
  }
}
