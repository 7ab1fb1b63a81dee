// Between tfjs tensors and the plain arrays a checkpoint file holds.
import * as tf from '@tensorflow/tfjs-core';
import type { ArrayMap, NamedArray } from './safetensors';

/** Copies tensors out of the backend (one read each, outside any tidy). */
export function toArrays(tensors: ReadonlyMap<string, tf.Tensor>): ArrayMap {
  const out: ArrayMap = new Map();
  for (const [name, t] of tensors) {
    if (t.dtype !== 'float32' && t.dtype !== 'int32') throw new Error(`cannot checkpoint tensor "${name}" of dtype ${t.dtype}`);
    const data = t.dataSync() as Float32Array | Int32Array;
    out.set(name, { dtype: t.dtype, shape: [...t.shape], data: data.slice() } as NamedArray);
  }
  return out;
}

export function toTensor(array: NamedArray): tf.Tensor {
  return tf.tensor(array.data, array.shape, array.dtype);
}

/**
 * Assigns checkpoint arrays to the model's variables. Names and shapes must
 * match exactly; a mismatch says which tensor and why (a checkpoint of another
 * model shape, or of another version of the model).
 */
export function assignArrays(variables: ReadonlyMap<string, tf.Variable>, arrays: ArrayMap, source: string): void {
  const missing = [...variables.keys()].filter((name) => !arrays.has(name));
  const extra = [...arrays.keys()].filter((name) => !variables.has(name));
  if (missing.length > 0 || extra.length > 0) {
    const parts = [missing.length ? `missing ${missing.slice(0, 5).join(', ')}` : '', extra.length ? `unexpected ${extra.slice(0, 5).join(', ')}` : ''];
    throw new Error(`${source} does not fit this model (${parts.filter(Boolean).join('; ')}): was it saved from a model of another shape?`);
  }
  for (const [name, variable] of variables) {
    const array = arrays.get(name)!;
    if (array.shape.join('x') !== variable.shape.join('x')) {
      throw new Error(`${source}: tensor "${name}" has shape [${array.shape.join(', ')}], the model expects [${variable.shape.join(', ')}]`);
    }
    tf.tidy(() => variable.assign(toTensor(array)));
  }
}
