// Step metrics as CSV: phase, step, ISO time, every metric of the METRICS
// table (empty where a step has none) and the share of each verdict.
import { METRIC_NAMES } from '../../core/protocol/metrics';
import type { StepRecord } from '../../core/protocol/records';
import { VERDICTS } from '../../core/countdown/verdict';

function cell(value: string | number | undefined): string {
  if (value === undefined) return '';
  const text = String(value);
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function metricsCsv(steps: readonly StepRecord[]): string {
  const header = ['phase', 'step', 'time', ...METRIC_NAMES, ...VERDICTS.map((v) => `verdict:${v}`)];
  const rows = steps.map((s) => [
    s.phase,
    s.step,
    Number.isFinite(s.time) ? new Date(s.time).toISOString() : undefined,
    ...METRIC_NAMES.map((m) => s[m]),
    ...VERDICTS.map((v) => s.verdicts?.[v]),
  ]);
  return [header, ...rows].map((r) => r.map(cell).join(',')).join('\n') + '\n';
}
