// What a run.json found on disk means when no trainer of ours owns it: a run
// still going (reattach: tail its files), a finished one (just show it), or one
// whose trainer died without saying so (mark it failed, keep every line).
import { renameSync, writeFileSync } from 'node:fs';
import type { RunInfo } from '../../core/protocol/records';
import { runFile } from '../../core/run/layout';

export type RunState = 'live' | 'finished' | 'crashed';

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

/** Rewrites run.json atomically (temp file + rename), so a reader never sees half of it. */
export function writeRunInfo(runDir: string, info: RunInfo): void {
  const file = runFile(runDir, 'run');
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(info, null, 2) + '\n');
  renameSync(tmp, file);
}
