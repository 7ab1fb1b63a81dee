// Where live events go: JSON-RPC notifications in the trainer process, a
// progress bar in the CLI, nothing in a test. The engine writes every record to
// the run directory itself (RunRecorder) and also hands it to the sink.
import type { AlertRecord, CheckpointRecord, EvalRecord, LogRecord, StepRecord, TraceRecord } from '../../core/protocol/records';
import type { DoneParams, FailedParams, HelloParams } from '../../core/protocol/trainer';

export interface TrainerSink {
  hello(params: HelloParams): void;
  step(record: StepRecord): void;
  eval(record: EvalRecord): void;
  trace(record: TraceRecord): void;
  alert(record: AlertRecord): void;
  checkpoint(record: CheckpointRecord): void;
  log(record: LogRecord): void;
  done(params: DoneParams): void;
  failed(params: FailedParams): void;
}

/** A sink that drops every event (headless runs whose only output is the run directory). */
export const silentSink: TrainerSink = {
  hello: () => {},
  step: () => {},
  eval: () => {},
  trace: () => {},
  alert: () => {},
  checkpoint: () => {},
  log: () => {},
  done: () => {},
  failed: () => {},
};
