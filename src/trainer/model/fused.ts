// Fused training kernels (fused.wat) as tfjs operations with gradients, for the
// backends whose tensors live in this process's memory (WASM and the pure-JS
// CPU backend): LayerNorm and GELU forward and backward each in one WebAssembly
// SIMD call instead of ~10 tfjs kernels, and the weight gradient xᵀ·dy of a
// linear layer without the transposes and operand repacking tfjs needs.
//
// On the threaded WASM build, whose heap is a shared WebAssembly memory, the
// kernels are instantiated over that heap itself: they read their inputs where
// the tensors are and write their results into tensors allocated for them, with
// no copy either way. Elsewhere (the CPU backend, the single-threaded WASM build)
// they run in a memory of their own: inputs are copied in and results copied out.
// The weight gradient shares its output panels with helper threads
// (kernel-pool.ts), as many as the WASM backend runs.

import * as tf from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { FUSED_WASM } from './fused-wasm';
import { timed } from './kernel-clock';
import { MAX_PAGES, growTo, pagesFor } from './kernel-memory';
import { KernelPool, kernelThreads } from './kernel-pool';
import type { Rotation } from './ops';
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
  /** Rotary positions on q and k of qkv [rows, 3·width] into out (v copied); backward applies the transpose. */
  rotary(x: number, cos: number, sin: number, out: number, rows: number, width: number, half: number, backward: 0 | 1): void;
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

/** The kernels instantiated over one memory, with helper threads over the same memory. */
interface Instance {
  memory: WebAssembly.Memory;
  kernels: FusedExports;
  pool: KernelPool;
}

let compiled: WebAssembly.Module | null = null;

function instantiate(memory: WebAssembly.Memory): Instance {
  compiled ??= new WebAssembly.Module(Buffer.from(FUSED_WASM, 'base64'));
  const kernels = new WebAssembly.Instance(compiled, { env: { memory } }).exports as unknown as FusedExports;
  return { memory, kernels, pool: new KernelPool(compiled, memory, kernels as unknown as Record<string, unknown>, ['weightGrad'], MAX_HELPERS, 'weight gradient') };
}

/** What this file uses of the Emscripten module behind the WASM backend. */
interface EmscriptenModule {
  /** The threaded build hands its memory to its workers here; the other builds keep it to themselves. */
  wasmMemory?: WebAssembly.Memory;
  _malloc(bytes: number): number;
  _free(address: number): void;
}

const emscripten = (backend: BackendWasm) => backend.wasm as unknown as EmscriptenModule;

/** The kernels over the active WASM backend's heap, made on first use (again for a new backend). */
let onHeap: { backend: BackendWasm; instance: Instance } | null = null;
/** The kernels over a memory of their own, made on first use; it grows to the largest call and never shrinks. */
let ownMemory: Instance | null = null;

/** The active backend's heap and the kernels over it, where its heap is a shared memory (the threaded build); else null. */
function heap(): { backend: BackendWasm; instance: Instance } | null {
  if (tf.getBackend() !== 'wasm') return null;
  const backend = tf.backend() as BackendWasm;
  if (onHeap?.backend === backend) return onHeap;
  const memory = emscripten(backend).wasmMemory;
  if (!memory || !(memory.buffer instanceof SharedArrayBuffer)) return null;
  onHeap?.instance.pool.dispose();
  onHeap = { backend, instance: instantiate(memory) };
  return onHeap;
}

/** Whether the fused kernels run over the active backend's own heap, reading and writing tensors in place (no copies). */
export function fusedKernelsInPlace(): boolean {
  return heap() !== null;
}

/** Byte addresses of one call's inputs, outputs and scratch arrays (16-byte aligned), in the memory its kernels run over. */
interface Operands {
  kernels: FusedExports;
  pool: KernelPool;
  inputs: number[];
  outputs: number[];
  scratch: number[];
  /** A float32 view of that memory, valid until the next allocation. */
  view(address: number, floats: number): Float32Array;
}

/**
 * Runs `work` on float32 `inputs`, with outputs of `shapes` and scratch arrays
 * of `scratchFloats` floats, and returns the outputs as tensors: over the WASM
 * heap in place where it can (`inPlace`: the kernels touch no float past an
 * array's end), else in the kernels' own memory.
 */
function runKernels(inputs: tf.Tensor[], shapes: number[][], scratchFloats: number[], inPlace: boolean, work: (operands: Operands) => void): tf.Tensor[] {
  const onTfjsHeap = inPlace ? heap() : null;
  if (!onTfjsHeap) return runCopying(inputs, shapes, scratchFloats, work);
  const { backend, instance } = onTfjsHeap;
  const address = (info: tf.TensorInfo) => backend.dataIdMap.get(info.dataId)!.memoryOffset;
  for (const t of inputs) if (t.dtype !== 'float32') throw new Error(`fused kernels take float32 tensors, not ${t.dtype}`);
  const outputs = shapes.map((shape) => backend.makeOutput(shape, 'float32'));
  const blocks = scratchFloats.map((n) => emscripten(backend)._malloc(4 * n + 16) >>> 0);
  try {
    work({
      kernels: instance.kernels,
      pool: instance.pool,
      inputs: inputs.map(address),
      outputs: outputs.map(address),
      scratch: blocks.map((at) => Math.ceil(at / 16) * 16),
      view: (at, floats) => new Float32Array(instance.memory.buffer, at, floats),
    });
  } catch (error) {
    for (const output of outputs) backend.disposeData(output.dataId);
    throw error;
  } finally {
    for (const at of blocks) emscripten(backend)._free(at);
  }
  return outputs.map((output) => tf.engine().makeTensorFromTensorInfo(output));
}

/** runKernels in the kernels' own memory: inputs copied in, outputs copied out into new tensors. */
function runCopying(inputs: tf.Tensor[], shapes: number[][], scratchFloats: number[], work: (operands: Operands) => void): tf.Tensor[] {
  const outputSizes = shapes.map((shape) => shape.reduce((a, b) => a * b, 1));
  const sizes = [...inputs.map((t) => t.size), ...outputSizes, ...scratchFloats];
  // Each array starts 16-byte aligned and has whole lanes: the kernels may use the floats past its end in its last lane.
  const padded = sizes.map((n) => Math.ceil(n / 4) * 4);
  const pages = pagesFor(
    padded.reduce((a, b) => a + b, 0) * 4,
    (gb) => `a fused training kernel needs ${gb} GB of WebAssembly memory, more than the 4 GB it can hold: use smaller micro-batches`,
  );
  ownMemory ??= instantiate(new WebAssembly.Memory({ initial: Math.max(pages, 1), maximum: MAX_PAGES, shared: true }));
  const { memory, kernels, pool } = ownMemory;
  growTo(memory, pages);
  const addresses: number[] = [];
  padded.reduce((offset, n) => (addresses.push(offset * 4), offset + n), 0);
  const view = (at: number, floats: number) => new Float32Array(memory.buffer, at, floats);
  inputs.forEach((t, i) => view(addresses[i]!, t.size).set(tensorValues(t)));
  const outputs = addresses.slice(inputs.length, inputs.length + shapes.length);
  work({ kernels, pool, inputs: addresses.slice(0, inputs.length), outputs, scratch: addresses.slice(inputs.length + shapes.length), view });
  return shapes.map((shape, i) => tensorOfValues(view(outputs[i]!, outputSizes[i]!), shape));
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
  // Whole tiles are packed straight from the operands into the output; others go through padded copies.
  const whole = mp === m && np === n;
  const scratch = whole ? [k * mp, k * np] : [k * mp, k * np, k * mp, k * np, mp * np];
  const [gradient] = runKernels([x, dy], [[m, n]], scratch, true, ({ kernels, pool, inputs, outputs, scratch: at, view }) => {
    const [xPanels, dyPanels, xs, dys, padded] = at as [number, number, number?, number?, number?];
    let [xAt, dyAt, outAt] = [inputs[0]!, inputs[1]!, outputs[0]!];
    if (!whole) {
      copyRows(view(inputs[0]!, k * m), k, m, view(xs!, k * mp), mp);
      copyRows(view(inputs[1]!, k * n), k, n, view(dys!, k * np), np);
      [xAt, dyAt, outAt] = [xs!, dys!, padded!];
    }
    kernels.pack(xAt, xPanels, k, mp, TILE_M);
    kernels.pack(dyAt, dyPanels, k, np, TILE_N);
    const block = Math.max(16, Math.floor(BLOCK_BYTES / (4 * mp)));
    // dy's column panels are shared among the threads: each output is summed by one, in one order.
    pool.run('weightGrad', [xPanels, dyPanels, outAt, k, mp, np, block, 0, 0], 7, new Float64Array(np / TILE_N).fill(1), threads);
    if (!whole) {
      const out = view(outputs[0]!, m * n);
      const full = view(padded!, mp * np);
      for (let r = 0; r < m; r++) out.set(full.subarray(r * np, r * np + n), r * n);
    }
  });
  return gradient as tf.Tensor2D;
}

/** Threads that take a share of a weight gradient now: this one and the helpers ready so far (they start on first use). */
export function weightGradientThreads(): number {
  const instance = heap()?.instance ?? ownMemory;
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
    const [value, statistics] = timed('layernorm', () =>
      runKernels([xt, wt, bt], [[rows, width], [rows, 2]], [], true, ({ kernels, inputs: [xa, wa, ba], outputs: [out, stats] }) =>
        kernels.layerNormForward(xa!, wa!, ba!, out!, stats!, rows, width, eps)),
    ) as [tf.Tensor2D, tf.Tensor2D];
    save([xt, statistics]);
    return {
      value,
      gradFunc: (dy: tf.Tensor2D, saved: tf.Tensor[]) => {
        const [sx, sstats] = saved as [tf.Tensor2D, tf.Tensor2D];
        return timed('layernorm backward', () =>
          runKernels([sx, wt, sstats, dy], [[rows, width], [width], [width]], [], true, ({ kernels, inputs: [xa, wa, sa, da], outputs: [dx, dw, db] }) =>
            kernels.layerNormBackward(xa!, wa!, sa!, da!, dx!, dw!, db!, rows, width)),
        );
      },
    };
  }) as (x: tf.Tensor2D, weight: tf.Tensor | tf.Variable, bias: tf.Tensor | tf.Variable) => tf.Tensor2D;
  return run(x, weight, bias);
}

/** GELU (tanh approximation, as gpt.ts's) in one pass each way; keeps only x for the backward. */
export const fusedGelu = tf.customGrad((...inputs: Array<tf.Tensor | tf.GradSaveFunc>) => {
  const [x, save] = inputs as [tf.Tensor2D, tf.GradSaveFunc];
  const size = x.size;
  // The kernel works in whole lanes of 4: in place only when the tensors hold whole lanes.
  const lanes = Math.ceil(size / 4) * 4;
  const inPlace = lanes === size;
  const [value] = timed('gelu', () =>
    runKernels([x], [x.shape], [], inPlace, ({ kernels, inputs: [xa], outputs: [out] }) => kernels.gelu(xa!, 0, out!, lanes, 0)),
  ) as [tf.Tensor2D];
  save([x]);
  return {
    value,
    gradFunc: (dy: tf.Tensor2D, saved: tf.Tensor[]) =>
      timed('gelu backward', () =>
        runKernels([saved[0]!, dy], [x.shape], [], inPlace, ({ kernels, inputs: [xa, da], outputs: [dx] }) => kernels.gelu(xa!, da!, dx!, lanes, 1)),
      )[0]!,
  };
}) as (x: tf.Tensor2D) => tf.Tensor2D;

/**
 * Rotary positions on the query and key thirds of a fused projection qkv
 * [N, 3D] in one pass (v passes through): what applyRotary does to q and k
 * after a split, without the split, the column swap's gather and the concat of
 * their gradients. `cos` and `sin` are positions.ts's wide tables, rows picked
 * per token [N, D]; each head's half must be whole SIMD lanes (checked by `rotarySupported`).
 */
export function fusedRotaryQkv(qkv: tf.Tensor2D, { cos, sin }: Rotation, heads: number): tf.Tensor2D {
  const [rows, columns] = qkv.shape;
  const width = columns / 3;
  const half = width / heads / 2;
  if (!rotarySupported(width, heads)) throw new Error(`fused rotary needs heads of whole 8-channel groups, got width ${width} / ${heads} heads`);
  const rotate = (x: tf.Tensor2D, c: tf.Tensor, s: tf.Tensor, backward: 0 | 1) =>
    runKernels([x, c, s], [[rows, columns]], [], true, ({ kernels, inputs: [xa, ca, sa], outputs: [out] }) =>
      kernels.rotary(xa!, ca!, sa!, out!, rows, width, half, backward))[0] as tf.Tensor2D;
  const run = tf.customGrad((...inputs: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const [x, save] = inputs as [tf.Tensor2D, tf.GradSaveFunc];
    save([cos, sin]);
    return {
      value: timed('rotary', () => rotate(x, cos, sin, 0)),
      gradFunc: (dy: tf.Tensor2D, saved: tf.Tensor[]) => timed('rotary backward', () => rotate(dy, saved[0]!, saved[1]!, 1)),
    };
  }) as (x: tf.Tensor2D) => tf.Tensor2D;
  return run(qkv);
}

/** Whether fusedRotaryQkv takes this shape: head halves of whole 4-lane groups. */
export function rotarySupported(width: number, heads: number): boolean {
  return width % heads === 0 && (width / heads) % 8 === 0;
}
