// The one entry of both front doors (the trainer process and `rlab train`):
// a run goes to the engine its spec names, `engine { kind ... }`. Each engine
// loads only when a run needs it (tfjs for the local one).
import type { TrainerLaunch } from '../../core/protocol/trainer';
import type { EngineKind } from '../../core/spec/config';
import { readRunInfo } from '../../core/run/run-info';
import { readSpecFile } from '../spec-file';
import type { RunControl } from './control';
import type { RunOutcome } from './run-lifecycle';
import type { TrainerSink } from './sink';

function engineOf(launch: TrainerLaunch): EngineKind {
  try {
    const config = launch.resume ? readRunInfo(launch.runDir).config : readSpecFile(launch.spec ?? '').config;
    // run.json of a run from before engines were named has no `engine`.
    return config.engine?.kind ?? 'local';
  } catch {
    // The local engine reports an unreadable spec or run folder as it always has.
    return 'local';
  }
}

export async function train(launch: TrainerLaunch, sink: TrainerSink, control: RunControl): Promise<RunOutcome> {
  if (engineOf(launch) === 'verl') {
    const { runVerlJob } = await import('../verl/supervisor');
    return runVerlJob(launch, sink, control);
  }
  const { runTraining } = await import('./run');
  return runTraining(launch, sink, control);
}
