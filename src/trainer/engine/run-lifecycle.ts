// How every run starts and ends, whichever engine trains it: its first
// run.json, the check that a run to resume is not still running, and the
// end as done, stopped or failed in run.json, trainer.log, the live events
// and the requests waiting on the run.
import type { CheckpointRecord, RunInfo } from '../../core/protocol/records';
import type { TrainerLaunch } from '../../core/protocol/trainer';
import { createRunFolder } from '../../core/run/new-run';
import { runState } from '../../core/run/run-info';
import type { RunWriter } from '../run/writer';
import { SpecError, readSpecFile } from '../spec-file';
import type { RunControl } from './control';
import type { TrainerSink } from './sink';

export type RunOutcome = 'done' | 'stopped' | 'failed';

/**
 * A launch of a new run from a spec file, as the trainer opens it: the spec read
 * and resolved (its one parse on this path) into a new run folder, then that
 * folder opened like one to resume. The extension host and `rlab train` make the
 * folder themselves from the spec they checked and launch it opened.
 */
export function prepareNewRun(launch: TrainerLaunch): TrainerLaunch {
  if (launch.resume) return launch;
  if (launch.spec === null) throw new SpecError('a new run needs a spec file');
  const { text, config } = readSpecFile(launch.spec);
  createRunFolder(launch.runDir, { specFile: launch.spec, specText: text, config, stage: launch.stage, parent: launch.from ?? null });
  return { ...launch, spec: null, resume: true, from: null };
}

/** A run to resume must not be running in another process. */
export function checkNotRunning(info: RunInfo, runDir: string): void {
  if (info.pid !== process.pid && runState(info) === 'live') {
    throw new SpecError(`run ${runDir} is still running (pid ${info.pid}); stop it before resuming`);
  }
}

/** The run ended as asked: done, or stopped on request. */
export function endRun(writer: RunWriter, sink: TrainerSink, control: RunControl, status: 'done' | 'stopped', lastCheckpoint: CheckpointRecord | null): RunOutcome {
  const run = writer.update({ status, endedAt: new Date().toISOString(), pid: null });
  const time = Date.now();
  const message = status === 'stopped' ? 'stopped on request' : 'done';
  writer.log('info', message, time);
  sink.log({ level: 'info', message, time });
  sink.done({ status, run });
  control.finished(lastCheckpoint, null);
  return status;
}

/** The run failed: the error goes to run.json, trainer.log and the host; what was written stays. */
export function failRun(writer: RunWriter | null, sink: TrainerSink, control: RunControl, e: unknown, lastCheckpoint: CheckpointRecord | null): RunOutcome {
  const error = e instanceof Error ? e : new Error(String(e));
  if (writer) {
    writer.update({ status: 'failed', error: error.message, endedAt: new Date().toISOString(), pid: null });
    writer.log('error', error instanceof SpecError ? error.message : (error.stack ?? error.message));
  }
  sink.failed({ message: error.message, stack: error instanceof SpecError ? null : (error.stack ?? null) });
  control.finished(lastCheckpoint, error);
  return 'failed';
}
