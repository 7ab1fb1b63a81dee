// Between per-completion-token values (plain arrays, one row per sample) and the
// padded [rows, length] layout a forward pass works on. A sample is its prompt
// followed by its completion; completion token j is predicted at position
// prompt.length − 1 + j, where the packed mask is 1.
import { type Batch, packBatch } from '../data/batch';

export interface PromptCompletion {
  prompt: readonly number[];
  completion: readonly number[];
}

export interface PackedSamples {
  batch: Batch;
  /** Position of each row's first completion token. */
  start: number[];
  /** Completion tokens per row. */
  count: number[];
}

export function packSamples(samples: readonly PromptCompletion[], pad: number, context: number): PackedSamples {
  const batch = packBatch(
    samples.map((s) => ({ ids: [...s.prompt, ...s.completion], lossFrom: s.prompt.length })),
    pad,
    context,
  );
  return { batch, start: samples.map((s) => s.prompt.length - 1), count: samples.map((s) => s.completion.length) };
}

/** Per-token rows to a [rows, length] array (0 elsewhere). */
export function spread(packed: PackedSamples, rows: readonly (readonly number[])[]): Float32Array {
  const { length } = packed.batch;
  const out = new Float32Array(packed.batch.rows * length);
  rows.forEach((values, r) => {
    if (values.length !== packed.count[r]) throw new Error(`row ${r}: ${values.length} values for ${packed.count[r]} completion tokens`);
    out.set(values, r * length + packed.start[r]!);
  });
  return out;
}

/** A [rows, length] array back to per-token rows. */
export function collect(packed: PackedSamples, flat: ArrayLike<number>): number[][] {
  const { length } = packed.batch;
  return packed.count.map((n, r) => Array.from({ length: n }, (_, j) => flat[r * length + packed.start[r]! + j]!));
}

/** The training mask: the packed completion mask, with rows listed in `dropRows` zeroed (masked truncated completions). */
export function trainMask(packed: PackedSamples, dropRows: readonly boolean[]): Float32Array {
  const { length } = packed.batch;
  const mask = packed.batch.mask.slice();
  dropRows.forEach((drop, r) => {
    if (drop) mask.fill(0, r * length, (r + 1) * length);
  });
  return mask;
}
