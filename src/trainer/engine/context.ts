// What a training stage (pretraining, RL) gets from the engine, and the one
// thing it must call after every optimizer step. A stage owns its loop, its
// optimizer and its metrics; the engine owns the run directory, evaluation
// cadence, checkpoints, stop requests and what the sink is told.
import type * as tf from '@tensorflow/tfjs-core';
import type { BackendInfo, EvalRecord, Phase } from '../../core/protocol/records';
import type { ResolvedConfig } from '../../core/spec/config';
import type { ArrayMap } from '../checkpoint/safetensors';
import type { TaskData } from '../data/task';
import type { Gpt } from '../model/gpt';
import type { Tokenizer } from '../model/tokenizer';
import type { Rng } from '../rng';
import type { RunRecorder } from './recorder';

/** Where a stage begins: step 0 of a fresh stage, or the checkpoint a resumed run continues from. */
export interface StageStart {
  /** Optimizer steps of this stage already done. */
  step: number;
  /** The optimizer state saved with that checkpoint (null: start a fresh optimizer). */
  optimizer: ArrayMap | null;
  /** The stage's data cursor saved with that checkpoint (empty when fresh). */
  cursor: Record<string, number>;
}

export type StageEnd = 'done' | 'stopped';

/** What `endStep` needs to know about the step that just finished. */
export interface StepEnd {
  phase: Phase;
  /** Steps of this stage done, this one included. */
  step: number;
  /** Steps the stage runs in all. */
  total: number;
  /** Evaluate and checkpoint every this many steps (and at `total`). */
  every: number;
  /** End the stage once this many evaluations in a row have not beaten the stage's best held-out accuracy (0: never). */
  patience: number;
  /** The optimizer's state by name, for a checkpoint: fresh copies, which the engine disposes (read only when one is written). */
  optimizer: () => ReadonlyMap<string, tf.Tensor>;
  /** The stage's data cursor, for a checkpoint. */
  cursor: () => Record<string, number>;
}

export interface TrainingContext {
  readonly config: ResolvedConfig;
  readonly runDir: string;
  readonly backend: BackendInfo;
  readonly tokenizer: Tokenizer;
  /** The policy. Its weights are the checkpoint's, the base model's (RL) or fresh. */
  readonly model: Gpt;
  /** The engine's random generator; its state is saved in every checkpoint. */
  readonly rng: Rng;
  readonly data: TaskData;
  /** Writes step/eval/trace/alert/log records to the run directory (and shows them to the sink). */
  readonly record: RunRecorder;
  readonly start: StageStart;
  /**
   * Evaluates the model on the frozen test split (eval.limit problems) and on
   * the spec's problems; writes eval.jsonl and traces.jsonl.
   */
  evaluate(phase: Phase, step: number): Promise<EvalRecord[]>;
  /**
   * Call after every optimizer step: lets requests in, evaluates and
   * checkpoints when due (or when a stop was asked for), and points
   * `checkpoints/best` at a checkpoint that beats every earlier one.
   * Returns how the stage ends now — `stopped` on request, `done` when held-out
   * accuracy stopped improving for `patience` evaluations — or null to go on.
   * A checkpoint has been written whenever it returns an end.
   */
  endStep(end: StepEnd): Promise<StageEnd | null>;
}
