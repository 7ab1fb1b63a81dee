// Requests from outside the training loop (the host's `stop`, SIGTERM, Ctrl-C
// in the CLI), answered by the loop between steps: the loop polls
// `stopRequested()` and reports how the run ended, which settles the requesters'
// promises.
import type { CheckpointRecord } from '../../core/protocol/records';

interface Pending<T> {
  resolve: (value: T) => void;
  reject: (error: Error) => void;
}

export class RunControl {
  private stopping = false;
  private readonly stopWaiters: Pending<CheckpointRecord | null>[] = [];

  /** Asks the run to checkpoint and stop; resolves with that checkpoint once written (null if none was). */
  requestStop(): Promise<CheckpointRecord | null> {
    this.stopping = true;
    return new Promise((resolve, reject) => this.stopWaiters.push({ resolve, reject }));
  }

  stopRequested(): boolean {
    return this.stopping;
  }

  /** The run is over: stop requests get its last checkpoint, or its error. */
  finished(lastCheckpoint: CheckpointRecord | null, error: Error | null): void {
    for (const waiter of this.stopWaiters.splice(0)) {
      if (error) waiter.reject(error);
      else waiter.resolve(lastCheckpoint);
    }
  }
}
