// The optimisation half of an RL step: `epochs` passes over the step's samples,
// each split into mini-batches (one optimiser update each, shuffled by the
// engine's generator) and micro-batches (gradient accumulation, for memory).
import * as tf from '@tensorflow/tfjs-core';
import type { RlConfig } from '../../core/spec/config';
import type { Gpt } from '../model/gpt';
import { entropyOf, logProbsOf, tempered } from '../model/logprobs';
import { accumulateGradients } from '../optim/accumulate';
import type { AdamW } from '../optim/adamw';
import { clipGradNorm } from '../optim/clip';
import type { Rng } from '../rng';
import { chunks } from '../data/batch';
import { microBatches } from './forward';
import { rlObjective, type AggregationNorm } from './losses';
import { perSequenceWeights, spread, trainMask, type PromptCompletion } from './tokens';

/** A sample ready for the loss: per-token arrays aligned with its completion. */
export interface TrainSample extends PromptCompletion {
  oldLogProbs: readonly number[];
  /** Reference log-probabilities; null when the KL is not in the loss. */
  refLogProbs: readonly number[] | null;
  advantages: readonly number[];
  /** PPO value targets; null for the other algorithms. */
  returns: readonly number[] | null;
  /** Leave the sample out of the loss (a masked truncated completion). */
  masked: boolean;
}

export interface UpdateOptions {
  rl: RlConfig;
  lr: number;
  pad: number;
  rng: Rng;
}

export interface UpdateStats {
  /** Means over the step's updates. */
  loss: number;
  policyLoss: number;
  valueLoss: number | null;
  gradNorm: number;
  /** Mean per-token entropy over the first epoch (the rollout policy as it trains). */
  entropy: number;
  /** Share of trained tokens whose ratio was clipped, over all epochs. */
  clipFraction: number;
  updates: number;
}

/** PPO's weight of the value loss in the total loss (veRL and TRL use 0.5 on ½(V − R)² too). */
const VALUE_COEF = 0.5;

const trainedTokens = (s: TrainSample) => (s.masked ? 0 : s.completion.length);

export function optimise(model: Gpt, optimizer: AdamW, samples: readonly TrainSample[], options: UpdateOptions): UpdateStats {
  const { rl } = options;
  const ppo = rl.algorithm === 'ppo';
  const klInLoss = rl.klIn === 'loss' ? rl.kl : 0;
  const sums = { loss: 0, policy: 0, value: 0, gradNorm: 0, entropy: 0, entropyTokens: 0, clipped: 0, tokens: 0, updates: 0 };

  for (let epoch = 0; epoch < rl.epochs; epoch++) {
    const order = rl.miniBatch < samples.length ? options.rng.shuffled(samples) : [...samples];
    for (const mini of chunks(order, rl.miniBatch)) {
      const tokens = mini.reduce((n, s) => n + trainedTokens(s), 0);
      if (tokens === 0) continue; // every completion masked: nothing to learn from
      const norm: AggregationNorm = {
        tokens,
        sequences: mini.filter((s) => trainedTokens(s) > 0).length,
        maxTokens: rl.maxTokens,
      };
      const parts = microBatches(model, mini, options.pad);
      const kept: tf.Scalar[][] = [];
      const { loss, grads } = accumulateGradients(
        model.variables,
        parts.length,
        (i) => {
          const { samples: part, packed } = parts[i]!;
          const { rows, length, starts } = packed.batch;
          const shape: [number, number] = [rows, length];
          const ids = tf.tensor2d(packed.batch.ids, shape, 'int32');
          const raw = ppo ? model.logitsAndValues(ids, null, starts) : { logits: model.logits(ids, null, starts), values: null };
          const forward = { logits: tempered(raw.logits, rl.temperature), values: raw.values };
          const trained = trainMask(packed, part.map((s) => s.masked));
          const mask = tf.tensor2d(trained, shape);
          const entropy = entropyOf(forward.logits);
          const terms = rlObjective(
            {
              logProbs: logProbsOf(forward.logits, tf.tensor2d(packed.batch.targets, shape, 'int32')),
              entropy,
              oldLogProbs: tf.tensor2d(spread(packed, part.map((s) => s.oldLogProbs)), shape),
              refLogProbs: klInLoss > 0 ? tf.tensor2d(spread(packed, part.map((s) => s.refLogProbs!)), shape) : null,
              advantages: tf.tensor2d(spread(packed, part.map((s) => s.advantages)), shape),
              mask,
              perSequence: rl.lossAggregation === 'seq-mean-token-mean' ? tf.tensor2d(perSequenceWeights(packed, trained), shape) : null,
              values: forward.values,
              returns: ppo ? tf.tensor2d(spread(packed, part.map((s) => s.returns!)), shape) : null,
            },
            {
              clip: rl.clip,
              clipHigh: rl.clipHigh,
              klInLoss,
              klEstimator: rl.klEstimator,
              entropy: rl.entropy,
              valueCoef: VALUE_COEF,
              aggregation: rl.lossAggregation,
              norm,
            },
          );
          kept.push([
            terms.policy,
            terms.value ?? tf.scalar(0),
            tf.sum(tf.mul(entropy, mask)) as tf.Scalar,
            terms.clippedTokens,
          ].map((t) => tf.keep(t)));
          return terms.loss;
        },
        parts.map(() => 1),
      );
      const gradNorm = clipGradNorm(grads, rl.gradClip);
      optimizer.apply(grads, options.lr);
      tf.dispose([...grads.values()]);
      for (const [policy, value, entropySum, clipped] of kept) {
        sums.policy += policy!.dataSync()[0]!;
        sums.value += value!.dataSync()[0]!;
        if (epoch === 0) sums.entropy += entropySum!.dataSync()[0]!;
        sums.clipped += clipped!.dataSync()[0]!;
      }
      tf.dispose(kept.flat());
      if (epoch === 0) sums.entropyTokens += tokens;
      sums.tokens += tokens;
      sums.loss += loss;
      sums.gradNorm += gradNorm;
      sums.updates += 1;
    }
  }
  const per = (x: number) => (sums.updates === 0 ? 0 : x / sums.updates);
  return {
    loss: per(sums.loss),
    policyLoss: per(sums.policy),
    valueLoss: ppo ? per(sums.value) : null,
    gradNorm: per(sums.gradNorm),
    entropy: sums.entropyTokens === 0 ? 0 : sums.entropy / sums.entropyTokens,
    clipFraction: sums.tokens === 0 ? 0 : sums.clipped / sums.tokens,
    updates: sums.updates,
  };
}
