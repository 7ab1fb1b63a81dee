// veRL's step metrics (its file logger's `data`) onto ours: one entry per
// MetricName, so that a new metric of ours must say where a veRL run gets it.
// Some come from veRL's metrics, some from the step's rollout samples (veRL's
// rollout dump, scored by our verifier), and some veRL cannot give. Every
// veRL metric that no entry reads is kept under its own name
// (`engineMetrics`). The generated docs/verl.md shows this table.
import type { MetricName } from '../protocol/records';

/** What a step's numbers are read against: its prompts and completions (prompts × group). */
export interface StepShape {
  prompts: number;
  completions: number;
}

type Read = (key: string) => number | undefined;

export type MetricSource =
  | { from: 'verl'; keys: readonly string[]; read: (get: Read, shape: StepShape) => number | undefined; doc: string }
  | { from: 'samples'; doc: string }
  | { from: 'none'; doc: string };

const MS = 1000;

/** One veRL metric, scaled. */
function metric(key: string, scale = 1, doc = ''): MetricSource {
  return { from: 'verl', keys: [key], read: (get) => scaled(get(key), scale), doc: doc || `\`${key}\`${scale === MS ? ' × 1000 (seconds to ms)' : ''}` };
}

/** The sum of whichever of these veRL metrics the step has. */
function sum(keys: readonly string[], scale: number, doc: string): MetricSource {
  return {
    from: 'verl',
    keys,
    read: (get) => {
      const present = keys.map(get).filter((v): v is number => v !== undefined);
      return present.length ? scaled(present.reduce((a, b) => a + b, 0), scale) : undefined;
    },
    doc,
  };
}

/** The first of these veRL metrics the step has. */
function first(keys: readonly string[], doc: string): MetricSource {
  return { from: 'verl', keys, read: (get) => keys.map(get).find((v) => v !== undefined), doc };
}

function scaled(value: number | undefined, scale: number): number | undefined {
  return value === undefined ? undefined : value * scale;
}

const samples = (doc: string): MetricSource => ({ from: 'samples', doc });

export const VERL_METRICS: Readonly<Record<MetricName, MetricSource>> = {
  loss: metric('actor/loss', 1, '`actor/loss`: the actor’s objective (policy loss, KL loss and entropy bonus; the critic’s loss is `valueLoss`)'),
  policyLoss: metric('actor/pg_loss'),
  lr: metric('actor/lr'),
  gradNorm: metric('actor/grad_norm'),
  tokensPerSec: {
    from: 'verl',
    keys: ['response_length/mean', 'timing_s/step'],
    read: (get, shape) => {
      const length = get('response_length/mean');
      const seconds = get('timing_s/step');
      return length === undefined || !seconds ? undefined : (length * shape.completions) / seconds;
    },
    doc: '`response_length/mean` × prompts × group / `timing_s/step`: sampled completion tokens per second of the whole step, as ours (veRL’s `perf/throughput` counts prompt tokens too, per GPU, and is kept under its name)',
  },
  stepMs: metric('timing_s/step', MS),
  rolloutMs: sum(['timing_s/gen', 'timing_s/reward'], MS, '`timing_s/gen` + `timing_s/reward`, × 1000'),
  trainMs: sum(
    ['timing_s/old_log_prob', 'timing_s/ref', 'timing_s/values', 'timing_s/adv', 'timing_s/update_critic', 'timing_s/update_actor'],
    MS,
    '`timing_s/{old_log_prob, ref, values, adv, update_critic, update_actor}` summed, × 1000',
  ),
  rewardMean: metric('critic/score/mean', 1, '`critic/score/mean`: the verifier reward before any KL penalty (`critic/rewards/mean` is after it, kept under its name)'),
  rewardStd: samples('the standard deviation of the rollout dump’s scores'),
  accuracy: samples('share of the rollout dump’s completions our verifier finds correct'),
  formatRate: samples('share of the rollout dump’s completions with an answer'),
  lengthMean: metric('response_length/mean', 1, '`response_length/mean` (tokens of the model’s tokenizer)'),
  lengthCorrect: { from: 'none', doc: 'absent: veRL logs no length per verdict, and its dumps hold text, not tokens' },
  lengthWrong: { from: 'none', doc: 'absent, as `lengthCorrect`' },
  truncatedRate: metric('response_length/clip_ratio'),
  kl: first(['actor/kl_loss', 'actor/reward_kl_penalty'], '`actor/kl_loss` (`kl-in loss`) or `actor/reward_kl_penalty` (`kl-in reward`)'),
  entropy: metric('actor/entropy'),
  clipFraction: metric('actor/pg_clipfrac'),
  zeroSignalGroups: samples('share of the rollout dump’s prompts whose completions all scored the same'),
  signalGroups: samples('share of the rollout dump’s prompts whose completions differ in correctness'),
  promptsDrawn: {
    from: 'verl',
    keys: ['training/filter_groups/evicted_samples'],
    read: (get, shape) => shape.prompts + (get('training/filter_groups/evicted_samples') ?? 0),
    doc: '`prompts` + `training/filter_groups/evicted_samples` (with `dynamic-sampling`, the prompt groups veRL’s replay buffer dropped that step; its uids are prompts)',
  },
  searchRate: samples('from the rollout dump’s completions, as ours'),
  stepKl: metric('actor/ppo_kl', 1, '`actor/ppo_kl`: veRL’s KL between the rollout policy and the policy being updated, over the step’s mini-batches (ours is measured after the update)'),
  repetitionRate: samples('from the rollout dump’s completions, as ours'),
  multiAnswerRate: samples('from the rollout dump’s completions, as ours'),
  valueLoss: metric('critic/vf_loss'),
};

/** Every veRL key some entry reads. */
const READ_KEYS = new Set(Object.values(VERL_METRICS).flatMap((s) => (s.from === 'verl' ? s.keys : [])));

export interface MappedMetrics {
  metrics: Partial<Record<MetricName, number>>;
  /** Numeric veRL metrics no entry reads, under veRL's names. */
  unmapped: Record<string, number>;
}

/** One step of veRL's metrics as ours (the `verl` entries) plus the ones no entry reads. */
export function mapVerlMetrics(data: Record<string, unknown>, shape: StepShape): MappedMetrics {
  const get: Read = (key) => {
    const v = data[key];
    return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
  };
  const metrics: Partial<Record<MetricName, number>> = {};
  for (const [name, source] of Object.entries(VERL_METRICS) as [MetricName, MetricSource][]) {
    if (source.from !== 'verl') continue;
    const value = source.read(get, shape);
    if (value !== undefined) metrics[name] = value;
  }
  const unmapped: Record<string, number> = {};
  for (const key of Object.keys(data)) {
    const value = get(key);
    if (value !== undefined && !READ_KEYS.has(key)) unmapped[key] = value;
  }
  return { metrics, unmapped };
}

/** The names of our metrics that a veRL run takes from its rollout samples. */
export const SAMPLE_METRICS = (Object.entries(VERL_METRICS) as [MetricName, MetricSource][]).filter(([, s]) => s.from === 'samples').map(([name]) => name);
