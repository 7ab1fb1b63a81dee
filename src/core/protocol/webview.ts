// Messages between the extension and the dashboard webview. The extension holds
// the data: a panel that opens or becomes visible gets `hydrate` (a full
// snapshot), then `append` deltas. Messages coming back are user intents and are
// validated with `parseWebviewIntent` before use: the webview is untrusted.
import type { AlertRecord, EvalRecord, RunInfo, StepRecord, TraceRecord } from './records';

/**
 * Records of one run, as the extension holds them (RunStore) and sends them: all
 * of them in a snapshot, the new ones in a delta.
 */
export interface RunRecords {
  steps: StepRecord[];
  evals: EvalRecord[];
  /** The newest traces only (bounded by the `maxTraces` setting). */
  traces: TraceRecord[];
  /** Index of `traces[0]` among all the run's traces (its line in traces.jsonl); later ones follow in order. */
  traceStart: number;
  alerts: AlertRecord[];
}

/** A run's info and records; the body of `hydrate`. */
export interface RunSnapshot extends RunRecords {
  run: RunInfo;
  /** What to call it: its name, with its start time when another run has the same name. */
  label: string;
}

/** New records of one run since the last message; the body of `append`. */
export interface RunDelta extends RunRecords {
  runId: string;
  /** Present when run.json changed (status, step, end time). */
  run: RunInfo | null;
}

export const DASHBOARD_TABS = ['metrics', 'traces', 'compare'] as const;
export type DashboardTab = (typeof DASHBOARD_TABS)[number];

export type ToWebview =
  | {
      type: 'hydrate';
      runs: RunSnapshot[];
      focus: string | null;
      /** A tab to bring forward (compare, after runs were chosen to compare); null keeps the user's. */
      tab: DashboardTab | null;
      /** Labels of runs this panel showed that are no longer in the runs folder (deleted or moved). */
      gone: string[];
    }
  | ({ type: 'append' } & RunDelta);

export type WebviewIntent =
  | { type: 'ready' }
  | { type: 'openTrace'; runId: string; index: number }
  | { type: 'stopRun'; runId: string }
  /** The run's trainer.log. */
  | { type: 'showLog'; runId: string }
  /** The spec file the run was started from. */
  | { type: 'openSpec'; runId: string }
  /** Show exactly these runs (the first one in focus). */
  | { type: 'compare'; runIds: string[] }
  /** Ask the extension to let the user choose runs to compare. */
  | { type: 'pickRuns' };

/**
 * What the dashboard keeps with `vscode.setState`; VS Code hands it to the panel
 * serializer after a reload, so it is validated like any message from the webview.
 */
export interface DashboardViewState {
  runIds: string[];
  focus: string | null;
  tab: DashboardTab;
  /** EMA weight of the charts' smoothing, 0 (off) to 0.99. */
  smoothing: number;
}

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
    case 'showLog':
    case 'openSpec':
      return isString(m.runId) ? { type: m.type, runId: m.runId } : null;
    case 'compare':
      return Array.isArray(m.runIds) && m.runIds.length > 0 && m.runIds.length <= 16 && m.runIds.every(isString)
        ? { type: 'compare', runIds: m.runIds as string[] }
        : null;
    case 'pickRuns':
      return { type: 'pickRuns' };
    default:
      return null;
  }
}

/** Returns the state when `raw` is a well-formed DashboardViewState, else null. */
export function parseDashboardViewState(raw: unknown): DashboardViewState | null {
  if (typeof raw !== 'object' || raw === null) return null;
  const m = raw as Record<string, unknown>;
  const ok =
    Array.isArray(m.runIds) &&
    m.runIds.length <= 16 &&
    m.runIds.every(isString) &&
    (m.focus === null || isString(m.focus)) &&
    DASHBOARD_TABS.includes(m.tab as DashboardTab) &&
    typeof m.smoothing === 'number' &&
    m.smoothing >= 0 &&
    m.smoothing <= 0.99;
  return ok ? { runIds: m.runIds as string[], focus: m.focus as string | null, tab: m.tab as DashboardTab, smoothing: m.smoothing as number } : null;
}
