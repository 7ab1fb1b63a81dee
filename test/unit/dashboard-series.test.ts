import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import fc from 'fast-check';
import { alignColumns, BucketSummary, ema, envelopeColumns, summarize } from '../../webview/series';
import { lineData } from '../../webview/chart-data';

test('ema debiases the start and skips missing values', () => {
  const out = ema([10, 10, NaN, 20], 0.5);
  assert.equal(out[0], 10);
  assert.equal(out[1], 10);
  assert.ok(Number.isNaN(out[2]!));
  // Raw averages 5, 7.5, then 0.5 * 7.5 + 0.5 * 20 = 13.75, debiased by 1 - 0.5^3.
  assert.ok(Math.abs(out[3]! - 13.75 / 0.875) < 1e-12);
  assert.deepEqual([...ema([1, 2, 3], 0)], [1, 2, 3]);
});

test('few points pass through unchanged', () => {
  const s = summarize([1, 2, 3], [[5, NaN, 7]], 3, 100);
  assert.deepEqual(envelopeColumns(s), [[1, 2, 3], [5, null, 7]]);
});

test('the envelope keeps every bucket extreme and the global range, within the bucket budget', () => {
  fc.assert(
    fc.property(fc.array(fc.double({ min: -1e6, max: 1e6, noNaN: true }), { minLength: 1, maxLength: 3000 }), fc.integer({ min: 1, max: 300 }), (values, buckets) => {
      const x = values.map((_, i) => i * 2);
      const s = summarize(x, [values], values.length, buckets);
      const [xs, ys] = envelopeColumns(s) as [number[], (number | null)[]];
      assert.ok(xs.length <= 2 * buckets);
      assert.ok(xs.every((v, i) => i === 0 || v > xs[i - 1]!), 'x increases');
      const finite = ys.filter((v): v is number => v !== null);
      assert.equal(Math.min(...finite), Math.min(...values));
      assert.equal(Math.max(...finite), Math.max(...values));
      assert.equal(xs[0], 0);
      assert.equal(xs.at(-1), x.at(-1));
    }),
    { numRuns: 150 },
  );
});

test('bucket means are the means of their points', () => {
  const s = summarize([0, 1, 2, 3], [[1, 3, NaN, 10]], 4, 2);
  assert.deepEqual(Array.from(s.mean[0]!), [2, 10]);
  assert.deepEqual(Array.from(s.lo[0]!), [1, 10]);
});

test('smoothing adds a line per series and marks the raw ones faint', () => {
  const summary = summarize([1, 2, 3], [[0, 1, 0]], 3, 400);
  const { columns, series } = lineData(summary, ['Reward'], 0.5);
  assert.deepEqual(series, [{ label: 'Reward (raw)', colour: 0, faint: true }, { label: 'Reward', colour: 0, raw: 0 }]);
  assert.equal(columns.length, 3);
  assert.deepEqual(lineData(summary, ['Reward'], 0).series, [{ label: 'Reward', colour: 0 }]);
});

test('a summary extended point by point equals one built at once', () => {
  fc.assert(
    fc.property(fc.array(fc.option(fc.double({ min: -100, max: 100, noNaN: true }), { nil: NaN }), { minLength: 1, maxLength: 700 }), fc.integer({ min: 1, max: 64 }), fc.integer({ min: 1, max: 50 }), (values, buckets, chunk) => {
      const x = values.map((_, i) => i + 1);
      const growing = new BucketSummary(buckets, 1);
      for (let n = chunk; n < values.length + chunk; n += chunk) growing.extend(x, [values], Math.min(n, values.length));
      const a = growing.summary();
      const b = summarize(x, [values], values.length, buckets);
      assert.ok(a.count <= buckets);
      assert.deepEqual(envelopeColumns(a, [Float64Array.from(a.mean[0]!)]), envelopeColumns(b, [Float64Array.from(b.mean[0]!)]));
    }),
    { numRuns: 150 },
  );
});

test('runs with different steps align on the union of their steps', () => {
  assert.deepEqual(alignColumns([[[1, 3], [10, 30]], [[2, 3], [20, 31]]]), [[1, 2, 3], [10, null, 30], [null, 20, 31]]);
});
