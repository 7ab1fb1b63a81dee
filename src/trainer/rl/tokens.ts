// Between per-completion-token values (plain arrays, one row per sample) and the
// [rows, length] layout a forward pass works on, where samples are packed side
// by side (data/batch.ts: each sees only itself and counts positions from its
// own start), so no pass computes padding up to the longest sample. A sample is
// its prompt followed by its completion; completion token j is predicted at
// position prompt.length − 1 + j of the sample, where the packed mask is 1.
import { type Batch, firstFit, packRows } from '../data/batch';

export interface PromptCompletion {
  prompt: readonly number[];
  completion: readonly number[];
}

export interface PackedSamples {
  batch: Batch;
  /** Row of each sample. */
  row: number[];
  /** Position in its row of each sample's first completion prediction. */
  start: number[];
  /** Completion tokens per sample. */
  count: number[];
}

/** Lays out `samples` in `rows` (sample indices per row, in order), each row at most `context` inputs. */
function layoutSamples(samples: readonly PromptCompletion[], rows: readonly (readonly number[])[], pad: number, context: number): PackedSamples {
  const sequence = (s: PromptCompletion) => ({ ids: [...s.prompt, ...s.completion], lossFrom: s.prompt.length });
  const batch = packRows(rows.map((members) => members.map((i) => sequence(samples[i]!))), pad, context);
  const row: number[] = [];
  const start: number[] = [];
  rows.forEach((members, r) =>
    members.forEach((i, k) => {
      row[i] = r;
      start[i] = batch.starts![r]![k]! + samples[i]!.prompt.length - 1;
    }),
  );
  return { batch, row, start, count: samples.map((s) => s.completion.length) };
}

/** Inputs of a sample in a forward pass: its prompt and completion less the last token. */
const inputs = (s: PromptCompletion) => s.prompt.length + s.completion.length - 1;

/** `samples` packed side by side into as few rows of at most `context` inputs as first-fit finds. */
export function packSamples(samples: readonly PromptCompletion[], pad: number, context: number): PackedSamples {
  return layoutSamples(samples, firstFit(samples.map(inputs), context), pad, context);
}

/**
 * `samples` packed into rows of at most `context` inputs, split into
 * micro-batches of at most `tokens` inputs (at least one row each): each with
 * its samples (in the order their values are given) and their indices in `samples`.
 */
export function packedMicroBatches<T extends PromptCompletion>(
  samples: readonly T[],
  pad: number,
  context: number,
  tokens: number,
): Array<{ samples: T[]; indices: number[]; packed: PackedSamples }> {
  const sizes = samples.map(inputs);
  const rows = firstFit(sizes, context);
  const longestRow = Math.max(...rows.map((row) => row.reduce((n, i) => n + sizes[i]!, 0)));
  const perPart = Math.max(1, Math.floor(tokens / longestRow));
  const parts: Array<{ samples: T[]; indices: number[]; packed: PackedSamples }> = [];
  for (let at = 0; at < rows.length; at += perPart) {
    const members = rows.slice(at, at + perPart);
    const indices = members.flat();
    const part = indices.map((i) => samples[i]!);
    // Sample indices within the part, row by row.
    let next = 0;
    const local = members.map((row) => row.map(() => next++));
    parts.push({ samples: part, indices, packed: layoutSamples(part, local, pad, context) });
  }
  return parts;
}

/** Per-token rows to a [rows, length] array (0 elsewhere). */
export function spread(packed: PackedSamples, rows: readonly (readonly number[])[]): Float32Array {
  const { length } = packed.batch;
  const out = new Float32Array(packed.batch.rows * length);
  rows.forEach((values, i) => {
    if (values.length !== packed.count[i]) throw new Error(`row ${i}: ${values.length} values for ${packed.count[i]} completion tokens`);
    out.set(values, packed.row[i]! * length + packed.start[i]!);
  });
  return out;
}

/** A [rows, length] array back to per-token rows. */
export function collect(packed: PackedSamples, flat: ArrayLike<number>): number[][] {
  const { length } = packed.batch;
  return packed.count.map((n, i) => Array.from({ length: n }, (_, j) => flat[packed.row[i]! * length + packed.start[i]! + j]!));
}

/** The training mask: the packed completion mask, with the samples listed in `drop` zeroed (masked truncated completions). */
export function trainMask(packed: PackedSamples, drop: readonly boolean[]): Float32Array {
  const { length } = packed.batch;
  const mask = packed.batch.mask.slice();
  drop.forEach((dropped, i) => {
    const at = packed.row[i]! * length + packed.start[i]!;
    if (dropped) mask.fill(0, at, at + packed.count[i]!);
  });
  return mask;
}

/**
 * 1 / (trained tokens of its sample) at each trained token of `mask` (0
 * elsewhere): the per-sequence weights of seq-mean-token-mean when a row holds
 * several samples.
 */
export function perSequenceWeights(packed: PackedSamples, mask: Float32Array): Float32Array {
  const { length } = packed.batch;
  const out = new Float32Array(mask.length);
  packed.count.forEach((n, i) => {
    const at = packed.row[i]! * length + packed.start[i]!;
    let trained = 0;
    for (let j = 0; j < n; j++) trained += mask[at + j]!;
    for (let j = 0; j < n; j++) out[at + j] = trained > 0 ? mask[at + j]! / trained : 0;
  });
  return out;
}
