// Which series share a chart. Labels, units and meanings come from METRICS
// (src/core/protocol/metrics.ts); this file only groups them.
import { METRICS, type MetricUnit } from '../src/core/protocol/metrics';
import type { Phase } from '../src/core/protocol/records';
import { VERDICTS } from '../src/core/countdown/verdict';
import type { SeriesKey } from './step-table';

export interface ChartSpec {
  id: string;
  /** Defaults to the label of the first series. */
  title?: string;
  series: SeriesKey[];
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
    { id: 'kl', series: ['kl'] },
    { id: 'step-kl', series: ['stepKl'] },
    { id: 'lr', series: ['lr'] },
    { id: 'entropy', series: ['entropy'] },
    { id: 'clip', series: ['clipFraction'] },
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

/** Axis tick text for a unit: shares as percentages, large numbers shortened. */
export function formatValue(unit: MetricUnit, value: number): string {
  if (unit === 'share') return `${Math.round(value * 1000) / 10}%`;
  const abs = Math.abs(value);
  if (abs >= 1e6) return `${(value / 1e6).toPrecision(3)}M`;
  if (abs >= 1e4) return `${(value / 1e3).toPrecision(3)}k`;
  if (abs !== 0 && abs < 1e-3) return value.toExponential(1);
  return String(Math.round(value * 1e4) / 1e4);
}
