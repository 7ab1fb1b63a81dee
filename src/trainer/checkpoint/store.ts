// Checkpoint folders: `checkpoints/step-NNNNNN/` (RL: `rl-step-NNNNNN/`) holding
// model.safetensors, optimizer.safetensors, config.json and state.json. A
// checkpoint is written into a temporary folder and renamed into place, then
// `checkpoints/latest` is replaced to name it, so a reader never sees half of one.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { checkpointNames } from '../../core/run/checkpoints';
import { RUN_FILES, checkpointName, parseCheckpointName, runFile } from '../../core/run/layout';
import type { Phase } from '../../core/protocol/records';
import type { ResolvedConfig } from '../../core/spec/config';
import { decodeSafetensors, encodeSafetensors, type ArrayMap } from './safetensors';
import { writeFileAtomic } from '../../core/run/files';

export const CHECKPOINT_FILES = {
  weights: 'model.safetensors',
  optimizer: 'optimizer.safetensors',
  config: 'config.json',
  state: 'state.json',
} as const;

/** config.json: what is needed to rebuild the model and its data without the run. */
export interface CheckpointConfig {
  config: ResolvedConfig;
  vocabSize: number;
  paramCount: number;
}

/** state.json: where training stood, so that a resumed run continues exactly. */
export interface CheckpointState {
  phase: Phase;
  /** Steps finished in this phase. */
  step: number;
  /** Steps finished per phase (pretraining's count stays known during RL). */
  steps: { pretrain: number; rl: number };
  /** Rng.state() of the engine's generator. */
  rng: number[];
  /** Positions in the data streams, by name (e.g. `pretrain.epoch`, `pretrain.index`). */
  cursor: Record<string, number>;
  savedAt: string;
}

export interface Checkpoint {
  weights: ArrayMap;
  optimizer: ArrayMap;
  config: CheckpointConfig;
  state: CheckpointState;
}

export function writeCheckpoint(runDir: string, checkpoint: Checkpoint): string {
  const { phase, step } = checkpoint.state;
  const root = runFile(runDir, 'checkpoints');
  fs.mkdirSync(root, { recursive: true });
  const final = path.join(root, checkpointName(step, phase));
  const tmp = path.join(root, `.tmp-${checkpointName(step, phase)}-${process.pid}`);
  fs.rmSync(tmp, { recursive: true, force: true });
  fs.mkdirSync(tmp);
  fs.writeFileSync(path.join(tmp, CHECKPOINT_FILES.weights), encodeSafetensors(checkpoint.weights, { phase, step: String(step) }));
  fs.writeFileSync(path.join(tmp, CHECKPOINT_FILES.optimizer), encodeSafetensors(checkpoint.optimizer));
  fs.writeFileSync(path.join(tmp, CHECKPOINT_FILES.config), JSON.stringify(checkpoint.config, null, 2) + '\n');
  fs.writeFileSync(path.join(tmp, CHECKPOINT_FILES.state), JSON.stringify(checkpoint.state, null, 2) + '\n');
  // A folder of the same name is an older save of this step (a resumed run repeating it): replace it.
  fs.rmSync(final, { recursive: true, force: true });
  fs.renameSync(tmp, final);
  writeFileAtomic(runFile(runDir, 'latest'), path.basename(final) + '\n');
  return final;
}

export function readCheckpoint(dir: string): Checkpoint {
  const file = (name: string): string => path.join(dir, name);
  for (const name of Object.values(CHECKPOINT_FILES)) {
    if (!fs.existsSync(file(name))) throw new Error(`checkpoint ${dir} is incomplete: it has no ${name}`);
  }
  return {
    weights: decodeSafetensors(fs.readFileSync(file(CHECKPOINT_FILES.weights)), file(CHECKPOINT_FILES.weights)).tensors,
    optimizer: decodeSafetensors(fs.readFileSync(file(CHECKPOINT_FILES.optimizer)), file(CHECKPOINT_FILES.optimizer)).tensors,
    config: JSON.parse(fs.readFileSync(file(CHECKPOINT_FILES.config), 'utf8')) as CheckpointConfig,
    state: JSON.parse(fs.readFileSync(file(CHECKPOINT_FILES.state), 'utf8')) as CheckpointState,
  };
}

/** Only config.json: enough to choose a backend before the weights load. */
export function readCheckpointConfig(dir: string): CheckpointConfig {
  const file = path.join(dir, CHECKPOINT_FILES.config);
  if (!fs.existsSync(file)) throw new Error(`checkpoint ${dir} is incomplete: it has no ${CHECKPOINT_FILES.config}`);
  return JSON.parse(fs.readFileSync(file, 'utf8')) as CheckpointConfig;
}

/** Complete checkpoint folders of a run for `phase`, oldest first. */
export function listCheckpoints(runDir: string, phase: Phase): string[] {
  return checkpointNames(runDir)
    .filter((name) => parseCheckpointName(name)?.phase === phase)
    .map((name) => path.join(runFile(runDir, 'checkpoints'), name));
}

/** The folder `checkpoints/latest` names, or null when the run has none yet. */
export function latestCheckpoint(runDir: string): string | null {
  return pointedCheckpoint(runDir, 'latest');
}

/** The folder `checkpoints/best` names (best held-out greedy accuracy), or null when no evaluation has been checkpointed. */
export function bestCheckpoint(runDir: string): string | null {
  return pointedCheckpoint(runDir, 'best');
}

/** Points `checkpoints/best` at a checkpoint folder of the run. */
export function markBestCheckpoint(runDir: string, dir: string): void {
  writeFileAtomic(runFile(runDir, 'best'), path.basename(dir) + '\n');
}

function pointedCheckpoint(runDir: string, pointer: 'latest' | 'best'): string | null {
  const file = runFile(runDir, pointer);
  if (!fs.existsSync(file)) return null;
  const name = fs.readFileSync(file, 'utf8').trim();
  const dir = path.join(runFile(runDir, 'checkpoints'), name);
  if (name === '' || !fs.existsSync(dir)) {
    throw new Error(`${file} names "${name}", which is not a checkpoint folder in ${path.join(runDir, RUN_FILES.checkpoints)}`);
  }
  return dir;
}
