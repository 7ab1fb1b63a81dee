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
 * A series reduced to chart resolution: consecutive points fall into buckets,
 * each keeping its first and last x and the minimum, maximum and mean of every
 * series. With no more points than buckets, each point is its own bucket.
 */
export interface Summary {
  /** Buckets that hold at least one point, in order. */
  count: number;
  xFirst: ArrayLike<number>;
  xLast: ArrayLike<number>;
  /** Per series, per bucket (NaN where the bucket has no value of that series). */
  lo: ArrayLike<number>[];
  hi: ArrayLike<number>[];
  mean: ArrayLike<number>[];
}

/**
 * Bucket statistics of growing series, kept up to date as points are appended.
 * Buckets hold a power-of-two number of points, aligned to multiples of it, so
 * an append touches only the last bucket; when there are more than
 * `maxBuckets`, neighbours merge in pairs. A redraw of a 100k-step run then
 * costs O(new points + buckets) instead of a pass over every point.
 */
export class BucketSummary {
  private size = 1;
  private points = 0;
  private readonly xFirst: number[] = [];
  private readonly xLast: number[] = [];
  private readonly lo: number[][];
  private readonly hi: number[][];
  private readonly sum: number[][];
  private readonly count: number[][];

  constructor(
    private readonly maxBuckets: number,
    series: number,
  ) {
    const lists = () => Array.from({ length: series }, () => [] as number[]);
    this.lo = lists();
    this.hi = lists();
    this.sum = lists();
    this.count = lists();
  }

  /** Points summarised so far; the caller starts over when its data shrank or was rewritten. */
  get length(): number {
    return this.points;
  }

  /** Takes in points `length`..`n - 1`. */
  extend(x: ArrayLike<number>, ys: ArrayLike<number>[], n: number): this {
    for (let i = this.points; i < n; i++) {
      const b = Math.floor(i / this.size);
      if (b === this.xFirst.length) {
        this.xFirst.push(x[i]!);
        this.xLast.push(x[i]!);
        for (let k = 0; k < ys.length; k++) {
          this.lo[k]!.push(Infinity);
          this.hi[k]!.push(-Infinity);
          this.sum[k]!.push(0);
          this.count[k]!.push(0);
        }
      }
      this.xLast[b] = x[i]!;
      for (let k = 0; k < ys.length; k++) {
        const v = ys[k]![i]!;
        if (v !== v) continue; // NaN: no value at this step
        if (v < this.lo[k]![b]!) this.lo[k]![b] = v;
        if (v > this.hi[k]![b]!) this.hi[k]![b] = v;
        this.sum[k]![b]! += v;
        this.count[k]![b]!++;
      }
      if (this.xFirst.length > this.maxBuckets) this.mergePairs();
    }
    this.points = Math.max(this.points, n);
    return this;
  }

  summary(): Summary {
    const none = (c: number[], i: number) => c[i] === 0;
    return {
      count: this.xFirst.length,
      xFirst: this.xFirst,
      xLast: this.xLast,
      lo: this.lo.map((l, k) => l.map((v, i) => (none(this.count[k]!, i) ? NaN : v))),
      hi: this.hi.map((h, k) => h.map((v, i) => (none(this.count[k]!, i) ? NaN : v))),
      mean: this.sum.map((s, k) => s.map((v, i) => (none(this.count[k]!, i) ? NaN : v / this.count[k]![i]!))),
    };
  }

  private mergePairs(): void {
    const half = Math.ceil(this.xFirst.length / 2);
    const merge = (list: number[], pick: (a: number, b: number) => number) => {
      for (let j = 0; j < half; j++) list[j] = 2 * j + 1 < list.length ? pick(list[2 * j]!, list[2 * j + 1]!) : list[2 * j]!;
      list.length = half;
    };
    merge(this.xFirst, (a) => a);
    merge(this.xLast, (_a, b) => b);
    for (let k = 0; k < this.lo.length; k++) {
      merge(this.lo[k]!, Math.min);
      merge(this.hi[k]!, Math.max);
      merge(this.sum[k]!, (a, b) => a + b);
      merge(this.count[k]!, (a, b) => a + b);
    }
    this.size *= 2;
  }
}

/** The summary of `n` points in at most `buckets` buckets, in one go. */
export function summarize(x: ArrayLike<number>, ys: ArrayLike<number>[], n: number, buckets: number): Summary {
  return new BucketSummary(buckets, ys.length).extend(x, ys, n).summary();
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
