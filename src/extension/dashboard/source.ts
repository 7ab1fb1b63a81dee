// What the dashboard host needs from the extension's run data. RunStore
// (src/extension/runs/runStore.ts) implements it; the host only reads.
import type { RunInfo } from '../../core/protocol/records';
import type { RunDelta, RunSnapshot } from '../../core/protocol/webview';

export interface DashboardSource {
  /** Every known run, newest first. */
  list(): ReadonlyArray<{ readonly id: string; readonly info: RunInfo }>;
  /** A full copy of one run's data in memory, or undefined for an unknown id. */
  snapshot(id: string): RunSnapshot | undefined;
  /** What to call a run beside the others. */
  label(id: string): string;
  /** Emits the pending deltas now, so a snapshot taken next already contains them. */
  flush(): void;
  /** New records of a run, coalesced per refresh period, in order. */
  readonly onDidAppend: (listener: (delta: RunDelta) => void) => { dispose(): void };
  /** A run was added or removed, or its run.json changed. */
  readonly onDidChangeRuns: (listener: () => void) => { dispose(): void };
}
