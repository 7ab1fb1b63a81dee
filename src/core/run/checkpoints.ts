// The checkpoint folders of a run, as every reader lists them: only complete
// ones (a checkpoint is written under a temporary name, then renamed), in
// training order.
import * as fs from 'node:fs';
import { parseCheckpointName, runFile } from './layout';

/** Names of the run's complete checkpoint folders, oldest first: pretraining by step, then RL by step. */
export function checkpointNames(runDir: string): string[] {
  let names: string[];
  try {
    names = fs.readdirSync(runFile(runDir, 'checkpoints'), { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name);
  } catch {
    return [];
  }
  const parsed = names.flatMap((name) => {
    const at = parseCheckpointName(name);
    return at ? [{ name, ...at }] : [];
  });
  parsed.sort((a, b) => (a.phase === b.phase ? a.step - b.step : a.phase === 'pretrain' ? -1 : 1));
  return parsed.map((c) => c.name);
}
