// One RL step: rollout (with dynamic sampling, as many rounds as it takes to
// fill the batch with groups that teach), reference log-probabilities, KL,
// advantages, the optimisation epochs, the policy's movement, and the step
// record with every metric.
import * as tf from '@tensorflow/tfjs-core';
import type { Problem } from '../../core/countdown/problem';
import type { StepRecord } from '../../core/protocol/records';
import type { PromptConfig, RewardConfig, RlConfig } from '../../core/spec/config';
import type { Gpt } from '../model/gpt';
import type { Tokenizer } from '../model/tokenizer';
import type { AdamW } from '../optim/adamw';
import type { Rng } from '../rng';
import { gae, outcomeAdvantages, signalShare, whiten } from './advantages';
import { completionLogProbs, completionValues } from './forward';
import { klEstimate } from './losses';
import { rollout, type RolloutSample } from './rollout';
import { summariseRollout } from './summary';
import { optimise, type TrainSample } from './update';

export interface RlStepInput {
  policy: Gpt;
  /** The frozen reference (base) model; null when `kl` is 0. */
  reference: Gpt | null;
  optimizer: AdamW;
  tokenizer: Tokenizer;
  rl: RlConfig;
  prompt: PromptConfig;
  reward: RewardConfig;
  /** The next `count` problems of the RL pool; called once, or once per round with dynamic sampling. */
  draw: (count: number) => Problem[];
  /**
   * Share of drawn prompts expected to teach (the last step's `signalGroups`):
   * dynamic sampling draws `prompts / expected` problems at once instead of
   * finding out round by round, so most steps need one sampler pass.
   */
  expectedSignal: number;
  /** 1-based number of this step. */
  step: number;
  lr: number;
  rng: Rng;
}

export interface RlStepResult {
  record: StepRecord;
  /** Every completion drawn this step, group by group. */
  samples: RolloutSample[];
}

/** The lowest signal share dynamic sampling plans a draw with: bounds one round's draw at 1 / this × what is missing. */
const MIN_EXPECTED_SIGNAL = 0.25;

/** Per-token KL estimate of each completion from its old and reference log-probabilities. */
function tokenKl(samples: readonly RolloutSample[], reference: readonly (readonly number[])[], rl: RlConfig): number[][] {
  return samples.map((s, i) =>
    tf.tidy(() => Array.from(klEstimate(tf.tensor2d([s.logProbs]), tf.tensor2d([[...reference[i]!]]), rl.klEstimator).dataSync())),
  );
}

const sum = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0);

/** Whether a group's completions differ in correctness: only then do its advantages say which behaviour solves. */
export function teaches(group: readonly RolloutSample[]): boolean {
  return signalShare(group.map((s) => s.verdict === 'correct'), group.length) === 1;
}

/**
 * Problems to draw in one dynamic-sampling round: enough to find the `missing`
 * groups at the `expected` share of groups that teach, within what the cap leaves.
 */
export function roundSize(missing: number, expected: number, left: number): number {
  return Math.min(left, Math.ceil(missing / Math.max(MIN_EXPECTED_SIGNAL, expected)));
}

interface Drawn {
  /** Every completion sampled, group by group. */
  samples: RolloutSample[];
  /** The groups to train on, flattened group by group. */
  batch: RolloutSample[];
  prompts: number;
}

/**
 * The step's rollouts. Without dynamic sampling: `prompts` problems, all trained
 * on. With it: rounds of draws until `prompts` groups that teach are found or
 * `max-draw` × `prompts` problems were drawn; surplus groups are dropped in draw order.
 */
async function drawBatch(input: RlStepInput): Promise<Drawn> {
  const { policy, tokenizer, rl } = input;
  const options = { rl, prompt: input.prompt, reward: input.reward };
  const groupsOf = (samples: RolloutSample[]) => Array.from({ length: samples.length / rl.groupSize }, (_, g) => samples.slice(g * rl.groupSize, (g + 1) * rl.groupSize));
  if (!rl.dynamicSampling) {
    const samples = await rollout(policy, tokenizer, input.draw(rl.prompts), { ...options, seed: input.rng.seed() });
    return { samples, batch: samples, prompts: rl.prompts };
  }
  const cap = rl.maxDraw * rl.prompts;
  const samples: RolloutSample[] = [];
  const kept: RolloutSample[][] = [];
  let drawn = 0;
  let signal = 0;
  while (kept.length < rl.prompts && drawn < cap) {
    const count = roundSize(rl.prompts - kept.length, drawn === 0 ? input.expectedSignal : signal / drawn, cap - drawn);
    const round = await rollout(policy, tokenizer, input.draw(count), { ...options, seed: input.rng.seed() });
    const teaching = groupsOf(round).filter(teaches);
    samples.push(...round);
    kept.push(...teaching);
    drawn += count;
    signal += teaching.length;
  }
  return { samples, batch: kept.slice(0, rl.prompts).flat(), prompts: drawn };
}

export async function rlStep(input: RlStepInput): Promise<RlStepResult> {
  const { policy, reference, tokenizer, rl } = input;
  const started = performance.now();
  const drawn = await drawBatch(input);
  const batch = drawn.batch;
  const rolloutMs = performance.now() - started;

  const trainStarted = performance.now();
  const pad = tokenizer.pad;
  const refLogProbs = reference && rl.klCoef > 0 && batch.length > 0 ? completionLogProbs(reference, batch, pad, rl.temperature) : null;
  const kl = refLogProbs ? tokenKl(batch, refLogProbs, rl) : null;
  const klPenalty = rl.klIn === 'reward' && kl ? rl.klCoef : 0;

  let advantages: number[][];
  let returns: number[][] | null = null;
  if (rl.algorithm === 'ppo') {
    // Per-token reward: −β·kl_t on every token (KL in the reward), the verifier score on the last one.
    const tokenRewards = batch.map((s, i) =>
      s.completion.map((_, t) => (t === s.completion.length - 1 ? s.reward : 0) - klPenalty * (kl?.[i]![t] ?? 0)),
    );
    const estimate = gae(tokenRewards, completionValues(policy, batch, pad), rl.gamma, rl.lambda);
    advantages = whiten(estimate.advantages);
    returns = estimate.returns;
  } else {
    const rewards = batch.map((s, i) => s.reward - klPenalty * sum(kl?.[i] ?? []));
    const perSequence = outcomeAdvantages(rl.algorithm, rewards, rl.groupSize, rl.rewardScaling);
    advantages = batch.map((s, i) => s.completion.map(() => perSequence[i]!));
  }

  const trainSamples: TrainSample[] = batch.map((s, i) => ({
    prompt: s.prompt,
    completion: s.completion,
    oldLogProbs: s.logProbs,
    refLogProbs: rl.klIn === 'loss' ? (refLogProbs?.[i] ?? null) : null,
    advantages: advantages[i]!,
    returns: returns?.[i] ?? null,
    masked: rl.maskTruncated && s.truncated,
  }));
  const stats = optimise(policy, input.optimizer, trainSamples, { rl, lr: input.lr, pad, rng: input.rng });
  const stepKl = stats.updates > 0 ? policyMovement(policy, batch, rl, pad) : null;
  const trainMs = performance.now() - trainStarted;
  const stepMs = performance.now() - started;

  const generated = sum(drawn.samples.map((s) => s.length));
  const record: StepRecord = {
    phase: 'rl',
    step: input.step,
    time: Date.now(),
    ...summariseRollout(drawn.samples, rl.groupSize),
    promptsDrawn: drawn.prompts,
    lr: input.lr,
    rolloutMs,
    trainMs,
    stepMs,
    tokensPerSec: generated / (stepMs / 1000),
  };
  if (stats.updates > 0) {
    Object.assign(record, { loss: stats.loss, policyLoss: stats.policyLoss, entropy: stats.entropy, clipFraction: stats.clipFraction, gradNorm: stats.gradNorm });
  }
  if (stepKl !== null) record.stepKl = stepKl;
  if (kl) record.kl = sum(kl.map(sum)) / Math.max(1, sum(kl.map((k) => k.length)));
  if (stats.valueLoss !== null) record.valueLoss = stats.valueLoss;
  return { record, samples: drawn.samples };
}

/**
 * KL(π_old‖π_new) per token (k3) after the update, on the first completion of
 * each trained group: the completions were drawn from π_old, so with
 * d = log π_new − log π_old the estimate is mean(e^d − d − 1). One no-gradient
 * pass over 1/group of the batch.
 */
function policyMovement(policy: Gpt, batch: readonly RolloutSample[], rl: RlConfig, pad: number): number {
  const firsts = batch.filter((_, i) => i % rl.groupSize === 0);
  const now = completionLogProbs(policy, firsts, pad, rl.temperature);
  const perToken = tokenKl(firsts, now, { ...rl, klEstimator: 'k3' });
  return sum(perToken.map(sum)) / Math.max(1, sum(perToken.map((k) => k.length)));
}
