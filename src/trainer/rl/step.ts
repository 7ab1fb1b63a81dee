// One RL step: rollout, reference log-probabilities, KL, advantages, the
// optimisation epochs, and the step record with every metric.
import * as tf from '@tensorflow/tfjs-core';
import type { Problem } from '../../core/countdown/problem';
import type { StepRecord } from '../../core/protocol/records';
import type { PromptConfig, RewardConfig, RlConfig } from '../../core/spec/config';
import type { Gpt } from '../model/gpt';
import type { Tokenizer } from '../model/tokenizer';
import type { AdamW } from '../optim/adamw';
import type { Rng } from '../rng';
import { gae, outcomeAdvantages, whiten } from './advantages';
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
  problems: readonly Problem[];
  /** 1-based number of this step. */
  step: number;
  lr: number;
  rng: Rng;
}

export interface RlStepResult {
  record: StepRecord;
  samples: RolloutSample[];
}

/** Per-token KL estimate of each completion from its old and reference log-probabilities. */
function tokenKl(samples: readonly RolloutSample[], reference: readonly (readonly number[])[], rl: RlConfig): number[][] {
  return samples.map((s, i) =>
    tf.tidy(() => Array.from(klEstimate(tf.tensor2d([s.logProbs]), tf.tensor2d([[...reference[i]!]]), rl.klEstimator).dataSync())),
  );
}

const sum = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0);

export async function rlStep(input: RlStepInput): Promise<RlStepResult> {
  const { policy, reference, tokenizer, rl } = input;
  const started = performance.now();
  const samples = await rollout(policy, tokenizer, input.problems, {
    rl,
    prompt: input.prompt,
    reward: input.reward,
    seed: input.rng.seed(),
  });
  const rolloutMs = performance.now() - started;

  const trainStarted = performance.now();
  const pad = tokenizer.pad;
  const refLogProbs = reference && rl.kl > 0 ? completionLogProbs(reference, samples, pad, rl.temperature) : null;
  const kl = refLogProbs ? tokenKl(samples, refLogProbs, rl) : null;
  const klPenalty = rl.klIn === 'reward' && kl ? rl.kl : 0;
  const scores = samples.map((s) => s.reward);

  let advantages: number[][];
  let returns: number[][] | null = null;
  if (rl.algorithm === 'ppo') {
    // Per-token reward: −β·kl_t on every token (KL in the reward), the verifier score on the last one.
    const tokenRewards = samples.map((s, i) =>
      s.completion.map((_, t) => (t === s.completion.length - 1 ? s.reward : 0) - klPenalty * (kl?.[i]![t] ?? 0)),
    );
    const estimate = gae(tokenRewards, completionValues(policy, samples, pad), rl.gamma, rl.lambda);
    advantages = whiten(estimate.advantages);
    returns = estimate.returns;
  } else {
    const rewards = scores.map((r, i) => r - klPenalty * sum(kl?.[i] ?? []));
    const perSequence = outcomeAdvantages(rl.algorithm, rewards, rl.group, rl.rewardScaling);
    advantages = samples.map((s, i) => s.completion.map(() => perSequence[i]!));
  }

  const trainSamples: TrainSample[] = samples.map((s, i) => ({
    prompt: s.prompt,
    completion: s.completion,
    oldLogProbs: s.logProbs,
    refLogProbs: rl.klIn === 'loss' ? (refLogProbs?.[i] ?? null) : null,
    advantages: advantages[i]!,
    returns: returns?.[i] ?? null,
    masked: rl.maskTruncated && s.truncated,
  }));
  const stats = optimise(policy, input.optimizer, trainSamples, { rl, lr: input.lr, pad, rng: input.rng });
  const trainMs = performance.now() - trainStarted;
  const stepMs = performance.now() - started;

  const generated = sum(samples.map((s) => s.length));
  const record: StepRecord = {
    phase: 'rl',
    step: input.step,
    time: Date.now(),
    ...summariseRollout(samples, rl.group),
    loss: stats.loss,
    policyLoss: stats.policyLoss,
    entropy: stats.entropy,
    clipFraction: stats.clipFraction,
    gradNorm: stats.gradNorm,
    lr: input.lr,
    rolloutMs,
    trainMs,
    stepMs,
    tokensPerSec: generated / (stepMs / 1000),
  };
  if (kl) record.kl = sum(kl.map(sum)) / Math.max(1, sum(kl.map((k) => k.length)));
  if (stats.valueLoss !== null) record.valueLoss = stats.valueLoss;
  return { record, samples };
}
