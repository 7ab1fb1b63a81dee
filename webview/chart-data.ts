// Turns stored records into what a ChartView draws: smoothed, decimated columns
// and their series descriptions.
import type { EvalRecord, Phase } from '../src/core/protocol/records';
import type { PlotSeries } from './chart-view';
import { ema, envelopeColumns, type Columns, type Summary } from './series';
import type { SeriesKey, StepTable } from './step-table';

export interface ChartData {
  columns: Columns;
  series: PlotSeries[];
}

export interface NamedColumn {
  label: string;
  values: Float64Array;
}

/**
 * Columns of bucketed series. With smoothing each series is drawn twice: its
 * raw envelope faint, and an EMA over the bucket means (TensorBoard likewise
 * smooths the points it has downsampled).
 */
export function lineData(summary: Summary, labels: string[], smoothing: number): ChartData {
  const series: PlotSeries[] = labels.map((label, colour) => (smoothing > 0 ? { label: `${label} (raw)`, colour, faint: true } : { label, colour }));
  const smoothed: Float64Array[] = [];
  if (smoothing > 0) {
    labels.forEach((label, colour) => {
      smoothed.push(ema(summary.mean[colour]!, smoothing));
      series.push({ label, colour, raw: colour });
    });
  }
  return { columns: envelopeColumns(summary, smoothed), series };
}

/** Buckets per chart: buckets merge in pairs, so there are between one per two pixels and one per pixel. */
export const bucketsFor = (width: number) => width;

/** The series of `keys` that the table has, with their labels. */
export function tableColumns(table: StepTable, keys: readonly SeriesKey[], label: (key: SeriesKey) => string): NamedColumn[] {
  const out: NamedColumn[] = [];
  for (const key of keys) {
    const values = table.column(key);
    if (values) out.push({ label: label(key), values });
  }
  return out;
}

/** The evaluations the training loop made of one phase on one split, in step order (those made on request are not a curve). */
export function trainingEvals(evals: readonly EvalRecord[], phase: Phase, split: EvalRecord['split']): EvalRecord[] {
  return evals.filter((e) => e.phase === phase && e.split === split && !e.requested).sort((a, b) => a.step - b.step);
}

/** Greedy pass@1 and sampled pass@k of one phase's evaluations on one split, over the evaluation steps. */
export function evalColumns(evals: readonly EvalRecord[], phase: Phase, split: EvalRecord['split']): { x: Float64Array; named: NamedColumn[] } {
  const mine = trainingEvals(evals, phase, split);
  const k = mine.at(-1)?.k ?? 1;
  const named: NamedColumn[] = [{ label: 'pass@1 (greedy)', values: Float64Array.from(mine, (e) => e.score.pass1) }];
  if (k > 1) named.push({ label: `pass@${k} (sampled)`, values: Float64Array.from(mine, (e) => (e.k === k ? e.score.passK : NaN)) });
  return { x: Float64Array.from(mine, (e) => e.step), named };
}
