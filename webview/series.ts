// Numeric helpers for chart series: smoothing and decimation. Both run on every
// redraw of a chart, so they work on typed arrays in one pass.

/**
 * Exponential moving average with TensorBoard's debiasing, so the first points
 * are not dragged towards zero. `weight` 0 returns a copy; NaN (a missing value)
 * stays NaN and does not disturb the average.
 */
export function ema(values: ArrayLike<number>, weight: number): Float64Array {
  const out = new Float64Array(values.length);
  let last = 0;
  let count = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (Number.isNaN(v)) {
      out[i] = NaN;
      continue;
    }
    last = last * weight + (1 - weight) * v;
    count++;
    out[i] = weight === 0 ? v : last / (1 - Math.pow(weight, count));
  }
  return out;
}

/** Aligned columns for uPlot: x first, then one array per series; null is a gap. */
export type Columns = [number[], ...(number | null)[][]];

/**
 * Reduces `n` points to at most `2 * buckets` per series by keeping the minimum
 * and the maximum of each bucket of consecutive points: the drawn envelope is the
 * same as the full data's at chart resolution, and the cost of drawing stops
 * growing with the length of a run.
 */
export function decimate(x: ArrayLike<number>, ys: ArrayLike<number>[], n: number, buckets: number): Columns {
  const cols: Columns = [[], ...ys.map(() => [] as (number | null)[])];
  const push = (xi: number, values: number[]) => {
    cols[0].push(xi);
    values.forEach((v, s) => (cols[s + 1] as (number | null)[]).push(Number.isNaN(v) ? null : v));
  };
  if (n <= 2 * buckets) {
    for (let i = 0; i < n; i++) push(x[i]!, ys.map((y) => y[i]!));
    return cols;
  }
  const size = n / buckets;
  for (let b = 0; b < buckets; b++) {
    const from = Math.floor(b * size);
    const to = Math.min(n, Math.floor((b + 1) * size));
    if (to <= from) continue;
    const lo = ys.map((y) => bucketExtreme(y, from, to, Math.min));
    const hi = ys.map((y) => bucketExtreme(y, from, to, Math.max));
    push(x[from]!, lo);
    if (to - from > 1) push(x[to - 1]!, hi);
  }
  return cols;
}

function bucketExtreme(y: ArrayLike<number>, from: number, to: number, pick: (a: number, b: number) => number): number {
  let best = NaN;
  for (let i = from; i < to; i++) {
    const v = y[i]!;
    if (Number.isNaN(v)) continue;
    best = Number.isNaN(best) ? v : pick(best, v);
  }
  return best;
}

/** Merges per-run column sets (each [x, ...ys]) onto the sorted union of their x values. */
export function alignColumns(sets: Columns[]): Columns {
  const xs = [...new Set(sets.flatMap((c) => c[0]))].sort((a, b) => a - b);
  const row = new Map(xs.map((x, i) => [x, i]));
  const out: Columns = [xs];
  for (const set of sets) {
    for (const ys of set.slice(1) as (number | null)[][]) {
      const aligned: (number | null)[] = new Array(xs.length).fill(null);
      set[0].forEach((x, i) => (aligned[row.get(x)!] = ys[i]!));
      out.push(aligned);
    }
  }
  return out;
}
