// In-memory data of every known run, fed by the run tailer (files on disk are
// the source of truth, live or not). Readers take a full snapshot, then listen
// for deltas, which are coalesced and flushed at most once per refresh period.
import { Emitter, type Event } from 'vscode-jsonrpc';
import type { AlertRecord, RunInfo, TraceRecord } from '../../core/protocol/records';
import type { RunDelta, RunRecords, RunSnapshot } from '../../core/protocol/webview';
import { runLabels } from '../../core/run/labels';

export interface RunEntry extends RunRecords {
  readonly id: string;
  readonly dir: string;
  info: RunInfo;
}

/** Records read from a run's files since the last read; the store numbers the traces. */
export type NewRecords = Partial<Omit<RunRecords, 'traceStart'>>;

export class RunStore {
  private readonly entries = new Map<string, RunEntry>();
  private readonly pending = new Map<string, RunDelta>();
  private flushTimer: ReturnType<typeof setTimeout> | undefined;
  private readonly appended = new Emitter<RunDelta>();
  private readonly changed = new Emitter<void>();
  private readonly alerted = new Emitter<{ runId: string; alert: AlertRecord }>();

  /** Coalesced new records and run.json changes, one event per run per flush. */
  readonly onDidAppend: Event<RunDelta> = this.appended.event;
  /** A run was added or removed, or its run.json changed. */
  readonly onDidChangeRuns: Event<void> = this.changed.event;
  /** An alert arrived (immediately, not coalesced). */
  readonly onDidAlert: Event<{ runId: string; alert: AlertRecord }> = this.alerted.event;

  constructor(
    private maxTraces: number,
    private refreshMs: number,
  ) {}

  configure(maxTraces: number, refreshMs: number): void {
    this.maxTraces = Math.max(1, maxTraces);
    this.refreshMs = Math.max(0, refreshMs);
  }

  /** Runs newest first. */
  list(): RunEntry[] {
    return [...this.entries.values()].sort((a, b) => b.info.startedAt.localeCompare(a.info.startedAt));
  }

  get(id: string): RunEntry | undefined {
    return this.entries.get(id);
  }

  /** A live run of this spec file (or, for runs that did not record theirs, of this spec name). */
  runningFrom(specFile: string, name: string): RunEntry | undefined {
    return this.list().find((r) => r.info.status === 'running' && (r.info.specFile !== undefined ? r.info.specFile === specFile : r.info.name === name));
  }

  /** What to call a run where runs are listed: its name, with its start time when another run has the same name. */
  label(id: string): string {
    return runLabels([...this.entries.values()].map((e) => e.info)).get(id) ?? id;
  }

  snapshot(id: string): RunSnapshot | undefined {
    const e = this.entries.get(id);
    if (!e) return undefined;
    return { run: e.info, label: this.label(id), steps: e.steps.slice(), evals: e.evals.slice(), traces: e.traces.slice(), traceStart: e.traceStart, alerts: e.alerts.slice() };
  }

  /** The trace with this index, if it is still in memory. */
  trace(id: string, index: number): TraceRecord | undefined {
    const e = this.entries.get(id);
    return e ? e.traces[index - e.traceStart] : undefined;
  }

  /** Adds a run, or records that its run.json changed. */
  setInfo(dir: string, info: RunInfo): void {
    const existing = this.entries.get(info.id);
    if (existing) {
      existing.info = info;
      this.delta(info.id).run = info;
      this.scheduleFlush();
    } else {
      this.entries.set(info.id, { id: info.id, dir, info, steps: [], evals: [], traces: [], traceStart: 0, alerts: [] });
    }
    this.changed.fire();
  }

  append(id: string, records: NewRecords): void {
    const e = this.entries.get(id);
    if (!e) return;
    const d = this.delta(id);
    const { steps = [], evals = [], traces = [], alerts = [] } = records;
    e.steps.push(...steps);
    e.evals.push(...evals);
    e.alerts.push(...alerts);
    d.steps.push(...steps);
    d.evals.push(...evals);
    d.alerts.push(...alerts);
    if (traces.length > 0) {
      if (d.traces.length === 0) d.traceStart = e.traceStart + e.traces.length;
      e.traces.push(...traces);
      d.traces.push(...traces);
      const drop = e.traces.length - this.maxTraces;
      if (drop > 0) {
        e.traces.splice(0, drop);
        e.traceStart += drop;
      }
      // A delta never carries more than a snapshot would keep.
      const dropDelta = d.traces.length - this.maxTraces;
      if (dropDelta > 0) {
        d.traces.splice(0, dropDelta);
        d.traceStart += dropDelta;
      }
    }
    for (const alert of alerts) this.alerted.fire({ runId: id, alert });
    this.scheduleFlush();
  }

  remove(id: string): void {
    if (this.entries.delete(id)) {
      this.pending.delete(id);
      this.changed.fire();
    }
  }

  /** Emits every pending delta now. */
  flush(): void {
    if (this.flushTimer) clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    const deltas = [...this.pending.values()];
    this.pending.clear();
    for (const d of deltas) this.appended.fire(d);
  }

  dispose(): void {
    if (this.flushTimer) clearTimeout(this.flushTimer);
    this.appended.dispose();
    this.changed.dispose();
    this.alerted.dispose();
  }

  private delta(id: string): RunDelta {
    let d = this.pending.get(id);
    if (!d) {
      d = { runId: id, steps: [], evals: [], traces: [], traceStart: 0, alerts: [], run: null };
      this.pending.set(id, d);
    }
    return d;
  }

  private scheduleFlush(): void {
    if (this.flushTimer) return;
    this.flushTimer = setTimeout(() => this.flush(), this.refreshMs);
  }
}
