// Turns stored records into what a ChartView draws: smoothed, decimated columns
// and their series descriptions.
import type { EvalRecord, Phase } from '../src/core/protocol/records';
import type { PlotSeries } from './chart-view';
import { ema, envelopeColumns, summarize, type Columns } from './series';
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
 * Columns over one x axis, at most `width` buckets wide. With smoothing each
 * series is drawn twice: its raw envelope faint, and an EMA over the bucket
 * means (TensorBoard likewise smooths the points it has downsampled).
 */
export function lineData(x: Float64Array, named: NamedColumn[], smoothing: number, width: number): ChartData {
  const summary = summarize(x, named.map((c) => c.values), x.length, width);
  const series: PlotSeries[] = [];
  const smoothed: Float64Array[] = [];
  named.forEach(({ label }, colour) => series.push(smoothing > 0 ? { label: `${label} (raw)`, colour, faint: true } : { label, colour }));
  if (smoothing > 0) {
    named.forEach(({ label }, colour) => {
      smoothed.push(ema(summary.mean[colour]!, smoothing));
      series.push({ label, colour });
    });
  }
  return { columns: envelopeColumns(summary, smoothed), series };
}

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
