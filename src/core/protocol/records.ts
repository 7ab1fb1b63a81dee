// Records the trainer writes to the run directory and streams live. The same
// shapes travel over IPC, sit in the JSONL files and reach the webview.
import type { ResolvedConfig } from '../spec/config';
import type { Verdict } from '../countdown/verdict';

export type RunStatus = 'running' | 'stopped' | 'failed' | 'done';
export type Phase = 'pretrain' | 'rl';
export type BackendName = 'tensorflow-gpu' | 'tensorflow' | 'wasm' | 'cpu' | 'verl';

export interface BackendInfo {
  name: BackendName;
  /** TensorFlow.js threads (0 for a veRL run). */
  threads: number;
  simd: boolean;
  /** Why the backend runs on fewer threads than it could (busy cores, the threaded WASM build did not start, a bad RLAB_WASM_THREADS), when it does. */
  fallback?: string;
  /** A veRL run: the GPUs and the rollout engine it asked for. */
  verl?: { gpus: number; nodes: number; rollout: string; ray: string | null };
}

/** `run.json` of a run trained by veRL: the job that runs it. */
export interface VerlJobInfo {
  engine: 'verl';
  /** The Ray Jobs submission id, or `local-<pid>` for a job run here as a child process. */
  id: string;
  /** The command line of the job. */
  command: string[];
  /** The Ray dashboard the job was submitted to; null for a local job. */
  ray: string | null;
  /** 1 for the first launch, one more for each resume. */
  attempt: number;
}

/** `run.json`: everything needed to show, resume or compare a run. */
export interface RunInfo {
  id: string;
  name: string;
  status: RunStatus;
  pid: number | null;
  seed: number;
  stage: 'pretrain' | 'rl' | 'all';
  backend: BackendInfo | null;
  versions: Record<string, string>;
  config: ResolvedConfig;
  startedAt: string;
  endedAt: string | null;
  /** Last step written to metrics.jsonl, per phase. */
  step: { pretrain: number; rl: number };
  error: string | null;
  /** Run (or checkpoint folder) this one was started from: a base model for RL, or the run it continues. */
  parent: string | null;
  /** The .countdown file the run was started from (spec.countdown is its copy); absent in runs from before it was recorded. */
  specFile?: string;
  /** Set when veRL trains the run (`engine { kind verl }`). */
  job?: VerlJobInfo;
}

/**
 * Metric keys of a step record. Their meanings are documented in `METRICS`
 * (src/core/protocol/metrics.ts), the one table the docs, the dashboard and CSV
 * export all read.
 */
export type MetricName =
  | 'loss'
  | 'policyLoss'
  | 'lr'
  | 'gradNorm'
  | 'tokensPerSec'
  | 'stepMs'
  | 'rolloutMs'
  | 'trainMs'
  | 'rewardMean'
  | 'rewardStd'
  | 'accuracy'
  | 'formatRate'
  | 'lengthMean'
  | 'lengthCorrect'
  | 'lengthWrong'
  | 'truncatedRate'
  | 'kl'
  | 'entropy'
  | 'clipFraction'
  | 'zeroSignalGroups'
  | 'signalGroups'
  | 'promptsDrawn'
  | 'searchRate'
  | 'stepKl'
  | 'repetitionRate'
  | 'multiAnswerRate'
  | 'valueLoss';

/** One line of `metrics.jsonl`. */
export type StepRecord = {
  phase: Phase;
  step: number;
  /** Epoch milliseconds when the step finished. */
  time: number;
  /** Share of each verdict among the step's rollouts (RL only). */
  verdicts?: Partial<Record<Verdict, number>>;
  /** A veRL run: veRL's own metrics that have no name of ours, under veRL's names (docs/verl.md). */
  engineMetrics?: Record<string, number>;
} & Partial<Record<MetricName, number>>;

/**
 * Fields of a step record that measure wall-clock time. Everything else in a
 * step record is a pure function of the seed, the backend and the data: a run
 * resumed from a checkpoint repeats the uninterrupted run's records exactly,
 * except for these.
 */
export const WALL_CLOCK_FIELDS = ['time', 'tokensPerSec', 'stepMs', 'rolloutMs', 'trainMs'] as const;

export interface EvalScore {
  /** Problems evaluated. */
  n: number;
  /** Greedy pass@1. */
  pass1: number;
  /** Sampled pass@k (k = EvalRecord.k). */
  passK: number;
  formatRate: number;
  lengthMean: number;
}

/** One line of `eval.jsonl`. */
export interface EvalRecord {
  phase: Phase;
  step: number;
  time: number;
  split: 'test' | 'problems';
  k: number;
  score: EvalScore;
  /** The same score per count of numbers in the problem ("3", "4", ...). */
  byCount: Record<string, EvalScore>;
  /** Pretraining, test split: mean cross-entropy per completion token on held-out search traces. */
  loss?: number;
  /** Evaluated on request (Evaluate Checkpoint, `rlab eval --record`), not by the training loop. */
  requested?: true;
}

/** One line of `traces.jsonl`: a sampled completion and how it was scored. */
export interface TraceRecord {
  phase: Phase;
  step: number;
  split: 'train' | 'test' | 'problems';
  numbers: number[];
  target: number;
  prompt: string;
  completion: string;
  reward: number;
  verdict: Verdict;
  /** Greedy decode, or the index of a sample among k. */
  sample: 'greedy' | number;
  truncated: boolean;
}

export type AlertKind =
  | 'entropy-collapse'
  | 'length-runaway'
  | 'length-collapse'
  | 'repetition'
  | 'multiple-answers'
  | 'zero-reward-streak'
  | 'kl-blowup';

/** One line of `alerts.jsonl` and an `alert` event. */
export interface AlertRecord {
  phase: Phase;
  step: number;
  time: number;
  kind: AlertKind;
  /** What was measured, with numbers. */
  evidence: string;
  /** What to try. */
  advice: string;
}

export interface CheckpointRecord {
  phase: Phase;
  step: number;
  /** Absolute path of the checkpoint folder. */
  path: string;
}

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

export interface LogRecord {
  level: LogLevel;
  message: string;
  time: number;
}
