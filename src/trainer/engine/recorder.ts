// One call per record: appended to its file in the run directory, counted in
// run.json (steps), and shown to the sink (a progress bar). Stages use this,
// never the writer and sink separately, so files and events cannot disagree.
import type { AlertRecord, EvalRecord, LogLevel, StepRecord, TraceRecord } from '../../core/protocol/records';
import type { RunWriter } from '../run/writer';
import type { TrainerSink } from './sink';

export class RunRecorder {
  constructor(
    readonly writer: RunWriter,
    private readonly sink: TrainerSink,
  ) {}

  step(record: StepRecord): void {
    this.writer.step(record);
    this.writer.update({ step: { ...this.writer.info.step, [record.phase]: record.step } });
    this.sink.step(record);
  }

  eval(record: EvalRecord): void {
    this.writer.eval(record);
    this.sink.eval(record);
  }

  trace(record: TraceRecord): void {
    this.writer.trace(record);
  }

  alert(record: AlertRecord): void {
    this.writer.alert(record);
    this.writer.log('warn', `alert ${record.kind} at ${record.phase} step ${record.step}: ${record.evidence} (${record.advice})`, record.time);
    this.sink.alert(record);
  }

  log(level: LogLevel, message: string): void {
    const time = Date.now();
    this.writer.log(level, message, time);
    this.sink.log({ level, message, time });
  }
}
