// run.json: read and replaced whole, and what it means when no trainer of ours
// owns the run: still going (its pid is alive), finished, or crashed (it says
// running but its trainer is gone).
import * as fs from 'node:fs';
import type { RunInfo } from '../protocol/records';
import { writeFileAtomic } from './files';
import { RUN_FILES, runFile } from './layout';

export type RunState = 'live' | 'finished' | 'crashed';

/** Throws with what is wrong when the folder has no readable run.json. */
export function readRunInfo(runDir: string): RunInfo {
  const file = runFile(runDir, 'run');
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    throw new Error(`${runDir} is not a run directory: it has no ${RUN_FILES.run}`);
  }
  let info: RunInfo;
  try {
    info = JSON.parse(text) as RunInfo;
  } catch (e) {
    throw new Error(`${file} is not valid JSON (${(e as Error).message})`);
  }
  if (typeof info?.id !== 'string' || typeof info.status !== 'string') throw new Error(`${file} has no run id or status`);
  return info;
}

/** Rewrites run.json atomically, so a reader never sees half of it. */
export function writeRunInfo(runDir: string, info: RunInfo): void {
  writeFileAtomic(runFile(runDir, 'run'), JSON.stringify(info, null, 2) + '\n');
}

export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export function runState(info: RunInfo, isAlive: (pid: number) => boolean = isProcessAlive): RunState {
  if (info.status !== 'running') return 'finished';
  return info.pid !== null && info.pid > 0 && isAlive(info.pid) ? 'live' : 'crashed';
}

/** run.json of a run whose trainer is gone: failed, with the reason. */
export function crashedInfo(info: RunInfo, reason: string, now = new Date()): RunInfo {
  return { ...info, status: 'failed', pid: null, endedAt: info.endedAt ?? now.toISOString(), error: info.error ?? reason };
}
