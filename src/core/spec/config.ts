// The fully defaulted configuration a `.countdown` spec resolves to. The trainer,
// the CLI and the extension consume only this; the schema (one source of truth
// for defaults, ranges and documentation) produces it.

export type Operator = '+' | '-' | '*' | '/';
export type Device = 'auto' | 'gpu' | 'cpu' | 'wasm' | 'js';
export type PromptKind = 'tinyzero' | 'qwen-instruct' | 'compact' | 'custom';
export type ModelPreset = 'nano' | 'tiny' | 'small' | 'base' | 'custom';
export type TraceStyle = 'dfs' | 'bfs' | 'mixed';
export type Algorithm = 'grpo' | 'dr-grpo' | 'rloo' | 'reinforce' | 'ppo';
export type KlEstimator = 'k1' | 'k3';
export type KlPlacement = 'loss' | 'reward';
export type LossAggregation = 'token-mean' | 'seq-mean-token-mean' | 'seq-mean-token-sum-norm';
export type RewardScaling = 'group' | 'batch' | 'none';
export type EngineKind = 'local' | 'verl';
export type RolloutBackend = 'vllm' | 'sglang';

/** Inclusive integer range; a fixed value has min === max. */
export interface IntRange {
  min: number;
  max: number;
}

export interface FixedProblem {
  numbers: number[];
  target: number;
}

export interface TaskConfig {
  numbers: IntRange;
  values: IntRange;
  target: IntRange;
  operators: Operator[];
  /** Problems pretraining traces are drawn from (and RL's, when `rlPool` is 0). */
  train: number;
  test: number;
  /** Problems reserved for RL, disjoint from train and test; 0 means RL samples from train. */
  rlPool: number;
  seed: number;
  /** Share (0..1) of the target range held out of train and used only in test. */
  heldOutTargets: number;
}

export interface PromptConfig {
  kind: PromptKind;
  /** Template with `{numbers}` and `{target}`; for built-in kinds, the built-in text. */
  template: string;
}

export interface RewardConfig {
  format: number;
  correct: number;
}

export interface ModelConfig {
  preset: ModelPreset;
  layers: number;
  width: number;
  heads: number;
  context: number;
  positions: 'learned' | 'rotary';
  /** A scalar value head beside the language-model head (needed by PPO). */
  valueHead: boolean;
  /** Output head shares the token embedding (default true); false gives a separate head matrix. */
  tiedHead?: boolean;
}

export interface PretrainConfig {
  traces: TraceStyle;
  steps: number;
  batch: number;
  /** Sequences per forward/backward; gradients accumulate over batch / microBatch. */
  microBatch: number;
  lr: number;
  warmup: number;
  weightDecay: number;
  gradClip: number;
  /** Search nodes a trace may expand before it gives up. */
  searchBudget: number;
  /** Evaluate (and checkpoint) every this many pretraining steps, and at the end. */
  evalEvery: number;
}

export interface RlConfig {
  algorithm: Algorithm;
  steps: number;
  prompts: number;
  /** Completions sampled per prompt (the spec's `group`). */
  groupSize: number;
  /** Learning rate reached after `warmup` steps and held. */
  lr: number;
  warmup: number;
  /** Coefficient of the KL term (the spec's `kl`; the measured KL is the `kl` metric). */
  klCoef: number;
  klEstimator: KlEstimator;
  klIn: KlPlacement;
  /** Ratio clip ε_low (the spec's `clip`). */
  clipLow: number;
  /** Upper clip bound (DAPO clip-higher); null means symmetric `clip`. */
  clipHigh: number | null;
  /** Coefficient of the entropy bonus (the spec's `entropy`; the measured entropy is the `entropy` metric). */
  entropyCoef: number;
  temperature: number;
  topK: number;
  topP: number;
  maxTokens: number;
  epochs: number;
  miniBatch: number;
  lossAggregation: LossAggregation;
  rewardScaling: RewardScaling;
  maskTruncated: boolean;
  gamma: number;
  lambda: number;
  gradClip: number;
  /** DAPO dynamic sampling: train only on groups whose correctness varies, drawing more prompts to fill the batch. */
  dynamicSampling: boolean;
  /** With dynamic sampling, the most problems one step draws, as a multiple of `prompts`. */
  maxDraw: number;
  /** Evaluate (and checkpoint) every this many RL steps, and at the start and the end. */
  evalEvery: number;
  /** End RL when held-out accuracy has not improved for this many evaluations (0: never). */
  earlyStop: number;
  /** Seed of RL's sampling and problem order (the task's seed unless written). */
  seed: number;
}

/** How an evaluation is done; when is each stage's (`pretrain.evalEvery`, `rl.evalEvery`). */
export interface EvalConfig {
  /** k of pass@k: sampled completions per problem. */
  samples: number;
  temperature: number;
  /** Test problems evaluated each time (0 = the whole frozen test split). */
  limit: number;
}

/** Which engine trains the spec: ours in a Node process, or veRL on Ray (GPUs). */
export interface EngineConfig {
  kind: EngineKind;
  /** veRL: the policy to train, a Hugging Face model id or a local path. */
  model: string;
  /** veRL: GPUs per node. */
  gpus: number;
  nodes: number;
  rollout: RolloutBackend;
  /** veRL: GPUs that share one rollout engine (vLLM/SGLang tensor parallelism). */
  tensorParallel: number;
  /** veRL: share of GPU memory the rollout engine may take. */
  gpuMemory: number;
  /** Ray dashboard address (`http://head:8265`); empty: a local Ray started by the job. */
  ray: string;
  /** The Python that has veRL installed. */
  python: string;
  /** Extra Hydra overrides appended to the job's own, verbatim (`key=value`). */
  overrides: string[];
}

export interface ResolvedConfig {
  name: string;
  task: TaskConfig;
  prompt: PromptConfig;
  reward: RewardConfig;
  model: ModelConfig;
  pretrain: PretrainConfig;
  rl: RlConfig;
  eval: EvalConfig;
  device: Device;
  engine: EngineConfig;
  problems: FixedProblem[];
}
