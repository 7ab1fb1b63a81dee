// Fused training kernels (fused.wat) as tfjs operations with gradients, for the
// backends whose tensors live in this process's memory (WASM and the pure-JS
// CPU backend): LayerNorm and GELU forward and backward each in one WebAssembly
// SIMD call instead of ~10 tfjs kernels, and the weight gradient xᵀ·dy of a
// linear layer without the transposes and operand repacking tfjs needs.
//
// The kernels run in a WebAssembly memory of their own: each call copies its
// inputs in (a view of the WASM heap, or the CPU backend's array) and its
// results out into fresh tensors. The copies are linear in the data; the work
// they replace is many passes over it (or, for xᵀ·dy, a product). The weight
// gradient shares its output panels with helper threads (kernel-pool.ts), as
// many as the WASM backend runs.

import * as tf from '@tensorflow/tfjs-core';
import { FUSED_WASM } from './fused-wasm';
import { timed } from './kernel-clock';
import { MAX_PAGES, growTo, pagesFor } from './kernel-memory';
import { KernelPool, kernelThreads } from './kernel-pool';
import { tensorOfValues, tensorValues } from './tensor-arrays';

/** fused.wat's exports; addresses are byte offsets into its memory. */
interface FusedExports {
  pack(src: number, dst: number, rows: number, cols: number, width: number): void;
  /** Over dy's column panels [from, to). */
  weightGrad(x: number, dy: number, out: number, k: number, m: number, n: number, block: number, from: number, to: number): void;
  layerNormForward(x: number, weight: number, bias: number, out: number, stats: number, rows: number, width: number, eps: number): void;
  layerNormBackward(
    x: number, weight: number, stats: number, dy: number, dx: number, dweight: number, dbias: number, rows: number, width: number,
  ): void;
  /** Forward (backward 0) ignores dy. */
  gelu(x: number, dy: number, out: number, n: number, backward: 0 | 1): void;
}

/** Register tiles of the weight-gradient kernel: 4 rows of xᵀ by 8 columns of dy. */
const TILE_M = 4;
const TILE_N = 8;
/**
 * Bytes of x's rows (block × m floats) the weight-gradient kernel works through
 * at a time: they stay in the core's L2 cache while every dy panel passes over them.
 */
const BLOCK_BYTES = 128 * 1024;

/** Helper threads at most: the WASM backend's own pool never has more than 8 threads. */
const MAX_HELPERS = 7;

/**
 * The kernels' instance, shared memory and helper threads, made on first use;
 * the memory grows to the largest call and never shrinks.
 */
let instance: { memory: WebAssembly.Memory; kernels: FusedExports; pool: KernelPool } | null = null;

/**
 * Float32 views of consecutive regions of the kernels' memory, `sizes[i]`
 * floats each (each starting 16-byte aligned), valid until the next call grows
 * the memory. Grows it when needed.
 */
function regions(sizes: number[]): { kernels: FusedExports; pool: KernelPool; views: Float32Array[] } {
  const padded = sizes.map((n) => Math.ceil(n / 4) * 4);
  const bytes = padded.reduce((a, b) => a + b, 0) * 4;
  const pages = pagesFor(
    bytes,
    (gb) => `a fused training kernel needs ${gb} GB of WebAssembly memory, more than the 4 GB it can hold: use smaller micro-batches`,
  );
  if (!instance) {
    const memory = new WebAssembly.Memory({ initial: Math.max(pages, 1), maximum: MAX_PAGES, shared: true });
    const module = new WebAssembly.Module(Buffer.from(FUSED_WASM, 'base64'));
    const kernels = new WebAssembly.Instance(module, { env: { memory } }).exports as unknown as FusedExports;
    const pool = new KernelPool(module, memory, kernels as unknown as Record<string, unknown>, ['weightGrad'], MAX_HELPERS, 'weight gradient');
    instance = { memory, kernels, pool };
  }
  const { memory, kernels, pool } = instance;
  growTo(memory, pages);
  let offset = 0;
  const views = sizes.map((n, i) => {
    const view = new Float32Array(memory.buffer, offset * 4, n);
    offset += padded[i]!;
    return view;
  });
  return { kernels, pool, views };
}

/** Copies a [rows, cols] matrix into `target` laid out [rows, stride] (stride >= cols; the extra columns are zeroed). */
function copyRows(source: Float32Array, rows: number, cols: number, target: Float32Array, stride: number): void {
  if (stride === cols) {
    target.set(source);
    return;
  }
  for (let r = 0; r < rows; r++) {
    target.set(source.subarray(r * cols, (r + 1) * cols), r * stride);
    target.fill(0, r * stride + cols, (r + 1) * stride);
  }
}

/**
 * xᵀ·dy for x [k, m] and dy [k, n]: the weight gradient of x·W. Operands whose
 * widths are not whole register tiles are zero-padded on the way in and cut on the way out.
 */
export function fusedWeightGradient(x: tf.Tensor2D, dy: tf.Tensor2D, threads = kernelThreads()): tf.Tensor2D {
  return timed('weight gradient', () => weightGradient(x, dy, threads));
}

function weightGradient(x: tf.Tensor2D, dy: tf.Tensor2D, threads: number): tf.Tensor2D {
  const [k, m] = x.shape;
  const n = dy.shape[1];
  if (dy.shape[0] !== k) throw new Error(`xᵀ·dy needs as many rows in dy as in x, got [${x.shape}] and [${dy.shape}]`);
  const mp = Math.ceil(m / TILE_M) * TILE_M;
  const np = Math.ceil(n / TILE_N) * TILE_N;
  const { kernels, pool, views } = regions([k * mp, k * np, k * mp, k * np, mp * np]);
  const [xs, dys, xPanels, dyPanels, out] = views as [Float32Array, Float32Array, Float32Array, Float32Array, Float32Array];
  copyRows(tensorValues(x), k, m, xs, mp);
  copyRows(tensorValues(dy), k, n, dys, np);
  kernels.pack(xs.byteOffset, xPanels.byteOffset, k, mp, TILE_M);
  kernels.pack(dys.byteOffset, dyPanels.byteOffset, k, np, TILE_N);
  const block = Math.max(16, Math.floor(BLOCK_BYTES / (4 * mp)));
  // dy's column panels are shared among the threads: each output is summed by one, in one order.
  const panels = np / TILE_N;
  pool.run('weightGrad', [xPanels.byteOffset, dyPanels.byteOffset, out.byteOffset, k, mp, np, block, 0, 0], 7, new Float64Array(panels).fill(1), threads);
  if (np !== n) for (let r = 0; r < m; r++) out.copyWithin(r * n, r * np, r * np + n);
  return tensorOfValues(out.subarray(0, m * n), [m, n]);
}

/** Threads that take a share of a weight gradient now: this one and the helpers ready so far (they start on first use). */
export function weightGradientThreads(): number {
  return 1 + (instance?.pool.readyHelpers ?? 0);
}

/**
 * LayerNorm over the last axis of x [N, D] with gain and bias [D], in one pass
 * forward and one backward (dx and the column sums of dweight and dbias). It
 * keeps x and each row's mean and rstd for the backward: no normalised copy.
 */
export function fusedLayerNorm(x: tf.Tensor2D, weight: tf.Tensor | tf.Variable, bias: tf.Tensor | tf.Variable, eps: number): tf.Tensor2D {
  const run = tf.customGrad((...inputs: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const [xt, wt, bt, save] = inputs as [tf.Tensor2D, tf.Tensor1D, tf.Tensor1D, tf.GradSaveFunc];
    const [rows, width] = xt.shape;
    const { value, statistics } = timed('layernorm', () => {
      const { kernels, views } = regions([rows * width, width, width, rows * width, rows * 2]);
      const [xs, ws, bs, out, stats] = views as [Float32Array, Float32Array, Float32Array, Float32Array, Float32Array];
      xs.set(tensorValues(xt));
      ws.set(tensorValues(wt));
      bs.set(tensorValues(bt));
      kernels.layerNormForward(xs.byteOffset, ws.byteOffset, bs.byteOffset, out.byteOffset, stats.byteOffset, rows, width, eps);
      return { value: tensorOfValues<tf.Rank.R2>(out, [rows, width]), statistics: tensorOfValues(stats, [rows, 2]) };
    });
    save([xt, statistics]);
    return {
      value,
      gradFunc: (dy: tf.Tensor2D, saved: tf.Tensor[]) => {
        const [sx, sstats] = saved as [tf.Tensor2D, tf.Tensor2D];
        return timed('layernorm backward', () => {
          const back = regions([rows * width, width, rows * 2, rows * width, rows * width, width, width]);
          const [bx, bw, bstats, bdy, dx, dweight, dbias] = back.views as Float32Array[];
          bx!.set(tensorValues(sx));
          bw!.set(tensorValues(wt));
          bstats!.set(tensorValues(sstats));
          bdy!.set(tensorValues(dy));
          back.kernels.layerNormBackward(
            bx!.byteOffset, bw!.byteOffset, bstats!.byteOffset, bdy!.byteOffset, dx!.byteOffset, dweight!.byteOffset, dbias!.byteOffset,
            rows, width,
          );
          return [tensorOfValues(dx!, [rows, width]), tensorOfValues(dweight!, [width]), tensorOfValues(dbias!, [width])];
        });
      },
    };
  }) as (x: tf.Tensor2D, weight: tf.Tensor | tf.Variable, bias: tf.Tensor | tf.Variable) => tf.Tensor2D;
  return run(x, weight, bias);
}

/** GELU (tanh approximation, as gpt.ts's) in one pass each way; keeps only x for the backward. */
export const fusedGelu = tf.customGrad((...inputs: Array<tf.Tensor | tf.GradSaveFunc>) => {
  const [x, save] = inputs as [tf.Tensor2D, tf.GradSaveFunc];
  const size = x.size;
  const value = timed('gelu', () => {
    const { kernels, views } = regions([size, size]);
    const [xs, out] = views as [Float32Array, Float32Array];
    xs.set(tensorValues(x));
    // Whole lanes: the floats past `size` in the last lane are scratch.
    kernels.gelu(xs.byteOffset, 0, out.byteOffset, Math.ceil(size / 4) * 4, 0);
    return tensorOfValues<tf.Rank.R2>(out, x.shape);
  });
  save([x]);
  return {
    value,
    gradFunc: (dy: tf.Tensor2D, saved: tf.Tensor[]) =>
      timed('gelu backward', () => {
        const back = regions([size, size, size]);
        const [bx, bdy, dx] = back.views as [Float32Array, Float32Array, Float32Array];
        bx.set(tensorValues(saved[0]!));
        bdy.set(tensorValues(dy));
        back.kernels.gelu(bx.byteOffset, bdy.byteOffset, dx.byteOffset, Math.ceil(size / 4) * 4, 1);
        return tensorOfValues(dx, x.shape);
      }),
  };
}) as (x: tf.Tensor2D) => tf.Tensor2D;
