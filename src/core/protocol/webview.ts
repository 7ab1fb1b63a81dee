// Messages between the extension and the dashboard webview. The extension holds
// the data: a panel that opens or becomes visible gets `hydrate` (a full
// snapshot), then `append` deltas. Messages coming back are user intents and are
// validated with `parseWebviewIntent` before use: the webview is untrusted.
import type { AlertRecord, EvalRecord, RunInfo, StepRecord, TraceRecord } from './records';

export interface RunSnapshot {
  run: RunInfo;
  steps: StepRecord[];
  evals: EvalRecord[];
  /** The newest traces only (bounded by the `maxTraces` setting). */
  traces: TraceRecord[];
  alerts: AlertRecord[];
}

export type ToWebview =
  | { type: 'hydrate'; runs: RunSnapshot[]; focus: string | null }
  | {
      type: 'append';
      runId: string;
      steps: StepRecord[];
      evals: EvalRecord[];
      traces: TraceRecord[];
      alerts: AlertRecord[];
      /** Present when run.json changed (status, step, end time). */
      run: RunInfo | null;
    };

export type WebviewIntent =
  | { type: 'ready' }
  | { type: 'openTrace'; runId: string; index: number }
  | { type: 'stopRun'; runId: string }
  | { type: 'compare'; runIds: string[] };

const isString = (v: unknown): v is string => typeof v === 'string' && v.length > 0 && v.length < 512;

/** Returns the intent when `raw` is exactly one of the allowed shapes, else null. */
export function parseWebviewIntent(raw: unknown): WebviewIntent | null {
  if (typeof raw !== 'object' || raw === null) return null;
  const m = raw as Record<string, unknown>;
  switch (m.type) {
    case 'ready':
      return { type: 'ready' };
    case 'openTrace':
      return isString(m.runId) && Number.isSafeInteger(m.index) && (m.index as number) >= 0
        ? { type: 'openTrace', runId: m.runId, index: m.index as number }
        : null;
    case 'stopRun':
      return isString(m.runId) ? { type: 'stopRun', runId: m.runId } : null;
    case 'compare':
      return Array.isArray(m.runIds) && m.runIds.length <= 16 && m.runIds.every(isString)
        ? { type: 'compare', runIds: m.runIds as string[] }
        : null;
    default:
      return null;
  }
}
