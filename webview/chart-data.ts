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
      series.push({ label, colour });
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

/** pass@1 and pass@k of one phase's evaluations, per split, over the evaluation steps. */
export function evalColumns(evals: readonly EvalRecord[], phase: Phase): { x: Float64Array; named: NamedColumn[] } {
  const mine = evals.filter((e) => e.phase === phase);
  const steps = [...new Set(mine.map((e) => e.step))].sort((a, b) => a - b);
  const row = new Map(steps.map((s, i) => [s, i]));
  const splits = [...new Set(mine.map((e) => e.split))].sort();
  const named: NamedColumn[] = [];
  for (const split of splits) {
    const pass1 = new Float64Array(steps.length).fill(NaN);
    const passK = new Float64Array(steps.length).fill(NaN);
    let k = 1;
    for (const e of mine) {
      if (e.split !== split) continue;
      pass1[row.get(e.step)!] = e.score.pass1;
      passK[row.get(e.step)!] = e.score.passK;
      k = e.k;
    }
    const suffix = splits.length > 1 ? ` (${split})` : '';
    named.push({ label: `pass@1${suffix}`, values: pass1 });
    if (k > 1) named.push({ label: `pass@${k}${suffix}`, values: passK });
  }
  return { x: Float64Array.from(steps), named };
}
