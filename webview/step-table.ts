// Columnar storage of one phase's step records: one growable Float64Array per
// series, NaN where a record lacks the value. Charts read the columns directly,
// so hydrating 100k steps costs one pass and appending a step is O(series).
import type { MetricName, StepRecord } from '../src/core/protocol/records';
import { VERDICTS, type Verdict } from '../src/core/countdown/verdict';

/** A plotted quantity of a step: a metric, or the share of one verdict. */
export type SeriesKey = MetricName | `verdict:${Verdict}`;

const RESERVED = new Set(['phase', 'step', 'time', 'verdicts']);

export class StepTable {
  length = 0;
  /** Counts rewrites of past rows (a resumed run), so cached summaries know to start over. */
  generation = 0;
  private capacity = 0;
  private stepColumn = new Float64Array(0);
  private timeColumn = new Float64Array(0);
  private readonly columns = new Map<SeriesKey, Float64Array>();

  /** Step numbers, in increasing order. */
  get steps(): Float64Array {
    return this.stepColumn.subarray(0, this.length);
  }

  /** The values of one series (NaN where absent), or undefined if no record had it. */
  column(key: SeriesKey): Float64Array | undefined {
    return this.columns.get(key)?.subarray(0, this.length);
  }

  has(key: SeriesKey): boolean {
    return this.columns.has(key);
  }

  get lastStep(): number {
    return this.length > 0 ? this.stepColumn[this.length - 1]! : -Infinity;
  }

  /** A row's step and when it finished (epoch ms). */
  row(row: number): { step: number; time: number } {
    return { step: this.stepColumn[row]!, time: this.timeColumn[row]! };
  }

  /** The last row that finished at or before `time`, or -1 (rows finish in order). */
  lastAtOrBefore(time: number): number {
    let lo = 0;
    let hi = this.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.timeColumn[mid]! <= time) lo = mid + 1;
      else hi = mid;
    }
    return lo - 1;
  }

  /** The last row that has a value of `key`, or -1. */
  lastWith(key: SeriesKey): number {
    const column = this.column(key);
    if (!column) return -1;
    let row = this.length - 1;
    while (row >= 0 && Number.isNaN(column[row]!)) row--;
    return row;
  }

  append(record: StepRecord): void {
    // A resumed run repeats the steps after its checkpoint: the newer records win.
    if (record.step <= this.lastStep) this.truncateFrom(record.step);
    if (this.length === this.capacity) this.grow();
    const row = this.length++;
    this.stepColumn[row] = record.step;
    this.timeColumn[row] = record.time;
    for (const key in record) {
      if (RESERVED.has(key)) continue;
      const value = (record as Record<string, unknown>)[key];
      if (typeof value === 'number') this.columnFor(key as MetricName)[row] = value;
    }
    if (record.verdicts) {
      for (const verdict of VERDICTS) {
        const share = record.verdicts[verdict];
        if (typeof share === 'number') this.columnFor(`verdict:${verdict}`)[row] = share;
      }
    }
  }

  private truncateFrom(step: number): void {
    let lo = 0;
    let hi = this.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.stepColumn[mid]! < step) lo = mid + 1;
      else hi = mid;
    }
    for (const column of this.columns.values()) column.fill(NaN, lo, this.length);
    this.length = lo;
    this.generation++;
  }

  private columnFor(key: SeriesKey): Float64Array {
    let column = this.columns.get(key);
    if (!column) {
      column = new Float64Array(this.capacity).fill(NaN);
      this.columns.set(key, column);
    }
    return column;
  }

  private grow(): void {
    const capacity = Math.max(256, this.capacity * 2);
    const steps = new Float64Array(capacity);
    steps.set(this.stepColumn);
    this.stepColumn = steps;
    const times = new Float64Array(capacity);
    times.set(this.timeColumn);
    this.timeColumn = times;
    for (const [key, column] of this.columns) {
      const bigger = new Float64Array(capacity).fill(NaN);
      bigger.set(column);
      this.columns.set(key, bigger);
    }
    this.capacity = capacity;
  }
}
