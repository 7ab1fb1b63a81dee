// Requests from outside the training loop (the host's `stop` and
// `checkpointNow`, Ctrl-C in the CLI), answered by the loop between steps:
// the loop polls `stopRequested()` / `checkpointRequested()` and reports what
// it wrote, which settles the requesters' promises.
import type { CheckpointRecord } from '../../core/protocol/records';

interface Pending<T> {
  resolve: (value: T) => void;
  reject: (error: Error) => void;
}

export class RunControl {
  private stopping = false;
  private readonly stopWaiters: Pending<CheckpointRecord | null>[] = [];
  private readonly checkpointWaiters: Pending<CheckpointRecord>[] = [];

  /** Asks the run to checkpoint and stop; resolves with that checkpoint once written (null if none was). */
  requestStop(): Promise<CheckpointRecord | null> {
    this.stopping = true;
    return new Promise((resolve, reject) => this.stopWaiters.push({ resolve, reject }));
  }

  /** Asks for a checkpoint after the current step; resolves once it is on disk. */
  requestCheckpoint(): Promise<CheckpointRecord> {
    return new Promise((resolve, reject) => this.checkpointWaiters.push({ resolve, reject }));
  }

  stopRequested(): boolean {
    return this.stopping;
  }

  checkpointRequested(): boolean {
    return this.checkpointWaiters.length > 0;
  }

  /** The loop wrote a checkpoint: answers every `checkpointNow` waiting for one. */
  checkpointWritten(record: CheckpointRecord): void {
    for (const waiter of this.checkpointWaiters.splice(0)) waiter.resolve(record);
  }

  /** The run is over. Stop requests get its last checkpoint; checkpoint requests that came too late fail. */
  finished(lastCheckpoint: CheckpointRecord | null, error: Error | null): void {
    for (const waiter of this.stopWaiters.splice(0)) {
      if (error) waiter.reject(error);
      else waiter.resolve(lastCheckpoint);
    }
    const late = error ?? new Error('the run ended before it could write the requested checkpoint');
    for (const waiter of this.checkpointWaiters.splice(0)) waiter.reject(late);
  }
}
