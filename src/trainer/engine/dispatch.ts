// The one entry of both front doors (the trainer process and `rlab train`):
// a run goes to the engine its spec names, `engine { kind ... }`, read from the
// run folder (a new run's is made first, from its spec). Each engine loads only
// when a run needs it (tfjs for the local one).
import type { TrainerLaunch } from '../../core/protocol/trainer';
import { readRunInfo } from '../../core/run/run-info';
import type { RunControl } from './control';
import { failRun, prepareNewRun, type RunOutcome } from './run-lifecycle';
import type { TrainerSink } from './sink';

export async function train(launch: TrainerLaunch, sink: TrainerSink, control: RunControl): Promise<RunOutcome> {
  let opened: TrainerLaunch;
  let engine: string;
  try {
    opened = prepareNewRun(launch);
    // run.json of a run from before engines were named has no `engine`.
    engine = readRunInfo(opened.runDir).config.engine?.kind ?? 'local';
  } catch (e) {
    // Before a run folder could be opened: nothing is written, the error says what to fix.
    return failRun(null, sink, control, e, null);
  }
  if (engine === 'verl') {
    const { runVerlJob } = await import('../verl/supervisor');
    return runVerlJob(opened, sink, control);
  }
  const { runTraining } = await import('./run');
  return runTraining(opened, sink, control);
}
