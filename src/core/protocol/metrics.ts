// The one table of step metrics: every MetricName with its label, unit, phase and
// meaning. The docs (docs/metrics.md, generated from it), the dashboard and the
// CSV export all read it, so a metric is described here and nowhere else.
import type { MetricName } from './records';

/** A completion with a run of one character longer than this counts towards `repetitionRate`. */
export const REPEAT_RUN = 12;

/** How a value is shown: `share` is 0..1 and displayed as a percentage. */
export type MetricUnit = 'share' | 'nats' | 'tokens' | 'tokens/s' | 'ms' | 'reward' | 'norm' | 'lr' | 'loss' | 'count';

export interface MetricInfo {
  /** Short label for a chart title or a table column. */
  label: string;
  unit: MetricUnit;
  /** Phases whose step records carry it. */
  phases: ReadonlyArray<'pretrain' | 'rl'>;
  /** What it measures and how to read it, in one or two sentences. */
  meaning: string;
}

const BOTH = ['pretrain', 'rl'] as const;
const RL = ['rl'] as const;

export const METRICS: Readonly<Record<MetricName, MetricInfo>> = {
  loss: {
    label: 'Loss',
    unit: 'loss',
    phases: BOTH,
    meaning:
      'Pretraining: cross-entropy per completion token. RL: the optimised objective (policy loss + KL and value terms − entropy bonus), averaged over the step’s mini-batches.',
  },
  policyLoss: {
    label: 'Policy loss',
    unit: 'loss',
    phases: RL,
    meaning: 'The clipped-surrogate term alone, averaged over the step’s mini-batches; its sign follows the advantages, so watch its trend, not its level.',
  },
  lr: {
    label: 'Learning rate',
    unit: 'lr',
    phases: BOTH,
    meaning: 'Learning rate the step’s optimiser updates used: pretraining warms up, then decays by a cosine to a tenth of `lr`; RL warms up, then holds `lr`.',
  },
  gradNorm: {
    label: 'Gradient norm',
    unit: 'norm',
    phases: BOTH,
    meaning: 'Global L2 norm of the gradient before clipping, averaged over the step’s updates; spikes precede instability.',
  },
  tokensPerSec: {
    label: 'Throughput',
    unit: 'tokens/s',
    phases: BOTH,
    meaning: 'Pretraining: trained tokens per second. RL: sampled completion tokens per second of the whole step (rollout and training).',
  },
  stepMs: { label: 'Step time', unit: 'ms', phases: BOTH, meaning: 'Wall time of the whole step.' },
  rolloutMs: { label: 'Rollout time', unit: 'ms', phases: RL, meaning: 'Time spent sampling the step’s completions and scoring them.' },
  trainMs: {
    label: 'Training time',
    unit: 'ms',
    phases: RL,
    meaning: 'Time spent on log-probabilities of the reference and old policy and on every optimisation epoch.',
  },
  rewardMean: {
    label: 'Reward',
    unit: 'reward',
    phases: RL,
    meaning: 'Mean verifier reward of the step’s completions (0 no answer, the spec’s `format` value for a wrong answer, `correct` for a right one), before any KL penalty.',
  },
  rewardStd: { label: 'Reward std', unit: 'reward', phases: RL, meaning: 'Standard deviation of the verifier reward over all the step’s completions.' },
  accuracy: { label: 'Accuracy', unit: 'share', phases: RL, meaning: 'Share of the step’s sampled completions whose answer reaches the target.' },
  formatRate: {
    label: 'Format rate',
    unit: 'share',
    phases: RL,
    meaning: 'Share of completions with a well-formed `<answer>…</answer>` block (right or wrong).',
  },
  lengthMean: { label: 'Length', unit: 'tokens', phases: RL, meaning: 'Mean completion length in tokens.' },
  lengthCorrect: {
    label: 'Length (correct)',
    unit: 'tokens',
    phases: RL,
    meaning: 'Mean completion length of the correct completions; absent when none was correct.',
  },
  lengthWrong: {
    label: 'Length (wrong)',
    unit: 'tokens',
    phases: RL,
    meaning: 'Mean completion length of the completions that were not correct; absent when all were correct.',
  },
  truncatedRate: {
    label: 'Truncated',
    unit: 'share',
    phases: RL,
    meaning: 'Share of completions cut off by `max-tokens` before `</answer>` or the end token; with `mask-truncated` on they get no gradient.',
  },
  kl: {
    label: 'KL',
    unit: 'nats',
    phases: RL,
    meaning: 'Mean per-token KL divergence from the frozen reference (the base model) with the spec’s estimator (k1 or k3), measured on the rollout.',
  },
  entropy: {
    label: 'Entropy',
    unit: 'nats',
    phases: RL,
    meaning: 'Mean per-token entropy of the policy over the completion tokens; a fall towards 0 means the model stopped exploring.',
  },
  clipFraction: {
    label: 'Clip fraction',
    unit: 'share',
    phases: RL,
    meaning: 'Share of completion tokens whose probability ratio was clipped by the surrogate objective, over all epochs and mini-batches.',
  },
  zeroSignalGroups: {
    label: 'No-signal groups',
    unit: 'share',
    phases: RL,
    meaning: 'Share of prompts whose samples all got the same reward: their advantages are 0 and they teach nothing. Near 1 means the task is too hard or too easy for the model.',
  },
  signalGroups: {
    label: 'Signal groups',
    unit: 'share',
    phases: RL,
    meaning:
      'Share of the step’s drawn prompts whose completions differ in correctness (some right, some wrong): the groups that teach. With `dynamic-sampling` on, only these are trained on.',
  },
  promptsDrawn: {
    label: 'Prompts drawn',
    unit: 'count',
    phases: RL,
    meaning: 'Problems sampled this step: `prompts`, or more with `dynamic-sampling`, which draws until `prompts` signal groups are found or `max-draw` × `prompts` were drawn.',
  },
  searchRate: {
    label: 'Written search',
    unit: 'share',
    phases: RL,
    meaning: 'Share of completions that still write out a search (at least one step line such as `9-3=6|2 …`) instead of jumping to an answer; a fall to 0 means RL traded the search for guesses.',
  },
  stepKl: {
    label: 'Policy movement',
    unit: 'nats',
    phases: RL,
    meaning:
      'How far the step’s update moved the policy: KL(π_old‖π_new) per token (k3), measured on the first completion of each trained prompt after the update. About 1e-3 is a careful step; 1e-2 and above tends to destroy what the base model knew.',
  },
  repetitionRate: {
    label: 'Repetition',
    unit: 'share',
    phases: RL,
    meaning: `Share of completions with a run of one character longer than ${REPEAT_RUN} (for example "!!!!!!!!!!!!!"): the signature of a degenerate policy.`,
  },
  multiAnswerRate: {
    label: 'Several answers',
    unit: 'share',
    phases: RL,
    meaning: 'Share of completions with more than one `<answer>` block; the verifier scores the last one, so many of them hint at reward hacking by guessing.',
  },
  valueLoss: {
    label: 'Value loss',
    unit: 'loss',
    phases: RL,
    meaning: 'PPO only: mean squared error of the value head against the GAE returns.',
  },
};

/** Metric names in table order (for CSV columns and docs). */
export const METRIC_NAMES = Object.keys(METRICS) as MetricName[];

const UNIT_TEXT: Record<MetricUnit, string> = {
  share: 'share 0–1 (shown as %)',
  nats: 'nats per token',
  tokens: 'tokens',
  'tokens/s': 'tokens per second',
  ms: 'milliseconds',
  reward: 'reward',
  norm: 'L2 norm',
  lr: 'learning rate',
  loss: 'loss',
  count: 'count',
};

/** `docs/metrics.md`, generated from METRICS (`npm run docs:metrics`; a test keeps it current). */
export function renderMetricsDoc(): string {
  const rows = METRIC_NAMES.map((name) => {
    const m = METRICS[name];
    return `| \`${name}\` | ${m.label} | ${UNIT_TEXT[m.unit]} | ${m.phases.join(', ')} | ${m.meaning} |`;
  });
  return [
    '# Step metrics',
    '',
    '<!-- Generated from src/core/protocol/metrics.ts by `npm run docs:metrics`; do not edit by hand. -->',
    '',
    'Every training step appends one JSON object to `metrics.jsonl` in the run directory with `phase`,',
    '`step`, `time` (epoch ms) and the metrics below (a metric that does not apply to a step is absent).',
    'RL steps also carry `verdicts`: the share of each verifier verdict (`no-answer`, `unparsable`,',
    '`wrong-numbers`, `invalid`, `wrong-value`, `correct`) among the step’s completions.',
    '',
    '| name | label | unit | phases | meaning |',
    '|---|---|---|---|---|',
    ...rows,
    '',
  ].join('\n');
}
