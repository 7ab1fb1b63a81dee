// Float32 tensors as plain arrays, on the backends whose tensor data lives in
// this process's memory (WASM's heap, the pure-JS CPU backend's arrays): what
// the WebAssembly kernels read their inputs from and write their results into.
// Native tfjs-node backends keep tfjs ops, so GPU backends keep data on the device.

import * as tf from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

const ARRAY_BACKENDS = new Set(['wasm', 'cpu']);

/** Whether the active backend's tensors can be read and written as arrays here. */
export function arrayBackend(): boolean {
  return ARRAY_BACKENDS.has(tf.getBackend());
}

/** A float32 tensor's values without a copy: a WASM heap view (valid until tfjs next allocates), the CPU backend's own array. */
export function tensorValues(t: tf.Tensor): Float32Array {
  if (t.dtype !== 'float32') throw new Error(`array kernels take float32 tensors, not ${t.dtype}`);
  if (tf.getBackend() === 'wasm') return (tf.backend() as BackendWasm).typedArrayFromHeap(t) as Float32Array;
  return t.dataSync() as Float32Array;
}

/** A new tensor holding a copy of `values` (WASM copies into its heap itself; the CPU backend keeps the array it gets). */
export function tensorOfValues<R extends tf.Rank>(values: Float32Array, shape: number[]): tf.Tensor<R> {
  return tf.tensor(tf.getBackend() === 'wasm' ? values : values.slice(), shape as tf.ShapeMap[R], 'float32') as tf.Tensor<R>;
}
