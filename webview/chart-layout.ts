// Which series share a chart, and how their values read. Labels, units and
// meanings come from METRICS (src/core/protocol/metrics.ts); this file groups
// them — a new metric is one row here — and says how each unit is written.
import { METRICS, type MetricUnit } from '../src/core/protocol/metrics';
import type { Phase } from '../src/core/protocol/records';
import type { ResolvedConfig } from '../src/core/spec/config';
import { VERDICTS } from '../src/core/countdown/verdict';
import type { SeriesKey } from './step-table';

export interface ChartSpec {
  id: string;
  /** Defaults to the label of the first series. */
  title?: string;
  series: SeriesKey[];
  /** A line under the chart when the run's settings explain what it shows. */
  note?: (config: ResolvedConfig) => string | null;
}

/** Charts of each phase, in display order; a chart shows once one of its series has data. */
export const PHASE_CHARTS: Record<Phase, ChartSpec[]> = {
  pretrain: [
    { id: 'loss', series: ['loss'] },
    { id: 'lr', series: ['lr'] },
    { id: 'grad', series: ['gradNorm'] },
    { id: 'throughput', series: ['tokensPerSec'] },
  ],
  rl: [
    { id: 'reward', series: ['rewardMean', 'rewardStd'] },
    { id: 'accuracy', series: ['accuracy'] },
    { id: 'search', series: ['searchRate'] },
    { id: 'format', series: ['formatRate', 'truncatedRate'] },
    { id: 'length', title: 'Response length', series: ['lengthCorrect', 'lengthWrong', 'lengthMean'] },
    { id: 'verdicts', title: 'Verdicts', series: VERDICTS.map((v) => `verdict:${v}` as const) },
    { id: 'degenerate', title: 'Degenerate completions', series: ['repetitionRate', 'multiAnswerRate'] },
    { id: 'kl', series: ['kl'] },
    { id: 'step-kl', series: ['stepKl'] },
    { id: 'lr', series: ['lr'] },
    { id: 'entropy', series: ['entropy'] },
    {
      id: 'clip',
      series: ['clipFraction'],
      note: (c) => (c.rl.epochs === 1 ? 'With `epochs 1` every update is on the policy that sampled, so no ratio is clipped and this stays 0.' : null),
    },
    { id: 'signal', title: 'Groups that teach', series: ['signalGroups', 'zeroSignalGroups'] },
    { id: 'drawn', series: ['promptsDrawn'] },
    { id: 'loss', series: ['loss', 'policyLoss', 'valueLoss'] },
    { id: 'grad', series: ['gradNorm'] },
    { id: 'throughput', series: ['tokensPerSec'] },
    { id: 'time', title: 'Step time', series: ['stepMs', 'rolloutMs', 'trainMs'] },
  ],
};

export function seriesLabel(key: SeriesKey): string {
  return key.startsWith('verdict:') ? key.slice('verdict:'.length) : METRICS[key as keyof typeof METRICS].label;
}

/** The unit that decides axis formatting; verdict shares are shares. */
export function seriesUnit(key: SeriesKey): MetricUnit {
  return key.startsWith('verdict:') ? 'share' : METRICS[key as keyof typeof METRICS].unit;
}

/** Hover text of a chart: what each series measures. */
export function chartMeaning(spec: ChartSpec): string {
  return spec.series
    .filter((key) => !key.startsWith('verdict:'))
    .map((key) => `${seriesLabel(key)}: ${METRICS[key as keyof typeof METRICS].meaning}`)
    .join('\n') || 'Share of each verifier verdict among the step’s completions.';
}

export function chartTitle(spec: ChartSpec): string {
  return spec.title ?? seriesLabel(spec.series[0]!);
}

/** The y axis caption of a unit; units that are their own name (loss, reward) need none. */
export const UNIT_AXIS: Record<MetricUnit, string> = {
  share: '% of completions',
  nats: 'nats / token',
  tokens: 'tokens',
  'tokens/s': 'tokens / s',
  ms: 'ms',
  reward: '',
  norm: 'L2 norm',
  lr: '',
  loss: '',
  count: 'count',
};

/** What follows a value read off a chart. */
const UNIT_SUFFIX: Partial<Record<MetricUnit, string>> = { nats: ' nats', tokens: ' tokens', 'tokens/s': ' tok/s', ms: ' ms' };

/** Axis tick text: shares as percentages, learning rates in one exponent form, large numbers shortened. */
export function formatValue(unit: MetricUnit, value: number): string {
  if (unit === 'share') return `${Math.round(value * 1000) / 10}%`;
  if (unit === 'lr') return value === 0 ? '0' : value.toExponential(1);
  const abs = Math.abs(value);
  if (abs >= 1e6) return `${(value / 1e6).toPrecision(3)}M`;
  if (abs >= 1e4) return `${(value / 1e3).toPrecision(3)}k`;
  if (abs !== 0 && abs < 1e-3) return value.toExponential(1);
  return String(Math.round(value * 1e4) / 1e4);
}

/** A value read off a chart (legend, hover): rounded to what can be told apart, with its unit. */
export function formatReading(unit: MetricUnit, value: number): string {
  if (unit === 'share' || unit === 'lr') return formatValue(unit, value);
  const abs = Math.abs(value);
  const text = abs >= 100 ? Math.round(value).toLocaleString('en-US') : abs !== 0 && abs < 1e-3 ? value.toExponential(2) : String(Number(value.toPrecision(3)));
  return `${text}${UNIT_SUFFIX[unit] ?? ''}`;
}
