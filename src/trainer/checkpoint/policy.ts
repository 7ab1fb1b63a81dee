// A trained policy back from disk: a checkpoint folder, or a run directory
// (its latest checkpoint), rebuilt as a model with its tokenizer and config.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Gpt } from '../model/gpt';
import { Tokenizer } from '../model/tokenizer';
import { CHECKPOINT_FILES, latestCheckpoint, readCheckpoint, type Checkpoint } from './store';
import { assignArrays } from './tensors';

/** The checkpoint folder `target` means: itself, or the latest one of a run directory. */
export function checkpointDir(target: string): string {
  if (fs.existsSync(path.join(target, CHECKPOINT_FILES.weights))) return target;
  if (!fs.existsSync(target)) throw new Error(`${target}: no such run directory or checkpoint`);
  const latest = latestCheckpoint(target);
  if (latest === null) throw new Error(`${target} is neither a checkpoint folder (with ${CHECKPOINT_FILES.weights}) nor a run directory with a checkpoint`);
  return latest;
}

export interface LoadedPolicy {
  dir: string;
  checkpoint: Checkpoint;
  tokenizer: Tokenizer;
  /** The caller disposes it. */
  model: Gpt;
}

/** Needs an active tfjs backend (selectBackend). */
export function loadPolicy(target: string): LoadedPolicy {
  const dir = checkpointDir(target);
  const checkpoint = readCheckpoint(dir);
  const tokenizer = new Tokenizer();
  if (checkpoint.config.vocabSize !== tokenizer.vocabSize) {
    throw new Error(`${dir} was saved with a vocabulary of ${checkpoint.config.vocabSize} tokens; this version's tokenizer has ${tokenizer.vocabSize}`);
  }
  const { config } = checkpoint.config;
  const model = new Gpt(config.model, tokenizer.vocabSize, config.task.seed);
  try {
    assignArrays(model.variables, checkpoint.weights, `checkpoint ${dir}`);
  } catch (e) {
    model.dispose();
    throw e;
  }
  return { dir, checkpoint, tokenizer, model };
}
