// Token sequences for next-token training and how they are packed into a
// padded batch. Loss falls only on completion tokens: the prompt is given, so
// predicting it would spend capacity on text the model never has to write.

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
}

// Lengths round up to a multiple of this so the model sees few distinct shapes
// (it caches one causal mask per length).
const LENGTH_STEP = 16;

export function sequence(prompt: number[], completion: number[], end: number): Sequence {
  return { ids: [...prompt, ...completion, end], lossFrom: prompt.length };
}

/** Right-pads each sequence to a common length; sequences must hold at least 2 tokens. */
export function packBatch(sequences: readonly Sequence[], pad: number, maxLength: number): Batch {
  const longest = Math.max(...sequences.map((s) => s.ids.length - 1));
  const length = Math.min(maxLength, Math.ceil(longest / LENGTH_STEP) * LENGTH_STEP);
  if (longest > maxLength) throw new Error(`a sequence of ${longest + 1} tokens does not fit the model context ${maxLength}`);
  const rows = sequences.length;
  const ids = new Int32Array(rows * length).fill(pad);
  const targets = new Int32Array(rows * length).fill(pad);
  const mask = new Float32Array(rows * length);
  let tokens = 0;
  let lossTokens = 0;
  sequences.forEach((s, r) => {
    for (let t = 0; t + 1 < s.ids.length; t++) {
      ids[r * length + t] = s.ids[t]!;
      targets[r * length + t] = s.ids[t + 1]!;
      tokens++;
      if (t + 1 >= s.lossFrom) {
        mask[r * length + t] = 1;
        lossTokens++;
      }
    }
  });
  return { rows, length, ids, targets, mask, tokens, lossTokens };
}

/** Consecutive slices of at most `size` sequences (the micro-batches of a batch). */
export function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
