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
  let debias = 1;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (Number.isNaN(v)) {
      out[i] = NaN;
      continue;
    }
    last = last * weight + (1 - weight) * v;
    debias *= weight;
    out[i] = weight === 0 ? v : last / (1 - debias);
  }
  return out;
}

/** Aligned columns for uPlot: x first, then one array per series; null is a gap. */
export type Columns = [number[], ...(number | null)[][]];

/**
 * A series reduced to chart resolution: consecutive points fall into at most
 * `buckets` buckets, each keeping its first and last x and the minimum, maximum
 * and mean of every series. With no more points than buckets, each point is its
 * own bucket.
 */
export interface Summary {
  /** Buckets that hold at least one point, in order. */
  count: number;
  xFirst: Float64Array;
  xLast: Float64Array;
  /** Per series, per bucket (NaN where the bucket has no value of that series). */
  lo: Float64Array[];
  hi: Float64Array[];
  mean: Float64Array[];
}

/** One pass over each series; the cost of a redraw stops growing with the length of a run beyond this. */
export function summarize(x: ArrayLike<number>, ys: ArrayLike<number>[], n: number, buckets: number): Summary {
  const count = Math.min(n, buckets);
  const size = n / Math.max(1, count);
  const xFirst = new Float64Array(count);
  const xLast = new Float64Array(count);
  for (let b = 0; b < count; b++) {
    xFirst[b] = x[Math.floor(b * size)]!;
    xLast[b] = x[Math.min(n, Math.floor((b + 1) * size)) - 1]!;
  }
  const lo: Float64Array[] = [];
  const hi: Float64Array[] = [];
  const mean: Float64Array[] = [];
  for (const y of ys) {
    const l = new Float64Array(count);
    const h = new Float64Array(count);
    const m = new Float64Array(count);
    for (let b = 0; b < count; b++) {
      const to = Math.min(n, Math.floor((b + 1) * size));
      let min = Infinity;
      let max = -Infinity;
      let sum = 0;
      let c = 0;
      for (let i = Math.floor(b * size); i < to; i++) {
        const v = y[i]!;
        if (v !== v) continue; // NaN: no value at this step
        if (v < min) min = v;
        if (v > max) max = v;
        sum += v;
        c++;
      }
      l[b] = c > 0 ? min : NaN;
      h[b] = c > 0 ? max : NaN;
      m[b] = c > 0 ? sum / c : NaN;
    }
    lo.push(l);
    hi.push(h);
    mean.push(m);
  }
  return { count, xFirst, xLast, lo, hi, mean };
}

/**
 * The envelope of each series as uPlot columns: a bucket of several points
 * becomes two (its minimum at its first x, its maximum at its last), so the
 * drawn band is what the full data would draw at this resolution. `extra`
 * series are one value per bucket, drawn flat across it.
 */
export function envelopeColumns(s: Summary, extra: Float64Array[] = []): Columns {
  const xs: number[] = [];
  const env: (number | null)[][] = s.lo.map(() => []);
  const flat: (number | null)[][] = extra.map(() => []);
  const value = (v: number) => (Number.isNaN(v) ? null : v);
  for (let b = 0; b < s.count; b++) {
    const two = s.xLast[b] !== s.xFirst[b];
    xs.push(s.xFirst[b]!);
    if (two) xs.push(s.xLast[b]!);
    s.lo.forEach((lo, k) => {
      env[k]!.push(value(lo[b]!));
      if (two) env[k]!.push(value(s.hi[k]![b]!));
    });
    extra.forEach((e, k) => {
      flat[k]!.push(value(e[b]!));
      if (two) flat[k]!.push(value(e[b]!));
    });
  }
  return [xs, ...env, ...flat];
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
