// The one schema of the `.countdown` language: every block and key with its
// type, default, range and documentation. The validator, the resolver, the
// generated docs/countdown-spec.md, hover and completion all read it, so they
// cannot drift apart. Each block's key table is typed against its part of
// ResolvedConfig, so a config field without a key does not compile.
import { MAX_NUMBERS } from '../countdown/problem';
import { overrideProblem } from '../verl/hydra';
import type {
  Algorithm,
  Device,
  EngineConfig,
  EngineKind,
  EvalConfig,
  KlEstimator,
  KlPlacement,
  LossAggregation,
  ModelConfig,
  ModelPreset,
  PretrainConfig,
  PromptConfig,
  PromptKind,
  ResolvedConfig,
  RewardConfig,
  RewardScaling,
  RlConfig,
  RolloutBackend,
  TaskConfig,
  TraceStyle,
} from './config';
import type { Parsed, ValueType } from './value-types';
import {
  booleanType,
  countOrAllType,
  enumType,
  numberType,
  operatorsType,
  optionalNumberType,
  rangeType,
  stringListType,
  stringType,
} from './value-types';

export interface KeySpec<T = unknown, W = T> {
  /** The spelling in a spec file (kebab-case). */
  key: string;
  doc: string;
  type: ValueType<W>;
  /** The value when the key is absent, as the type reads it. */
  default: W;
  /** How the docs show a default that depends on other keys. */
  defaultText?: string;
  /** Inclusive bounds on a number, or on both ends of a range. */
  min?: number;
  max?: number;
  /** Turns the written (or default) value into the config value, for values that depend on other keys. */
  finish?: (written: W, config: ResolvedConfig) => T;
}

// A key table keyed by config field; `any` lets each key pick its own written type.
type KeyTable<C> = { [F in keyof C]-?: KeySpec<C[F], any> };

export interface BlockSpec {
  name: string;
  doc: string;
  /** Lines of a block body for the completion snippet and the docs example. */
  example: string[];
  required: boolean;
  keys: KeySpec[];
  /** The config field each key fills, in the order of `keys`. */
  fields: string[];
  /** `problems` holds problem lines instead of keys. */
  problemLines?: boolean;
}

export interface ModelShape {
  layers: number;
  width: number;
  heads: number;
  context: number;
}

export const MODEL_PRESETS: Record<Exclude<ModelPreset, 'custom'>, ModelShape & { doc: string }> = {
  nano: { layers: 2, width: 64, heads: 2, context: 256, doc: '2 layers, width 64, 2 heads, context 256 (about 0.1M parameters).' },
  tiny: { layers: 4, width: 128, heads: 4, context: 512, doc: '4 layers, width 128, 4 heads, context 512 (about 0.87M parameters): room for three-number search traces.' },
  small: { layers: 6, width: 256, heads: 8, context: 256, doc: '6 layers, width 256, 8 heads, context 256 (about 5M parameters).' },
  base: { layers: 8, width: 512, heads: 8, context: 512, doc: '8 layers, width 512, 8 heads, context 512 (about 25M parameters).' },
};

/** The shape a preset stands for; `custom` starts from `nano`. */
export function presetShape(preset: ModelPreset): ModelShape {
  return MODEL_PRESETS[preset === 'custom' ? 'nano' : preset];
}

/** Algorithms whose baseline comes from the other samples of the same prompt. */
export const GROUP_ALGORITHMS: readonly Algorithm[] = ['grpo', 'dr-grpo', 'rloo'];

const int = numberType(true);
const real = numberType(false);
const fraction = numberType(false, true);

const promptType: ValueType<PromptConfig> = (() => {
  const kinds = enumType<Exclude<PromptKind, 'custom'>>([
    { value: 'tinyzero', doc: "TinyZero's base template, word for word. About 450 characters long, so it needs a model `context` of about 450 + `max-tokens`." },
    { value: 'qwen-instruct', doc: "TinyZero's `qwen-instruct` template, word for word: the same instructions in Qwen's chat markup, for instruction-tuned Qwen models on veRL." },
    { value: 'compact', doc: 'A short template for small models trained from scratch.' },
  ]);
  return {
    label: 'tinyzero | qwen-instruct | compact | "template"',
    choices: kinds.choices,
    parse(values): Parsed<PromptConfig> {
      const first = values[0];
      if (values.length === 1 && first?.kind === 'string') {
        const template = first.value ?? '';
        const missing = ['{numbers}', '{target}'].filter((p) => !template.includes(p));
        if (missing.length) return { ok: false, message: `a custom prompt must contain ${missing.join(' and ')}`, range: first.range };
        return { ok: true, value: { kind: 'custom', template } };
      }
      const kind = kinds.parse(values);
      return kind.ok ? { ok: true, value: { kind: kind.value, template: '' } } : kind;
    },
    show: (p) => (p.kind === 'custom' ? `"""${p.template}"""` : p.kind),
  };
})();

const TOP_LEVEL: KeySpec[] = [
  {
    key: 'name',
    doc: 'The experiment name shown in the runs view and used in run ids.',
    type: stringType,
    default: 'countdown',
  } satisfies KeySpec<string>,
  {
    key: 'prompt',
    doc: 'The prompt the model completes: a built-in template, or a string with `{numbers}` and `{target}` in it. Every prompt ends inside a `<think>` block.',
    type: promptType,
    default: { kind: 'compact', template: '' },
  } satisfies KeySpec<PromptConfig>,
  {
    key: 'device',
    doc: 'Where the tensors live. `auto` takes the fastest backend that loads; naming one that cannot load is an error that says how to install it.',
    type: enumType<Device>([
      { value: 'auto', doc: 'The fastest available: CUDA GPU, native CPU, WebAssembly, then plain JavaScript.' },
      { value: 'gpu', doc: 'CUDA through @tensorflow/tfjs-node-gpu.' },
      { value: 'cpu', doc: 'Native CPU through @tensorflow/tfjs-node.' },
      { value: 'wasm', doc: 'WebAssembly with SIMD and threads; works everywhere.' },
      { value: 'js', doc: 'Plain JavaScript; slow, for debugging.' },
    ]),
    default: 'auto',
  } satisfies KeySpec<Device>,
] as KeySpec[];

/** Top-level settings (`name`, `prompt`, `device`), each filling the config field of its own name. */
export const SETTINGS: readonly KeySpec[] = TOP_LEVEL;

const task: KeyTable<TaskConfig> = {
  numbers: {
    key: 'numbers',
    doc: 'How many numbers each problem gives: a count (`3`) or a range of counts (`3..4`).',
    type: rangeType(true),
    default: { min: 3, max: 3 },
    min: 2,
    max: MAX_NUMBERS,
  },
  values: {
    key: 'values',
    doc: 'The range every given number is drawn from.',
    type: rangeType(true),
    default: { min: 1, max: 99 },
    min: 0,
    max: 9999,
  },
  target: {
    key: 'target',
    doc: 'The range of targets.',
    type: rangeType(true),
    default: { min: 10, max: 100 },
    min: 0,
    max: 99999,
  },
  operators: {
    key: 'operators',
    doc: 'The operators an answer may use. Intermediate results may be fractions; the answer must equal the target exactly.',
    type: operatorsType,
    default: ['+', '-', '*', '/'],
  },
  train: {
    key: 'train',
    doc: 'Distinct training problems, all solvable, permutations counted once. Pretraining writes its search traces for these; RL samples them too unless `rl-pool` reserves problems of its own.',
    type: int,
    default: 10000,
    min: 1,
    max: 10_000_000,
  },
  rlPool: {
    key: 'rl-pool',
    doc: 'Problems reserved for RL, disjoint from `train` and `test`: pretraining never sees them, so what RL gains on them is generalisation, not recall of memorised traces. 0 makes RL sample from `train`.',
    type: int,
    default: 0,
    min: 0,
    max: 10_000_000,
  },
  test: {
    key: 'test',
    doc: 'Frozen held-out problems, disjoint from train, used by evaluation.',
    type: int,
    default: 200,
    min: 1,
    max: 1_000_000,
  },
  seed: {
    key: 'seed',
    doc: 'Seed of the problem generator (and of training); the same seed gives the same problems.',
    type: int,
    default: 1,
    min: 0,
    max: 2 ** 31 - 1,
  },
  heldOutTargets: {
    key: 'held-out-targets',
    doc: 'Share of the target range that appears only in test ("unseen targets"), as `10%` or `0.1`.',
    type: fraction,
    default: 0,
    min: 0,
    max: 0.9,
  },
};

const reward: KeyTable<RewardConfig> = {
  format: {
    key: 'format',
    doc: 'Reward for a well-formed `<answer>` that is wrong (TinyZero: 0.1). No answer scores 0.',
    type: real,
    default: 0.1,
    min: 0,
    max: 100,
  },
  correct: {
    key: 'correct',
    doc: 'Reward for an answer that uses each number once and equals the target.',
    type: real,
    default: 1,
    min: 0,
    max: 100,
  },
};

/** A model dimension that defaults to the preset's. */
function shapeKey(field: keyof ModelShape, doc: string, min: number, max: number): KeySpec<number, number | null> {
  return {
    key: field,
    doc: `${doc} Overrides the preset.`,
    type: int as ValueType<number | null>,
    default: null,
    defaultText: 'from `preset`',
    min,
    max,
    finish: (written, config) => written ?? presetShape(config.model.preset)[field],
  };
}

const model: KeyTable<ModelConfig> = {
  preset: {
    key: 'preset',
    doc: 'A model size. `layers`, `width`, `heads` and `context` override its parts.',
    type: enumType<ModelPreset>([
      ...Object.entries(MODEL_PRESETS).map(([value, p]) => ({ value: value as ModelPreset, doc: p.doc })),
      { value: 'custom', doc: 'Your own shape from `layers`, `width`, `heads`, `context` (unset ones from nano).' },
    ]),
    default: 'nano',
  },
  layers: shapeKey('layers', 'Transformer blocks.', 1, 48),
  width: shapeKey('width', 'Embedding width; must be a multiple of `heads`.', 8, 4096),
  heads: shapeKey('heads', 'Attention heads per block.', 1, 64),
  context: shapeKey('context', 'Longest sequence in tokens (characters): prompt plus completion.', 32, 8192),
  positions: {
    key: 'positions',
    doc: 'How the model knows token positions.',
    type: enumType<'learned' | 'rotary'>([
      { value: 'learned', doc: 'A learned position embedding (GPT-2).' },
      { value: 'rotary', doc: 'Rotary embeddings in attention (RoPE).' },
    ]),
    default: 'learned',
  },
  tiedHead: {
    key: 'tied-head',
    doc: 'The output head shares the token embedding matrix; `false` gives it its own.',
    type: booleanType,
    default: true,
  },
  valueHead: {
    key: 'value-head',
    doc: 'A scalar value head beside the language-model head; PPO needs it.',
    type: booleanType as ValueType<boolean | null>,
    default: null,
    defaultText: '`true` for ppo, else `false`',
    finish: (written: boolean | null, config: ResolvedConfig) => written ?? config.rl.algorithm === 'ppo',
  },
};

const pretrain: KeyTable<PretrainConfig> = {
  traces: {
    key: 'traces',
    doc: 'The search traces the base model learns from (Stream of Search): the whole exploration, dead ends included.',
    type: enumType<TraceStyle>([
      { value: 'dfs', doc: 'Depth-first search with backtracking.' },
      { value: 'bfs', doc: 'Breadth-first search.' },
      { value: 'mixed', doc: 'Half DFS, half BFS.' },
    ]),
    default: 'dfs',
  },
  steps: { key: 'steps', doc: 'Optimizer steps of pretraining; 0 skips it.', type: int, default: 300, min: 0, max: 10_000_000 },
  batch: { key: 'batch', doc: 'Sequences per optimizer step.', type: int, default: 16, min: 1, max: 65536 },
  microBatch: {
    key: 'micro-batch',
    doc: 'Sequences per forward/backward pass; gradients accumulate over batch / micro-batch passes. Lower it to save memory.',
    type: countOrAllType() as ValueType<number | 'all'>,
    default: 'all',
    defaultText: '`all` (= batch)',
    min: 1,
    max: 65536,
    finish: (written: number | 'all', config: ResolvedConfig) => (written === 'all' ? config.pretrain.batch : written),
  },
  lr: { key: 'lr', doc: 'Peak learning rate (AdamW).', type: real, default: 1e-3, min: 0, max: 1 },
  warmup: { key: 'warmup', doc: 'Steps of linear learning-rate warm-up.', type: int, default: 20, min: 0, max: 10_000_000 },
  weightDecay: { key: 'weight-decay', doc: 'AdamW weight decay.', type: real, default: 0.01, min: 0, max: 1 },
  gradClip: { key: 'grad-clip', doc: 'Clip the global gradient norm to this; 0 turns clipping off.', type: real, default: 1, min: 0, max: 1000 },
  searchBudget: {
    key: 'search-budget',
    doc: 'Search nodes a trace may expand before it gives up (and ends with its best wrong answer).',
    type: int,
    default: 100,
    min: 1,
    max: 100000,
  },
  evalEvery: {
    key: 'eval-every',
    doc: 'Evaluate (and checkpoint) the base model every this many pretraining steps, and at the end.',
    type: int as ValueType<number | null>,
    default: null,
    defaultText: 'steps / 10, rounded up',
    min: 1,
    max: 10_000_000,
    finish: (written: number | null, config: ResolvedConfig) => written ?? Math.max(1, Math.ceil(config.pretrain.steps / 10)),
  },
};

const rl: KeyTable<RlConfig> = {
  algorithm: {
    key: 'algorithm',
    doc: 'How advantages are estimated.',
    type: enumType<Algorithm>([
      { value: 'grpo', doc: 'Group-relative: (r - mean(group)) / std(group). Needs `group` ≥ 2.' },
      { value: 'dr-grpo', doc: 'Dr. GRPO: r - mean(group), no std division, and by default the constant-normalised loss `seq-mean-token-sum-norm` (no per-sequence length normalisation). Needs `group` ≥ 2.' },
      { value: 'rloo', doc: 'REINFORCE leave-one-out: the baseline is the mean of the other samples. Needs `group` ≥ 2.' },
      { value: 'ppo', doc: 'PPO with a learned value head and GAE (TinyZero).' },
      { value: 'reinforce', doc: 'REINFORCE with a batch-mean baseline.' },
    ]),
    default: 'grpo',
  },
  steps: { key: 'steps', doc: 'RL steps; each trains on `prompts` × `group` completions.', type: int, default: 60, min: 0, max: 1_000_000 },
  prompts: { key: 'prompts', doc: 'Problems trained on per step (with `dynamic-sampling`, problems whose completions differ in correctness).', type: int, default: 16, min: 1, max: 4096 },
  groupSize: { key: 'group', doc: 'Completions sampled per problem.', type: int, default: 16, min: 1, max: 256 },
  lr: { key: 'lr', doc: 'Learning rate (AdamW), reached after `warmup` steps and then held (RL does not decay it).', type: real, default: 1e-4, min: 0, max: 1 },
  warmup: { key: 'warmup', doc: 'Steps of linear learning-rate warm-up (a fresh AdamW’s first updates are near sign(gradient) × lr on every weight).', type: int, default: 10, min: 0, max: 1_000_000 },
  klCoef: { key: 'kl', doc: 'KL coefficient towards the reference (base) model; 0 turns it off and skips the reference pass.', type: real, default: 0, min: 0, max: 10 },
  klEstimator: {
    key: 'kl-estimator',
    doc: 'The KL estimator.',
    type: enumType<KlEstimator>([
      { value: 'k1', doc: 'log(π/π_ref); unbiased, high variance.' },
      { value: 'k3', doc: 'π_ref/π - log(π_ref/π) - 1; unbiased, low variance ("low_var_kl").' },
    ]),
    default: 'k3',
  },
  klIn: {
    key: 'kl-in',
    doc: 'Where the KL penalty goes.',
    type: enumType<KlPlacement>([
      { value: 'loss', doc: 'Added to the policy loss (GRPO).' },
      { value: 'reward', doc: 'Subtracted from the per-token reward (PPO, TinyZero).' },
    ]),
    default: 'loss',
  },
  clipLow: { key: 'clip', doc: 'PPO ratio clip ε: the ratio is kept within [1-ε, 1+ε].', type: real, default: 0.2, min: 0, max: 10 },
  clipHigh: {
    key: 'clip-high',
    doc: 'Upper clip bound ε_high (DAPO "clip-higher", e.g. 0.28); `none` uses `clip` on both sides.',
    type: optionalNumberType(),
    default: null,
    min: 0,
    max: 10,
  },
  entropyCoef: { key: 'entropy', doc: 'Entropy bonus coefficient.', type: real, default: 0, min: 0, max: 10 },
  temperature: {
    key: 'temperature',
    doc: 'Sampling temperature of rollouts. The trainer computes log-probabilities at the same temperature, so the policy it trains is the one that sampled.',
    type: real,
    default: 1,
    min: 0.01,
    max: 10,
  },
  topK: { key: 'top-k', doc: 'Sample only from the k most likely tokens; 0 turns it off. Refused: filtered rollouts would be off-policy.', type: int, default: 0, min: 0, max: 100000 },
  topP: { key: 'top-p', doc: 'Nucleus sampling mass; 1 turns it off. Refused: filtered rollouts would be off-policy.', type: real, default: 1, min: 0.01, max: 1 },
  maxTokens: {
    key: 'max-tokens',
    doc: 'Longest completion in tokens; prompt plus completion must fit in the model `context`.',
    type: int,
    default: 160,
    min: 1,
    max: 8192,
  },
  epochs: { key: 'epochs', doc: 'Passes over each batch of rollouts (PPO epochs).', type: int, default: 1, min: 1, max: 100 },
  miniBatch: {
    key: 'mini-batch',
    doc: 'Completions per optimizer update within a step; `all` makes one update per epoch.',
    type: countOrAllType() as ValueType<number | 'all'>,
    default: 'all',
    defaultText: '`all` (= prompts × group)',
    min: 1,
    max: 1_048_576,
    finish: (written: number | 'all', config: ResolvedConfig) => (written === 'all' ? config.rl.prompts * config.rl.groupSize : written),
  },
  lossAggregation: {
    key: 'loss-agg',
    doc: 'How token losses are averaged.',
    type: enumType<LossAggregation>([
      { value: 'token-mean', doc: 'Mean over all tokens of the batch (veRL default, DAPO): no per-sequence length normalisation.' },
      { value: 'seq-mean-token-mean', doc: 'Mean per sequence, then over sequences (original GRPO): a token of a short answer weighs more than one of a long answer.' },
      { value: 'seq-mean-token-sum-norm', doc: 'Sum per sequence divided by max-tokens (Dr. GRPO): a constant normaliser.' },
    ]) as ValueType<LossAggregation | null>,
    default: null,
    defaultText: '`seq-mean-token-sum-norm` for `dr-grpo`, else `token-mean`',
    finish: (written: LossAggregation | null, config: ResolvedConfig) =>
      written ?? (config.rl.algorithm === 'dr-grpo' ? 'seq-mean-token-sum-norm' : 'token-mean'),
  },
  rewardScaling: {
    key: 'reward-scaling',
    doc: 'What the advantage is divided by (TRL `scale_rewards`).',
    type: enumType<RewardScaling>([
      { value: 'group', doc: 'The std of the group.' },
      { value: 'batch', doc: 'The std of the whole batch.' },
      { value: 'none', doc: 'Nothing (Dr. GRPO).' },
    ]),
    default: 'group',
  },
  maskTruncated: {
    key: 'mask-truncated',
    doc: 'Leave completions cut off at `max-tokens` out of the loss: a long search that ran out of room is not punished as a wrong answer (DAPO’s overlong filtering).',
    type: booleanType as ValueType<boolean | null>,
    default: null,
    defaultText: '`true` on the local engine; `false` on veRL, which has no such switch',
    finish: (written: boolean | null, config: ResolvedConfig) => written ?? config.engine.kind === 'local',
  },
  gamma: { key: 'gamma', doc: 'Discount of GAE (ppo).', type: real, default: 1, min: 0, max: 1 },
  lambda: { key: 'lambda', doc: 'λ of GAE (ppo).', type: real, default: 1, min: 0, max: 1 },
  gradClip: { key: 'grad-clip', doc: 'Clip the global gradient norm to this; 0 turns clipping off.', type: real, default: 1, min: 0, max: 1000 },
  dynamicSampling: {
    key: 'dynamic-sampling',
    doc: 'DAPO dynamic sampling: train only on prompts whose completions differ in correctness (some right, some wrong, judged by correctness, not the shaped reward), and keep drawing prompts until `prompts` of them are found or `max-draw` × `prompts` were drawn. Prompts the policy always or never solves teach nothing and only dilute the step.',
    type: booleanType as ValueType<boolean | null>,
    default: null,
    defaultText: '`true` when `group` is 2 or more',
    finish: (written: boolean | null, config: ResolvedConfig) => written ?? config.rl.groupSize >= 2,
  },
  maxDraw: {
    key: 'max-draw',
    doc: 'With `dynamic-sampling`, the most problems one step may draw, as a multiple of `prompts` (DAPO’s `max_num_gen_batches`); a step that finds fewer signal groups trains on those it found.',
    type: int,
    default: 4,
    min: 1,
    max: 100,
  },
  evalEvery: {
    key: 'eval-every',
    doc: 'Evaluate (and checkpoint) every this many RL steps, and before the first and after the last. Each stage says when it evaluates; the `eval` block says how.',
    type: int,
    default: 10,
    min: 1,
    max: 1_000_000,
  },
  earlyStop: {
    key: 'early-stop',
    doc: 'End RL when held-out greedy accuracy has not improved for this many evaluations in a row (`checkpoints/best` keeps the best one); 0 never stops early.',
    type: int,
    default: 0,
    min: 0,
    max: 1_000_000,
  },
  seed: {
    key: 'seed',
    doc: 'Seed of RL’s sampling and problem order. Change it to repeat an RL run from the same base model on the same problems with other draws (a second seed of an experiment).',
    type: int as ValueType<number | null>,
    default: null,
    defaultText: 'the task’s `seed`',
    min: 0,
    max: 2 ** 31 - 1,
    finish: (written: number | null, config: ResolvedConfig) => written ?? config.task.seed,
  },
};

const evaluation: KeyTable<EvalConfig> = {
  samples: { key: 'samples', doc: 'Completions per test problem: k of pass@k.', type: int, default: 4, min: 1, max: 256 },
  temperature: { key: 'temperature', doc: 'Sampling temperature of evaluation; 0 is greedy.', type: real, default: 1, min: 0, max: 10 },
  limit: { key: 'limit', doc: 'Test problems evaluated each time; 0 evaluates the whole test split.', type: int, default: 100, min: 0, max: 1_000_000 },
};

const engine: KeyTable<EngineConfig> = {
  kind: {
    key: 'kind',
    doc: 'Which engine trains the spec.',
    type: enumType<EngineKind>([
      { value: 'local', doc: 'Ours: a tiny transformer pretrained and trained in a Node process (TensorFlow.js), on this machine.' },
      { value: 'verl', doc: 'veRL on Ray: RL for a pretrained Hugging Face language model on GPUs (`model`, `gpus`, `nodes`). See docs/verl.md.' },
    ]),
    default: 'local',
  },
  model: {
    key: 'model',
    doc: 'veRL: the pretrained model to train, a Hugging Face id (`"Qwen/Qwen2.5-3B"`) or a local path (absolute, or as the Ray workers see it).',
    type: stringType,
    default: '',
    defaultText: 'none (required for `verl`)',
  },
  gpus: { key: 'gpus', doc: 'veRL: GPUs per node.', type: int, default: 1, min: 1, max: 1024 },
  nodes: { key: 'nodes', doc: 'veRL: nodes of the Ray cluster the job uses.', type: int, default: 1, min: 1, max: 4096 },
  rollout: {
    key: 'rollout',
    doc: 'veRL: the inference engine that samples the rollouts.',
    type: enumType<RolloutBackend>([
      { value: 'vllm', doc: 'vLLM.' },
      { value: 'sglang', doc: 'SGLang.' },
    ]),
    default: 'vllm',
  },
  tensorParallel: {
    key: 'tensor-parallel',
    doc: 'veRL: GPUs that share one rollout engine (tensor parallelism); TinyZero uses all the GPUs of a node (2 for Qwen2.5-3B).',
    type: int as ValueType<number | null>,
    default: null,
    defaultText: '= `gpus`',
    min: 1,
    max: 1024,
    finish: (written: number | null, config: ResolvedConfig) => written ?? config.engine.gpus,
  },
  gpuMemory: {
    key: 'gpu-memory',
    doc: 'veRL: share of each GPU’s memory the rollout engine may take (TinyZero: 40%); the rest is for training.',
    type: fraction,
    default: 0.4,
    min: 0.05,
    max: 0.95,
  },
  ray: {
    key: 'ray',
    doc: 'veRL: the Ray dashboard address of a running cluster (`"http://head:8265"`); the job is submitted through the Ray Jobs API and its nodes must see the run folder (a shared file system). Empty: the job starts its own Ray on this machine.',
    type: stringType,
    default: '',
    defaultText: 'empty (a local Ray)',
  },
  python: {
    key: 'python',
    doc: 'veRL: the Python interpreter that has veRL installed (a name on `PATH` or a path).',
    type: stringType,
    default: 'python3',
  },
  overrides: {
    key: 'overrides',
    doc: 'veRL: extra Hydra overrides, added after the job’s own so that they win: one or more `"key=value"` strings, or a `"""` string with one per line. The escape hatch for settings the spec has no key for.',
    type: stringListType('key=value', overrideProblem),
    default: [],
    defaultText: 'none',
  },
};

function block(name: string, doc: string, table: Record<string, KeySpec<unknown, unknown>>, example: string[], required = false): BlockSpec {
  return { name, doc, example, required, keys: Object.values(table), fields: Object.keys(table) };
}

export const BLOCKS: readonly BlockSpec[] = [
  block('task', 'Which Countdown problems: how many numbers, their values, the targets, the operators and the splits. The only required block.', task, ['numbers    3', 'values     1..99', 'target     10..100', 'operators  + - * /', 'train      10000', 'test       200'], true),
  block('reward', 'How an answer is scored (TinyZero): 0 without an answer, `format` for a wrong one, `correct` for a right one.', reward, ['format   0.1', 'correct  1.0']),
  block('model', 'The transformer: a preset size, or its own shape. Character-level tokens.', model, ['preset  nano']),
  block('pretrain', 'The base model, trained from scratch on search traces before RL.', pretrain, ['traces  dfs', 'steps   300', 'batch   16', 'lr      1e-3']),
  block('rl', 'Reinforcement learning from the verifier reward.', rl, ['algorithm    grpo', 'steps        60', 'prompts      16', 'group        16', 'lr           1e-4', 'max-tokens   160']),
  block('eval', 'How evaluation runs on the frozen test split: accuracy and pass@k (each stage’s `eval-every` says when).', evaluation, ['samples  4', 'limit    200']),
  block('engine', 'Which engine trains the spec: the local one (the default), or veRL on Ray for a pretrained language model on GPUs. Keys other than `kind` apply to `verl` only; docs/verl.md maps every spec key to veRL.', engine, ['kind     verl', 'model    "Qwen/Qwen2.5-3B"', 'gpus     2']),
  {
    name: 'problems',
    doc: 'Fixed problems, one per line as `numbers -> target` (`44 19 35 -> 98`), evaluated at every evaluation besides the test split.',
    example: ['44 19 35 -> 98'],
    required: false,
    keys: [],
    fields: [],
    problemLines: true,
  },
];

/**
 * A resolved config's dotted path as a spec spells it (`rl.klCoef` → `rl.kl`,
 * `task.heldOutTargets` → `task.held-out-targets`), so views that list config
 * values use the names people write; paths the schema does not know stay as they are.
 */
export function specPath(configPath: string): string {
  const [blockName, field, ...rest] = configPath.split('.');
  const block = BLOCKS.find((b) => b.name === blockName);
  const index = block && field !== undefined ? block.fields.indexOf(field) : -1;
  return block && index >= 0 ? [block.name, block.keys[index]!.key, ...rest].join('.') : configPath;
}

export function findBlock(name: string): BlockSpec | undefined {
  return BLOCKS.find((b) => b.name === name);
}

export function findSetting(name: string): KeySpec | undefined {
  return SETTINGS.find((s) => s.key === name);
}

export function findKey(block: BlockSpec, key: string): KeySpec | undefined {
  return block.keys.find((k) => k.key === key);
}

/** The text the docs and hover show for a key's default. */
export function defaultText(spec: KeySpec): string {
  return spec.defaultText ?? `\`${spec.type.show(spec.default)}\``;
}
