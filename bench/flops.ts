// Floating-point work of the engine's transformer (gpt.ts, and the PyTorch peer's
// identical one), so that benchmarks can say how many GFLOP/s a part achieved
// and how far that is from the machine's matrix-product peak. Counts the useful
// work only, a multiply-add as 2: the weight products, the output head, and
// causal attention over the positions each token really attends to (a padded
// slot or the upper triangle of a mask is not work).

export interface GptShape {
  layers: number;
  width: number;
  vocab: number;
}

/** Forward FLOPs of one causal sequence of `length` tokens, every position computed. */
export function sequenceForwardFlops({ layers, width, vocab }: GptShape, length: number): number {
  // Per token and layer: qkv 3d², projection d², MLP 4d² + 4d² weights, 2 FLOPs each; then the head's d·V.
  const weights = length * (layers * 24 * width * width + 2 * width * vocab);
  // Per layer: q·kᵀ and the weighted sum of values, 2d each per attended position; token i attends to i + 1.
  const attention = layers * 4 * width * ((length * (length + 1)) / 2);
  return weights + attention;
}

/** Forward FLOPs of sequences of these lengths. */
export function forwardFlops(shape: GptShape, lengths: number[]): number {
  return lengths.reduce((sum, n) => sum + sequenceForwardFlops(shape, n), 0);
}

/** A backward pass costs twice its forward (a product's gradient is two products); training is both. */
export const TRAINING_FLOPS_PER_FORWARD = 3;
