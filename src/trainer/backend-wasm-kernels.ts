// Kernel replacements for tfjs-backend-wasm 4.x where its own kernel is far
// slower than it needs to be for our model.
//
// Slice and SplitV: the stock kernels copy the WHOLE input out of the WASM heap
// (`readSync`) for every output, so cutting attention into per-head blocks cost
// O(blocks x input). These copy only the requested elements from a heap view.
//
// GatherV2: the stock kernel took ~4 ms to pick the columns of a [450, 128]
// tensor (rotary's half swap, 16 calls a step, 15% of a pretraining step).
// This copies runs of the inner axes straight between heap views.
//
// Identity: the stock kernel copies its input. tfjs clones every tensor a
// gradient needs through Identity, so each training step copied most of its
// activations once more. Tensors are immutable, so the output shares the
// input's memory with a reference count, as Reshape and the CPU backend do.

import * as tf from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

let installed = false;

export function installWasmKernels(): void {
  if (installed) return;
  replace('Identity', (args, stock) => {
    const x = args.inputs.x as tf.TensorInfo;
    if (x.dtype === 'string') return stock(args);
    (args.backend as BackendWasm).incRef(x.dataId);
    return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
  });
  replace('Slice', (args, stock) => {
    const x = args.inputs.x as tf.TensorInfo;
    if (x.dtype === 'string') return stock(args);
    const { begin, size } = args.attrs as unknown as { begin: number[]; size: number[] };
    const [start, extent] = tf.slice_util.parseSliceParams(x, begin, size) as [number[], number[]];
    return sliceOut(args.backend as BackendWasm, x, start, extent);
  });
  replace('SplitV', (args, stock) => {
    const x = args.inputs.x as tf.TensorInfo;
    if (x.dtype === 'string') return stock(args);
    const { numOrSizeSplits, axis } = args.attrs as unknown as { numOrSizeSplits: number[] | number; axis: number };
    const at = tf.util.parseAxisParam(axis, x.shape)[0]!;
    const sizes = tf.backend_util.prepareSplitSize(x, numOrSizeSplits, at);
    const start = new Array<number>(x.shape.length).fill(0);
    return sizes.map((n) => {
      const extent = [...x.shape];
      extent[at] = n;
      const out = sliceOut(args.backend as BackendWasm, x, [...start], extent);
      start[at]! += n;
      return out;
    });
  });
  replace('GatherV2', (args, stock) => {
    const { x, indices } = args.inputs as { x: tf.TensorInfo; indices: tf.TensorInfo };
    const { axis, batchDims } = args.attrs as unknown as { axis: number; batchDims: number };
    if (x.dtype === 'string' || batchDims !== 0) return stock(args);
    return gatherOut(args.backend as BackendWasm, x, indices, tf.util.parseAxisParam(axis, x.shape)[0]!);
  });
  installed = true;
}

type KernelFunc = (args: Parameters<tf.KernelFunc>[0]) => tf.TensorInfo | tf.TensorInfo[];

function replace(name: string, kernel: (args: Parameters<tf.KernelFunc>[0], stock: KernelFunc) => tf.TensorInfo | tf.TensorInfo[]): void {
  const stock = tf.getKernel(name, 'wasm');
  if (!stock) return;
  tf.unregisterKernel(name, 'wasm');
  tf.registerKernel({ kernelName: name, backendName: 'wasm', kernelFunc: (args) => kernel(args, stock.kernelFunc as KernelFunc) });
}

function sliceOut(backend: BackendWasm, x: tf.TensorInfo, start: number[], extent: number[]): tf.TensorInfo {
  const out = backend.makeOutput(extent, x.dtype);
  // Views are taken after makeOutput: allocating may grow (and move) the heap.
  copyBlock(backend.typedArrayFromHeap(x), x.shape, start, extent, backend.typedArrayFromHeap(out));
  return out;
}

/** x's slices along `axis` picked by `indices` (any shape): shape x[..axis) + indices + x(axis..]. */
function gatherOut(backend: BackendWasm, x: tf.TensorInfo, indices: tf.TensorInfo, axis: number): tf.TensorInfo {
  const size = x.shape[axis]!;
  const picks = Array.from(backend.typedArrayFromHeap(indices), (i) => {
    if (i < 0 || i >= size) throw new Error(`gather: index ${i} is outside [0, ${size - 1}]`);
    return i;
  });
  const out = backend.makeOutput([...x.shape.slice(0, axis), ...indices.shape, ...x.shape.slice(axis + 1)], x.dtype);
  const source = backend.typedArrayFromHeap(x);
  const target = backend.typedArrayFromHeap(out);
  const outer = x.shape.slice(0, axis).reduce((a, b) => a * b, 1);
  const inner = x.shape.slice(axis + 1).reduce((a, b) => a * b, 1);
  let written = 0;
  for (let o = 0; o < outer; o++) {
    const base = o * size * inner;
    for (const i of picks) {
      const from = base + i * inner;
      if (inner === 1) target[written] = source[from]!;
      else target.set(source.subarray(from, from + inner), written);
      written += inner;
    }
  }
  return out;
}

/** Copies the block at `start` of size `extent` from `source` (of `shape`) into `target`, run by run. */
function copyBlock(
  source: tf.backend_util.TypedArray,
  shape: number[],
  start: number[],
  extent: number[],
  target: tf.backend_util.TypedArray,
): void {
  const rank = shape.length;
  if (rank === 0 || extent.some((e) => e === 0)) return;
  const strides = tf.util.computeStrides(shape);
  strides.push(1);
  // Axes after `inner` are taken whole, so each run from axis `inner` on is contiguous.
  let inner = rank - 1;
  while (inner > 0 && extent[inner] === shape[inner]) inner--;
  const run = extent.slice(inner).reduce((a, b) => a * b, 1);
  const index = new Array<number>(inner).fill(0);
  let written = 0;
  for (;;) {
    let offset = start[inner]! * strides[inner]!;
    for (let d = 0; d < inner; d++) offset += (start[d]! + index[d]!) * strides[d]!;
    target.set(source.subarray(offset, offset + run), written);
    written += run;
    let d = inner - 1;
    while (d >= 0 && ++index[d]! === extent[d]) index[d--] = 0;
    if (d < 0) return;
  }
}
