// A training stage (pretraining, RL) and what it gets from the engine. A stage
// says which problems it goes through, how its optimizer decays weights and
// what one step does; the engine owns everything every stage repeats: the step
// loop, the optimizer and the data cursor (fresh, or restored from a checkpoint,
// and saved with every one), evaluation cadence, the best checkpoint, early
// stops, stop requests and the run directory.
import type { BackendInfo, EvalRecord, Phase, StepRecord } from '../../core/protocol/records';
import type { Problem } from '../../core/countdown/problem';
import type { ResolvedConfig } from '../../core/spec/config';
import type { ArrayMap } from '../checkpoint/safetensors';
import type { ShuffledStream } from '../data/shuffled-stream';
import type { TaskData } from '../data/task';
import type { Gpt } from '../model/gpt';
import type { Tokenizer } from '../model/tokenizer';
import type { AdamW } from '../optim/adamw';
import type { Rng } from '../rng';
import type { RunRecorder } from './recorder';

/** Where a stage begins: step 0 of a fresh stage, or the checkpoint a resumed run continues from. */
export interface StageStart {
  /** Optimizer steps of this stage already done. */
  step: number;
  /** The optimizer state saved with that checkpoint (null: start a fresh optimizer). */
  optimizer: ArrayMap | null;
  /** The engine's cursors saved with that checkpoint (empty when fresh). */
  cursor: Record<string, number>;
}

export type StageEnd = 'done' | 'stopped';

/** A stage as the engine runs it. */
export interface Stage {
  /** Steps in all, evaluation cadence and early-stop patience (evaluations without a new best; 0: never) from the spec. */
  plan(config: ResolvedConfig): { steps: number; every: number; patience: number };
  /** The problems the stage goes through in shuffled passes, and the seed of their order. */
  problems(data: TaskData, config: ResolvedConfig): { pool: readonly Problem[]; seed: number };
  /** AdamW weight decay of the stage's optimizer. */
  weightDecay(config: ResolvedConfig): number;
  /** Evaluate the model the stage starts from before its first step (RL's baseline; not a random initialisation). */
  evaluatesStart: boolean;
  /** Sets the stage up; the steps it returns run from `ctx.start.step + 1` to the plan's last. */
  begin(ctx: TrainingContext): StageSteps;
}

export interface StageSteps {
  /** Runs step `step` (1-based) and returns its record; the engine writes it. */
  step(step: number, total: number): Promise<StepRecord>;
  /** Releases what the stage holds (a reference model). */
  dispose?(): void;
}

export interface TrainingContext {
  readonly config: ResolvedConfig;
  readonly phase: Phase;
  readonly runDir: string;
  readonly backend: BackendInfo;
  readonly tokenizer: Tokenizer;
  /** The policy. Its weights are the checkpoint's, the base model's (RL) or fresh. */
  readonly model: Gpt;
  /** The stage's AdamW, restored when resuming; the engine saves and disposes it. */
  readonly optimizer: AdamW;
  /** The stage's problems in shuffled passes, at the resumed position; the engine saves the cursor. */
  readonly problems: ShuffledStream<Problem>;
  /** The engine's random generator; its state is saved in every checkpoint. */
  readonly rng: Rng;
  readonly data: TaskData;
  /** Writes step/eval/trace/alert/log records to the run directory. */
  readonly record: RunRecorder;
  readonly start: StageStart;
  /**
   * Evaluates the model on the frozen test split (eval.limit problems) and on
   * the spec's problems; writes eval.jsonl and traces.jsonl.
   */
  evaluate(phase: Phase, step: number): Promise<EvalRecord[]>;
}
