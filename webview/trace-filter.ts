// Which traces the trace list shows. Pure, so the list can re-filter 10k traces
// on each keystroke and test the rules without a browser.
import type { TraceRecord } from '../src/core/protocol/records';
import type { Verdict } from '../src/core/countdown/verdict';

/** Training rollouts (RL's samples of its train problems) or evaluation samples (test split, spec's problems). */
export type TraceSource = 'rollout' | 'eval';

export const traceSource = (trace: TraceRecord): TraceSource => (trace.split === 'train' ? 'rollout' : 'eval');

export interface TraceFilter {
  source: TraceSource | 'all';
  verdict: Verdict | 'all';
  /** Inclusive step bounds; null leaves that side open. */
  minStep: number | null;
  maxStep: number | null;
  /** Case-insensitive text searched in the prompt, the completion and the problem. */
  text: string;
}

export const NO_FILTER: TraceFilter = { source: 'all', verdict: 'all', minStep: null, maxStep: null, text: '' };

export function matchesTrace(trace: TraceRecord, filter: TraceFilter): boolean {
  if (filter.source !== 'all' && traceSource(trace) !== filter.source) return false;
  if (filter.verdict !== 'all' && trace.verdict !== filter.verdict) return false;
  if (filter.minStep !== null && trace.step < filter.minStep) return false;
  if (filter.maxStep !== null && trace.step > filter.maxStep) return false;
  const needle = filter.text.trim().toLowerCase();
  if (needle === '') return true;
  return (
    trace.completion.toLowerCase().includes(needle) ||
    trace.prompt.toLowerCase().includes(needle) ||
    `${trace.numbers.join(' ')} ${trace.target}`.includes(needle)
  );
}

/** Parses a step bound typed by the user: empty or not a whole number means "open". */
export function parseStepBound(text: string): number | null {
  const t = text.trim();
  return /^\d+$/.test(t) ? Number(t) : null;
}
