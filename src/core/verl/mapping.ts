// How every key of a spec reaches veRL: one table per block, keyed by config
// field, so that a new key is a one-line addition and a key without an entry
// does not compile (test/unit/verl-mapping.test.ts also checks the schema
// against these tables). A field maps to Hydra overrides, to the exported data
// files, or is refused for `engine verl` with a message that says what to do.
import type { EngineConfig, EvalConfig, ModelConfig, PretrainConfig, ResolvedConfig, RewardConfig, RlConfig, TaskConfig } from '../spec/config';
import type { Override } from './hydra';

const ACTOR = 'actor_rollout_ref.actor';
const ROLLOUT = 'actor_rollout_ref.rollout';
const REWARD_KWARGS = 'reward.custom_reward_function.reward_kwargs';

export interface FieldMapping {
  /** What it becomes in veRL, for the docs: override keys, or the exported file it shapes. */
  verl: string;
  /** The overrides this field contributes (several fields may be read together by one of them). */
  overrides?: (config: ResolvedConfig) => Override[];
  /** Values veRL cannot run: `when` says which for the docs, `check` gives the message (null when the value is fine). */
  reject?: { when: string; check: (config: ResolvedConfig) => string | null };
  /** A key with no meaning on veRL: writing it is an error with this message (its default is ignored). */
  unsupported?: string;
  /** A note for the docs. */
  note?: string;
}

type Table<C> = { [F in keyof C]-?: FieldMapping };

const set = (key: string, value: Override['value']): Override => ({ key, value });

const MODEL_BLOCK = 'the model is a pretrained Hugging Face model on veRL (`model` in the `engine` block); the `model` block shapes the local engine’s own transformer';
const PRETRAIN_BLOCK = 'veRL starts RL from the pretrained `model` of the `engine` block; pretraining on search traces is the local engine’s';

export const SETTINGS_MAPPING: Record<'name' | 'prompt' | 'device', FieldMapping> = {
  name: { verl: 'trainer.experiment_name', overrides: (c) => [set('trainer.experiment_name', c.name)] },
  prompt: {
    verl: '`prompt` of train.parquet and test.parquet; data.max_prompt_length',
    note: 'The prompt text is what the model sees: a pass-through `custom_chat_template` keeps veRL from wrapping it in the model’s chat template, as TinyZero fed it. data.max_prompt_length is the longest prompt in characters (never fewer tokens than that).',
  },
  device: { verl: '—', unsupported: 'veRL runs on the GPUs of `gpus` × `nodes`; `device` picks a TensorFlow.js backend of the local engine' },
};

export const TASK_MAPPING: Table<TaskConfig> = {
  numbers: { verl: 'train.parquet, test.parquet' },
  values: { verl: 'train.parquet, test.parquet' },
  target: { verl: 'train.parquet, test.parquet' },
  operators: { verl: 'train.parquet, test.parquet (the reward checks numbers and value; `operators` only shapes the generated problems)' },
  train: {
    verl: 'train.parquet rows; trainer.total_epochs',
    reject: {
      when: 'fewer than `prompts`',
      check: (c) => (rlProblems(c) < c.rl.prompts ? `veRL draws \`prompts\` ${c.rl.prompts} problems per step from train.parquet, which has only ${rlProblems(c)} (${c.task.rlPool > 0 ? '`rl-pool`' : '`train`'}); raise it` : null),
    },
  },
  test: { verl: 'test.parquet rows (with `limit` in the eval block)' },
  rlPool: {
    verl: 'train.parquet rows (the RL pool when the task reserves one: veRL has no pretraining stage, so what RL samples is all it trains on)',
  },
  seed: { verl: 'train.parquet, test.parquet (and `seed` of the rl block, which defaults to it)' },
  heldOutTargets: { verl: 'train.parquet, test.parquet' },
};

export const REWARD_MAPPING: Table<RewardConfig> = {
  format: { verl: `+${REWARD_KWARGS}.format_score`, overrides: (c) => [{ key: `${REWARD_KWARGS}.format_score`, value: c.reward.format, add: true }] },
  correct: { verl: `+${REWARD_KWARGS}.correct_score`, overrides: (c) => [{ key: `${REWARD_KWARGS}.correct_score`, value: c.reward.correct, add: true }] },
};

const refusedModel: FieldMapping = { verl: '—', unsupported: MODEL_BLOCK };
const refusedPretrain: FieldMapping = { verl: '—', unsupported: PRETRAIN_BLOCK };

export const MODEL_MAPPING: Table<ModelConfig> = {
  preset: refusedModel, layers: refusedModel, width: refusedModel, heads: refusedModel, context: refusedModel,
  positions: refusedModel, tiedHead: refusedModel,
  valueHead: { verl: '—', unsupported: `${MODEL_BLOCK}; \`ppo\` gets veRL’s critic` },
};

export const PRETRAIN_MAPPING: Table<PretrainConfig> = {
  traces: refusedPretrain, steps: refusedPretrain, batch: refusedPretrain, microBatch: refusedPretrain, lr: refusedPretrain,
  warmup: refusedPretrain, weightDecay: refusedPretrain, gradClip: refusedPretrain, searchBudget: refusedPretrain, evalEvery: refusedPretrain,
};

/** veRL's advantage estimator for each of our algorithms that it has. */
const ESTIMATORS: Partial<Record<RlConfig['algorithm'], string>> = { grpo: 'grpo', 'dr-grpo': 'grpo', rloo: 'rloo', ppo: 'gae' };
const KL_TYPES: Record<RlConfig['klEstimator'], string> = { k1: 'kl', k3: 'low_var_kl' };

export const RL_MAPPING: Table<RlConfig> = {
  algorithm: {
    verl: 'algorithm.adv_estimator, algorithm.norm_adv_by_std_in_grpo',
    note: '`grpo` → grpo (std scaling from `reward-scaling`), `dr-grpo` → grpo without std scaling, `rloo` → rloo, `ppo` → gae with veRL’s critic (critic.model.path = `model`).',
    reject: {
      when: '`reinforce`',
      check: (c) => (ESTIMATORS[c.rl.algorithm] ? null : `veRL has no \`${c.rl.algorithm}\` (REINFORCE with a batch-mean baseline); use \`rloo\` or \`grpo\`, or the local engine`),
    },
    overrides: (c) => {
      const estimator = ESTIMATORS[c.rl.algorithm];
      if (!estimator) return [];
      const out = [set('algorithm.adv_estimator', estimator)];
      if (estimator === 'grpo') out.push(set('algorithm.norm_adv_by_std_in_grpo', c.rl.algorithm === 'grpo' && c.rl.rewardScaling === 'group'));
      return out;
    },
  },
  steps: { verl: 'trainer.total_training_steps (and trainer.total_epochs, enough passes over train.parquet)', overrides: (c) => totalSteps(c) },
  prompts: { verl: 'data.train_batch_size', overrides: (c) => [set('data.train_batch_size', c.rl.prompts)] },
  groupSize: { verl: `${ROLLOUT}.n`, overrides: (c) => [set(`${ROLLOUT}.n`, c.rl.groupSize)] },
  lr: { verl: `${ACTOR}.optim.lr`, overrides: (c) => [set(`${ACTOR}.optim.lr`, c.rl.lr)] },
  warmup: { verl: `${ACTOR}.optim.lr_warmup_steps`, overrides: (c) => [set(`${ACTOR}.optim.lr_warmup_steps`, c.rl.warmup)] },
  klCoef: {
    verl: `${ACTOR}.use_kl_loss, ${ACTOR}.kl_loss_coef, ${ACTOR}.kl_loss_type, algorithm.use_kl_in_reward, algorithm.kl_ctrl.kl_coef, algorithm.kl_penalty`,
    note: 'Read with `kl-in` and `kl-estimator`: `kl-in loss` sets use_kl_loss, kl_loss_coef and kl_loss_type; `kl-in reward` sets use_kl_in_reward, a fixed kl_ctrl.kl_coef and kl_penalty. `kl 0` turns both off (and veRL then loads no reference model).',
    overrides: (c) => {
      const { klCoef: kl, klIn, klEstimator } = c.rl;
      const inLoss = kl > 0 && klIn === 'loss';
      const inReward = kl > 0 && klIn === 'reward';
      const out = [set(`${ACTOR}.use_kl_loss`, inLoss), set('algorithm.use_kl_in_reward', inReward)];
      if (inLoss) out.push(set(`${ACTOR}.kl_loss_coef`, kl), set(`${ACTOR}.kl_loss_type`, KL_TYPES[klEstimator]));
      if (inReward) out.push(set('algorithm.kl_ctrl.type', 'fixed'), set('algorithm.kl_ctrl.kl_coef', kl), set('algorithm.kl_penalty', KL_TYPES[klEstimator]));
      return out;
    },
  },
  klEstimator: { verl: `${ACTOR}.kl_loss_type or algorithm.kl_penalty (with \`kl\`)`, note: '`k1` → kl, `k3` → low_var_kl.' },
  klIn: { verl: `${ACTOR}.use_kl_loss or algorithm.use_kl_in_reward (with \`kl\`)` },
  clipLow: { verl: `${ACTOR}.clip_ratio, ${ACTOR}.clip_ratio_low`, overrides: (c) => [set(`${ACTOR}.clip_ratio`, c.rl.clipLow), set(`${ACTOR}.clip_ratio_low`, c.rl.clipLow)] },
  clipHigh: { verl: `${ACTOR}.clip_ratio_high (\`none\`: = \`clip\`)`, overrides: (c) => [set(`${ACTOR}.clip_ratio_high`, c.rl.clipHigh ?? c.rl.clipLow)] },
  entropyCoef: { verl: `${ACTOR}.entropy_coeff`, overrides: (c) => [set(`${ACTOR}.entropy_coeff`, c.rl.entropyCoef)] },
  temperature: { verl: `${ROLLOUT}.temperature`, overrides: (c) => [set(`${ROLLOUT}.temperature`, c.rl.temperature)] },
  topK: {
    verl: `${ROLLOUT}.top_k (-1, off)`,
    note: 'Refused on both engines with any value but 0: a filtered rollout is off-policy (veRL’s trainer does not filter its log-probabilities either).',
    overrides: (c) => [set(`${ROLLOUT}.top_k`, c.rl.topK === 0 ? -1 : c.rl.topK)],
  },
  topP: { verl: `${ROLLOUT}.top_p (1, off)`, note: 'Refused with any value but 1, as `top-k`.', overrides: (c) => [set(`${ROLLOUT}.top_p`, c.rl.topP)] },
  maxTokens: { verl: 'data.max_response_length', overrides: (c) => [set('data.max_response_length', c.rl.maxTokens)] },
  epochs: { verl: `${ACTOR}.ppo_epochs`, overrides: (c) => [set(`${ACTOR}.ppo_epochs`, c.rl.epochs)] },
  miniBatch: {
    verl: `${ACTOR}.ppo_mini_batch_size (= mini-batch / group: veRL counts prompts)`,
    reject: {
      when: 'not a multiple of `group`',
      check: (c) => (c.rl.miniBatch % c.rl.groupSize !== 0 ? `veRL counts a mini-batch in prompts, so \`mini-batch\` ${c.rl.miniBatch} must be a multiple of \`group\` ${c.rl.groupSize}` : null),
    },
    overrides: (c) => [set(`${ACTOR}.ppo_mini_batch_size`, Math.max(1, Math.floor(c.rl.miniBatch / c.rl.groupSize)))],
  },
  lossAggregation: { verl: `${ACTOR}.loss_agg_mode`, overrides: (c) => [set(`${ACTOR}.loss_agg_mode`, c.rl.lossAggregation)] },
  rewardScaling: {
    verl: 'algorithm.norm_adv_by_std_in_grpo (with `algorithm`)',
    reject: {
      when: '`batch`',
      check: (c) => (c.rl.rewardScaling === 'batch' ? 'veRL’s GRPO divides by the std of the group or by nothing; use `reward-scaling group` or `none`' : null),
    },
  },
  maskTruncated: {
    verl: '— (`false` only)',
    reject: {
      when: '`true`',
      check: (c) => (c.rl.maskTruncated ? 'veRL has no switch that leaves truncated completions out of the loss; remove `mask-truncated true`' : null),
    },
  },
  gamma: { verl: 'algorithm.gamma', overrides: (c) => [set('algorithm.gamma', c.rl.gamma)] },
  lambda: { verl: 'algorithm.lam', overrides: (c) => [set('algorithm.lam', c.rl.lambda)] },
  gradClip: {
    verl: `${ACTOR}.grad_clip`,
    reject: {
      when: '0',
      check: (c) => (c.rl.gradClip === 0 ? 'veRL always clips the gradient norm; set `grad-clip` above 0' : null),
    },
    overrides: (c) => [set(`${ACTOR}.grad_clip`, c.rl.gradClip)],
  },
  dynamicSampling: {
    verl: 'algorithm.filter_groups.enable, algorithm.filter_groups.metric=acc',
    note: 'DAPO’s group filter in veRL’s trainer (its V1 replay buffer): a group whose `acc` (correctness, which the reward module reports) is the same for every completion is dropped and another prompt is drawn in its place.',
    overrides: (c) => (c.rl.dynamicSampling ? [set('algorithm.filter_groups.enable', true), set('algorithm.filter_groups.metric', 'acc')] : [set('algorithm.filter_groups.enable', false)]),
  },
  maxDraw: {
    verl: '— (the default only)',
    unsupported: 'veRL 0.9.1 draws until its batch is full: its replay buffer ignores `algorithm.filter_groups.max_num_gen_batches`, so there is no cap to set',
  },
  evalEvery: {
    verl: 'trainer.test_freq, trainer.save_freq',
    note: 'Like the local engine, a veRL run evaluates before the first step (trainer.val_before_train) and checkpoints at every evaluation.',
    overrides: (c) => [set('trainer.test_freq', c.rl.evalEvery), set('trainer.save_freq', c.rl.evalEvery), set('trainer.val_before_train', true)],
  },
  earlyStop: {
    verl: '— (`0` only)',
    reject: {
      when: 'above 0',
      check: (c) => (c.rl.earlyStop > 0 ? 'veRL runs its `steps` to the end; remove `early-stop` (the runs view still marks the best checkpoint)' : null),
    },
  },
  seed: {
    verl: 'data.seed (the order of the problems), actor_rollout_ref.rollout.seed (sampling)',
    overrides: (c) => [set('data.seed', c.rl.seed), set(`${ROLLOUT}.seed`, c.rl.seed)],
  },
};

export const EVAL_MAPPING: Table<EvalConfig> = {
  samples: { verl: `${ROLLOUT}.val_kwargs.n`, overrides: (c) => [set(`${ROLLOUT}.val_kwargs.n`, c.eval.samples)] },
  temperature: {
    verl: `${ROLLOUT}.val_kwargs.temperature, ${ROLLOUT}.val_kwargs.do_sample`,
    note: 'veRL samples `samples` completions per problem at this temperature (greedy at 0); pass@1 is then their mean accuracy rather than a separate greedy answer.',
    overrides: (c) => [set(`${ROLLOUT}.val_kwargs.temperature`, c.eval.temperature), set(`${ROLLOUT}.val_kwargs.do_sample`, c.eval.temperature > 0)],
  },
  limit: { verl: 'test.parquet rows (the first `limit` problems of the test split; 0: all)' },
};

export const ENGINE_MAPPING: Table<EngineConfig> = {
  kind: { verl: '—', note: '`verl` selects this mapping.' },
  model: {
    verl: 'actor_rollout_ref.model.path, critic.model.path',
    reject: {
      when: 'empty',
      check: (c) => (c.engine.model.trim() === '' ? '`verl` trains a pretrained model: set `model` in the engine block to a Hugging Face id (Qwen/Qwen2.5-3B) or a local path' : null),
    },
    overrides: (c) => [set('actor_rollout_ref.model.path', c.engine.model), set('critic.model.path', c.engine.model)],
  },
  gpus: { verl: 'trainer.n_gpus_per_node', overrides: (c) => [set('trainer.n_gpus_per_node', c.engine.gpus)] },
  nodes: { verl: 'trainer.nnodes', overrides: (c) => [set('trainer.nnodes', c.engine.nodes)] },
  rollout: { verl: `${ROLLOUT}.name`, overrides: (c) => [set(`${ROLLOUT}.name`, c.engine.rollout)] },
  tensorParallel: {
    verl: `${ROLLOUT}.tensor_model_parallel_size`,
    reject: {
      when: 'not a divisor of `gpus`',
      check: (c) => (c.engine.gpus % c.engine.tensorParallel !== 0 ? `\`tensor-parallel\` ${c.engine.tensorParallel} must divide the \`gpus\` ${c.engine.gpus} of a node` : null),
    },
    overrides: (c) => [set(`${ROLLOUT}.tensor_model_parallel_size`, c.engine.tensorParallel)],
  },
  gpuMemory: { verl: `${ROLLOUT}.gpu_memory_utilization`, overrides: (c) => [set(`${ROLLOUT}.gpu_memory_utilization`, c.engine.gpuMemory)] },
  ray: { verl: '— (where the job is submitted: Ray Jobs API)' },
  python: { verl: '— (the interpreter that runs `-m verl.trainer.main_ppo`)' },
  overrides: { verl: 'appended verbatim, last (so they win)' },
};

/** The rows of train.parquet: the RL pool, or train when the task reserves none (as the local engine's RL samples). */
const rlProblems = (c: ResolvedConfig) => (c.task.rlPool > 0 ? c.task.rlPool : c.task.train);

function totalSteps(c: ResolvedConfig): Override[] {
  // veRL stops at whichever comes first, the step count or the epochs: give it enough epochs.
  const perEpoch = Math.max(1, Math.floor(rlProblems(c) / c.rl.prompts));
  return [set('trainer.total_training_steps', c.rl.steps), set('trainer.total_epochs', Math.max(1, Math.ceil(c.rl.steps / perEpoch)))];
}

/** Every block's table, by block name as the schema spells it (settings under ''). */
export const MAPPINGS: Record<string, Record<string, FieldMapping>> = {
  '': SETTINGS_MAPPING,
  task: TASK_MAPPING,
  reward: REWARD_MAPPING,
  model: MODEL_MAPPING,
  pretrain: PRETRAIN_MAPPING,
  rl: RL_MAPPING,
  eval: EVAL_MAPPING,
  engine: ENGINE_MAPPING,
};

/** Fixed problems are evaluated by the local engine only. */
export const PROBLEMS_UNSUPPORTED = 'veRL evaluates the test split (test.parquet) only; remove the `problems` block, or train with the local engine';

/** Overrides every mapped field contributes, in table order. */
export function mappedOverrides(config: ResolvedConfig): Override[] {
  return Object.values(MAPPINGS).flatMap((table) => Object.values(table).flatMap((m) => m.overrides?.(config) ?? []));
}

/** Values that cannot run on veRL, as `block.field` → message (written-only `unsupported` keys are the spec checker's). */
export function rejections(config: ResolvedConfig): { block: string; field: string; message: string }[] {
  const out: { block: string; field: string; message: string }[] = [];
  for (const [block, table] of Object.entries(MAPPINGS)) {
    for (const [field, m] of Object.entries(table)) {
      const message = m.reject?.check(config);
      if (message) out.push({ block, field, message });
    }
  }
  return out;
}
