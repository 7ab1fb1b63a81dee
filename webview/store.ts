// The webview's copy of the runs it shows, rebuilt from `hydrate` and extended by
// `append`. It records what changed so the views redraw only that.
import type { AlertRecord, EvalRecord, Phase, RunInfo, StepRecord, TraceRecord } from '../src/core/protocol/records';
import type { RunDelta, RunRecords, RunSnapshot, ToWebview } from '../src/core/protocol/webview';
import { StepTable } from './step-table';

/** Steps whose spacing sets a run's pace (runProgress reads no more). */
const PACE_STEPS = 10;

/** A trace with its index among all the run's traces (what `openTrace` names). */
export interface StoredTrace {
  index: number;
  record: TraceRecord;
}

export class RunData {
  readonly phases: Record<Phase, StepTable> = { pretrain: new StepTable(), rl: new StepTable() };
  readonly evals: EvalRecord[] = [];
  readonly alerts: AlertRecord[] = [];
  /** Oldest first, at most `maxTraces` (the oldest are dropped). */
  traces: StoredTrace[] = [];

  constructor(
    public info: RunInfo,
    /** What to call it beside the other runs (its name, with its start time when names repeat). */
    readonly label: string,
    private readonly maxTraces: number,
  ) {}

  add(delta: RunRecords): void {
    for (const step of delta.steps) this.phases[step.phase].append(step);
    this.evals.push(...delta.evals);
    this.alerts.push(...delta.alerts);
    delta.traces.forEach((record, i) => this.traces.push({ index: delta.traceStart + i, record }));
    // Trim in chunks so a steady stream does not shift the array on every message.
    if (this.traces.length > this.maxTraces * 1.25) this.traces = this.traces.slice(-this.maxTraces);
  }

  /**
   * The steps `runProgress` reads, without materialising every record: the
   * latest steps of the current phase (its pace), the last before each
   * evaluation (how long those took) and the last that measured throughput (RL's
   * estimate), in time order. It gives the reading the full list would.
   */
  progressSteps(): StepRecord[] {
    const picked = new Map<string, StepRecord>();
    const add = (phase: Phase, row: number) => {
      const table = this.phases[phase];
      if (row < 0 || row >= table.length) return;
      const tokensPerSec = table.column('tokensPerSec')?.[row];
      picked.set(`${phase}:${row}`, { phase, ...table.row(row), ...(tokensPerSec !== undefined && !Number.isNaN(tokensPerSec) ? { tokensPerSec } : {}) });
    };
    const current: Phase = this.phases.rl.length > 0 ? 'rl' : 'pretrain';
    for (let row = this.phases[current].length - PACE_STEPS; row < this.phases[current].length; row++) add(current, row);
    for (const e of this.evals) {
      // The last step, of either phase, that finished before the evaluation did.
      const rl = this.phases.rl.lastAtOrBefore(e.time);
      if (rl >= 0) add('rl', rl);
      else add('pretrain', this.phases.pretrain.lastAtOrBefore(e.time));
    }
    for (const phase of ['pretrain', 'rl'] as const) add(phase, this.phases[phase].lastWith('tokensPerSec'));
    return [...picked.values()].sort((a, b) => a.time - b.time || (a.phase === b.phase ? a.step - b.step : a.phase === 'pretrain' ? -1 : 1));
  }

  /** The newest `maxTraces`, oldest first. */
  visibleTraces(): StoredTrace[] {
    return this.traces.length > this.maxTraces ? this.traces.slice(-this.maxTraces) : this.traces;
  }
}

export interface StoreChange {
  /** A new snapshot replaced everything. */
  hydrated: boolean;
  runId: string | null;
  steps: boolean;
  evals: boolean;
  traces: boolean;
  alerts: boolean;
  info: boolean;
}

/** Everything changed: a new snapshot, or another run in focus. */
export const EVERYTHING: StoreChange = { hydrated: true, runId: null, steps: true, evals: true, traces: true, alerts: true, info: true };

export class DashboardStore {
  readonly runs = new Map<string, RunData>();
  /** The run the metrics and traces tabs show. */
  focus: string | null = null;
  /** Runs the panel showed that have left the runs folder, by label (from the last snapshot). */
  gone: string[] = [];

  /** Traces kept per run: at least what the extension keeps (its snapshots say how many that is). */
  constructor(private maxTraces = 10_000) {}

  get order(): string[] {
    return [...this.runs.keys()];
  }

  apply(message: ToWebview): StoreChange {
    return message.type === 'hydrate' ? this.hydrate(message.runs, message.focus, message.gone) : this.append(message);
  }

  private hydrate(snapshots: RunSnapshot[], focus: string | null, gone: string[]): StoreChange {
    this.runs.clear();
    this.gone = gone;
    this.maxTraces = Math.max(this.maxTraces, ...snapshots.map((s) => s.traces.length));
    for (const s of snapshots) {
      const run = new RunData(s.run, s.label, this.maxTraces);
      run.add(s);
      this.runs.set(s.run.id, run);
    }
    const keep = this.focus !== null && this.runs.has(this.focus) ? this.focus : null;
    this.focus = focus !== null && this.runs.has(focus) ? focus : (keep ?? snapshots[0]?.run.id ?? null);
    return EVERYTHING;
  }

  private append(delta: RunDelta): StoreChange {
    const run = this.runs.get(delta.runId);
    const none = { hydrated: false, runId: delta.runId, steps: false, evals: false, traces: false, alerts: false, info: false };
    if (!run) return none;
    run.add(delta);
    if (delta.run) run.info = delta.run;
    return {
      ...none,
      steps: delta.steps.length > 0,
      evals: delta.evals.length > 0,
      traces: delta.traces.length > 0,
      alerts: delta.alerts.length > 0,
      info: delta.run !== null,
    };
  }

  focused(): RunData | undefined {
    return this.focus === null ? undefined : this.runs.get(this.focus);
  }
}
