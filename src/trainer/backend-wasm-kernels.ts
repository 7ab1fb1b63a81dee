// Kernel replacements for tfjs-backend-wasm 4.x where its own kernel is far
// slower than it needs to be for our model.
//
// Slice: the stock kernel copies the WHOLE input out of the WASM heap
// (`readSync`) for every slice, so cutting attention into per-head blocks cost
// O(blocks x input). This one copies only the sliced elements from a heap view.

import * as tf from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

let installed = false;

export function installWasmKernels(): void {
  if (installed) return;
  const stock = tf.getKernel('Slice', 'wasm');
  if (!stock) return;
  tf.unregisterKernel('Slice', 'wasm');
  tf.registerKernel({
    kernelName: 'Slice',
    backendName: 'wasm',
    kernelFunc: (args) => {
      const x = args.inputs.x as tf.TensorInfo;
      if (x.dtype === 'string') return stock.kernelFunc(args);
      const backend = args.backend as BackendWasm;
      const { begin, size } = args.attrs as unknown as { begin: number[]; size: number[] };
      const [start, extent] = tf.slice_util.parseSliceParams(x, begin, size) as [number[], number[]];
      const out = backend.makeOutput(extent, x.dtype);
      // Views are taken after makeOutput: allocating may grow (and move) the heap.
      copyBlock(backend.typedArrayFromHeap(x), x.shape, start, extent, backend.typedArrayFromHeap(out));
      return out;
    },
  });
  installed = true;
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
