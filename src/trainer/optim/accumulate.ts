// Gradient accumulation over micro-batches. tfjs keeps every intermediate of a
// forward/backward pass until the gradient call returns, and the WASM heap
// (4 GB at most) never shrinks, so a large batch runs as several small passes
// whose gradients are summed; the peak is one micro-batch's.

import * as tf from '@tensorflow/tfjs-core';

export interface Accumulated {
  /** Weighted mean of the micro-batch losses. */
  loss: number;
  /** Gradient of the weighted mean loss for every variable; the caller disposes them. */
  grads: Map<string, tf.Tensor>;
}

/**
 * Runs `loss(i)` for micro-batches i = 0..count-1 and accumulates gradients of
 * sum_i weight(i) * loss(i) (the weight defaults to 1/count, a plain mean; a
 * loss already divided by the whole batch's totals takes 1, a plain sum).
 */
export function accumulateGradients(
  variables: Map<string, tf.Variable>,
  count: number,
  loss: (index: number) => tf.Scalar,
  weight: (index: number) => number = () => 1 / count,
): Accumulated {
  if (count < 1) throw new Error('accumulateGradients needs at least one micro-batch');
  const names = [...variables.keys()];
  const list = names.map((n) => variables.get(n)!);
  let sums: tf.Tensor[] | null = null;
  let total = 0;
  for (let i = 0; i < count; i++) {
    const { value, grads } = tf.variableGrads(() => tf.mul(loss(i), weight(i)) as tf.Scalar, list);
    total += value.dataSync()[0]!;
    value.dispose();
    const current = names.map((n, j) => grads[list[j]!.name] ?? tf.zerosLike(variables.get(n)!));
    if (sums === null) {
      sums = current;
    } else {
      const previous: tf.Tensor[] = sums;
      sums = tf.tidy(() => previous.map((s, j) => tf.add(s, current[j]!)));
      tf.dispose([...previous, ...current]);
    }
  }
  return { loss: total, grads: new Map(names.map((n, j) => [n, sums![j]!])) };
}
