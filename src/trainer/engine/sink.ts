// What the engine tells whoever runs it, besides the run folder it writes (the
// records' one home): the trainer process forwards the run's life over IPC, the
// CLI draws a progress bar from the records too, a test listens to nothing.
import type { AlertRecord, EvalRecord, LogRecord, StepRecord } from '../../core/protocol/records';
import type { DoneParams, FailedParams, HelloParams } from '../../core/protocol/trainer';

export interface TrainerSink {
  hello(params: HelloParams): void;
  step(record: StepRecord): void;
  eval(record: EvalRecord): void;
  alert(record: AlertRecord): void;
  log(record: LogRecord): void;
  done(params: DoneParams): void;
  failed(params: FailedParams): void;
}

/** A sink that drops every event (headless runs whose only output is the run directory). */
export const silentSink: TrainerSink = {
  hello: () => {},
  step: () => {},
  eval: () => {},
  alert: () => {},
  log: () => {},
  done: () => {},
  failed: () => {},
};
