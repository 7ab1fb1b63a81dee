// A finished run continued for more steps, as a new run: its folder gets the
// finished run's spec, records and latest checkpoint, and a run.json that
// raises that checkpoint's phase by the extra steps and names the finished run
// as its parent. Resuming it then trains on; the finished run stays as it was.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { RunInfo } from '../protocol/records';
import { parseCheckpointName, RUN_FILES, runFile } from './layout';
import { readRunInfo, writeRunInfo } from './run-info';
import { writeFileAtomic } from './files';

/** Record files a continued run takes over (the log starts afresh). */
const RECORD_FILES = ['spec', 'metrics', 'eval', 'traces', 'alerts'] as const;

/**
 * Makes the continuation of the run in `source` for `extraSteps` more steps of
 * the phase of its latest checkpoint, in the folder `place` gives (it gets the
 * spec name; called once nothing can fail for want of a checkpoint). Returns
 * the new run's folder and info (status `stopped`, to be resumed).
 */
export function continueRun(source: string, place: (name: string) => string, extraSteps: number, now = new Date()): { dir: string; info: RunInfo } {
  if (!Number.isSafeInteger(extraSteps) || extraSteps < 1) throw new Error(`continue for a whole number of steps, 1 or more (not ${extraSteps})`);
  const info = readRunInfo(source);
  if (info.status === 'running') throw new Error(`${info.id} is still running; continue it once it has ended`);
  const latest = fs.existsSync(runFile(source, 'latest')) ? fs.readFileSync(runFile(source, 'latest'), 'utf8').trim() : '';
  const at = parseCheckpointName(latest);
  if (!at || !fs.existsSync(path.join(source, RUN_FILES.checkpoints, latest))) throw new Error(`${info.id} has no checkpoint to continue from`);
  const dir = place(info.name);
  fs.mkdirSync(dir, { recursive: true });
  if (fs.readdirSync(dir).length > 0) throw new Error(`${dir} is not empty; a continued run needs a folder of its own`);
  for (const file of RECORD_FILES) if (fs.existsSync(runFile(source, file))) fs.copyFileSync(runFile(source, file), runFile(dir, file));
  fs.cpSync(path.join(source, RUN_FILES.checkpoints, latest), path.join(dir, RUN_FILES.checkpoints, latest), { recursive: true });
  writeFileAtomic(runFile(dir, 'latest'), `${latest}\n`);
  const config = { ...info.config, [at.phase]: { ...info.config[at.phase], steps: info.config[at.phase].steps + extraSteps } };
  const continued: RunInfo = { ...info, id: path.basename(dir), status: 'stopped', pid: null, config, startedAt: now.toISOString(), endedAt: null, error: null, parent: path.resolve(source) };
  writeRunInfo(dir, continued);
  return { dir, info: continued };
}
