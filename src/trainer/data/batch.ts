// Token sequences for next-token training and how they are laid out in a
// batch: one right-padded sequence per row, or several packed side by side in
// a row (the model keeps them apart with per-sequence attention masks and
// positions), which wastes far less compute on padding when lengths vary.
// Loss falls only on completion tokens: the prompt is given, so predicting it
// would spend capacity on text the model never has to write.

/** A prompt followed by its completion; tokens at `lossFrom` and after are completion. */
export interface Sequence {
  ids: number[];
  lossFrom: number;
}

/** Row-major [rows, length] arrays: inputs, next-token targets, and 1 where a target counts. */
export interface Batch {
  rows: number;
  length: number;
  ids: Int32Array;
  targets: Int32Array;
  mask: Float32Array;
  /** Input tokens that are not padding (throughput is counted in these). */
  tokens: number;
  /** Targets with mask 1: the loss's denominator. */
  lossTokens: number;
  /** Where each row's packed sequences start (null: one sequence per row). */
  starts: number[][] | null;
}

// Lengths round up to a multiple of this so the model sees few distinct shapes
// (it caches one causal mask per length).
const LENGTH_STEP = 16;

export function sequence(prompt: number[], completion: number[], end: number): Sequence {
  return { ids: [...prompt, ...completion, end], lossFrom: prompt.length };
}

/** Right-pads each sequence to a common length; sequences must hold at least 2 tokens. */
export function packBatch(sequences: readonly Sequence[], pad: number, maxLength: number): Batch {
  return layout(sequences.map((s) => [s]), pad, maxLength, false);
}

/**
 * Packs sequences side by side into as few rows of at most `maxLength` inputs
 * as first-fit (longest first) finds; sequences must hold at least 2 tokens.
 */
export function packSequences(sequences: readonly Sequence[], pad: number, maxLength: number): Batch {
  return packRows(firstFit(sequences.map((s) => s.ids.length - 1), maxLength).map((row) => row.map((i) => sequences[i]!)), pad, maxLength);
}

/** Rows of sequences packed side by side as given (each row's sequences in order), padded to a common length. */
export function packRows(rows: readonly (readonly Sequence[])[], pad: number, maxLength: number): Batch {
  return layout(rows, pad, maxLength, true);
}

/**
 * Indices of `sizes` grouped into as few rows of at most `capacity` as
 * first-fit finds, longest first (ties in index order).
 */
export function firstFit(sizes: readonly number[], capacity: number): number[][] {
  const rows: { used: number; members: number[] }[] = [];
  const longestFirst = sizes.map((_, i) => i).sort((a, b) => sizes[b]! - sizes[a]! || a - b);
  for (const i of longestFirst) {
    const size = sizes[i]!;
    const row = rows.find((r) => r.used + size <= capacity);
    if (row) {
      row.members.push(i);
      row.used += size;
    } else {
      rows.push({ used: size, members: [i] });
    }
  }
  return rows.map((r) => r.members);
}

/** Writes each row's sequences one after another, then pads every row to a common length. */
function layout(groups: readonly (readonly Sequence[])[], pad: number, maxLength: number, packed: boolean): Batch {
  const used = groups.map((g) => g.reduce((n, s) => n + s.ids.length - 1, 0));
  const longest = Math.max(...used);
  if (longest > maxLength) throw new Error(`a sequence of ${longest + 1} tokens does not fit the model context ${maxLength}`);
  const length = Math.min(maxLength, Math.ceil(longest / LENGTH_STEP) * LENGTH_STEP);
  const rows = groups.length;
  const ids = new Int32Array(rows * length).fill(pad);
  const targets = new Int32Array(rows * length).fill(pad);
  const mask = new Float32Array(rows * length);
  const starts: number[][] = [];
  let tokens = 0;
  let lossTokens = 0;
  groups.forEach((group, r) => {
    let offset = 0;
    const rowStarts: number[] = [];
    for (const s of group) {
      rowStarts.push(offset);
      for (let t = 0; t + 1 < s.ids.length; t++) {
        const at = r * length + offset + t;
        ids[at] = s.ids[t]!;
        targets[at] = s.ids[t + 1]!;
        tokens++;
        if (t + 1 >= s.lossFrom) {
          mask[at] = 1;
          lossTokens++;
        }
      }
      offset += s.ids.length - 1;
    }
    starts.push(rowStarts);
  });
  return { rows, length, ids, targets, mask, tokens, lossTokens, starts: packed ? starts : null };
}

/** Consecutive slices of at most `size` sequences (the micro-batches of a batch). */
export function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
