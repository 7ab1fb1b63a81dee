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
import { perSequenceWeights, spread, trainMask, type PackedSamples, type PromptCompletion } from './tokens';

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

/** What one micro-batch contributes to the step's figures (sums over its trained tokens), kept past its gradient pass. */
interface MicroBatchSums {
  policy: tf.Scalar;
  value: tf.Scalar;
  entropy: tf.Scalar;
  clippedTokens: tf.Scalar;
}

/**
 * The objective of one packed micro-batch at the current weights: its loss (a
 * share of the mini-batch loss, by `norm`) and the sums it adds to the step's figures.
 */
function microBatchObjective(
  model: Gpt,
  part: readonly TrainSample[],
  packed: PackedSamples,
  options: UpdateOptions & { klLossCoef: number; norm: AggregationNorm },
): { loss: tf.Scalar; sums: MicroBatchSums } {
  const { rl } = options;
  const ppo = rl.algorithm === 'ppo';
  const { rows, length, starts } = packed.batch;
  const shape: [number, number] = [rows, length];
  const perToken = (values: (s: TrainSample) => readonly number[]) => tf.tensor2d(spread(packed, part.map(values)), shape);
  const ids = tf.tensor2d(packed.batch.ids, shape, 'int32');
  const raw = ppo ? model.logitsAndValues(ids, null, starts) : { logits: model.logits(ids, null, starts), values: null };
  const logits = tempered(raw.logits, rl.temperature); // [rows, length, V]
  const trained = trainMask(packed, part.map((s) => s.masked));
  const mask = tf.tensor2d(trained, shape);
  const entropy = entropyOf(logits); // [rows, length]
  const terms = rlObjective(
    {
      logProbs: logProbsOf(logits, tf.tensor2d(packed.batch.targets, shape, 'int32')),
      entropy,
      oldLogProbs: perToken((s) => s.oldLogProbs),
      refLogProbs: options.klLossCoef > 0 ? perToken((s) => s.refLogProbs!) : null,
      advantages: perToken((s) => s.advantages),
      mask,
      perSequence: rl.lossAggregation === 'seq-mean-token-mean' ? tf.tensor2d(perSequenceWeights(packed, trained), shape) : null,
      values: raw.values,
      returns: ppo ? perToken((s) => s.returns!) : null,
    },
    {
      clipLow: rl.clipLow,
      clipHigh: rl.clipHigh,
      klLossCoef: options.klLossCoef,
      klEstimator: rl.klEstimator,
      entropyCoef: rl.entropyCoef,
      valueCoef: VALUE_COEF,
      aggregation: rl.lossAggregation,
      norm: options.norm,
    },
  );
  return {
    loss: terms.loss,
    sums: { policy: terms.policy, value: terms.value ?? tf.scalar(0), entropy: tf.sum(tf.mul(entropy, mask)), clippedTokens: terms.clippedTokens },
  };
}

export function optimise(model: Gpt, optimizer: AdamW, samples: readonly TrainSample[], options: UpdateOptions): UpdateStats {
  const { rl } = options;
  const klLossCoef = rl.klIn === 'loss' ? rl.klCoef : 0;
  const sums = { loss: 0, policy: 0, value: 0, gradNorm: 0, entropy: 0, entropyTokens: 0, clipped: 0, tokens: 0, updates: 0 };
  const read = (t: tf.Scalar) => t.dataSync()[0]!;

  for (let epoch = 0; epoch < rl.epochs; epoch++) {
    const order = rl.miniBatch < samples.length ? options.rng.shuffled(samples) : [...samples];
    for (const mini of chunks(order, rl.miniBatch)) {
      const tokens = mini.reduce((n, s) => n + trainedTokens(s), 0);
      if (tokens === 0) continue; // every completion masked: nothing to learn from
      const norm: AggregationNorm = { tokens, sequences: mini.filter((s) => trainedTokens(s) > 0).length, maxTokens: rl.maxTokens };
      const parts = microBatches(model, mini, options.pad);
      const kept: MicroBatchSums[] = [];
      const { loss, grads } = accumulateGradients(
        model.variables,
        parts.length,
        (i) => {
          const { samples: part, packed } = parts[i]!;
          const { loss, sums: partSums } = microBatchObjective(model, part, packed, { ...options, klLossCoef, norm });
          // Kept past the gradient pass, which disposes everything else it made.
          kept.push({ policy: tf.keep(partSums.policy), value: tf.keep(partSums.value), entropy: tf.keep(partSums.entropy), clippedTokens: tf.keep(partSums.clippedTokens) });
          return loss;
        },
        // Each micro-batch's loss is already its share of the mini-batch's (divided by the mini-batch's totals): a plain sum.
        () => 1,
      );
      const gradNorm = clipGradNorm(grads, rl.gradClip);
      optimizer.apply(grads, options.lr);
      tf.dispose([...grads.values()]);
      for (const part of kept) {
        sums.policy += read(part.policy);
        sums.value += read(part.value);
        if (epoch === 0) sums.entropy += read(part.entropy);
        sums.clipped += read(part.clippedTokens);
        tf.dispose(Object.values(part));
      }
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
    valueLoss: rl.algorithm === 'ppo' ? per(sums.value) : null,
    gradNorm: per(sums.gradNorm),
    entropy: sums.entropyTokens === 0 ? 0 : sums.entropy / sums.entropyTokens,
    clipFraction: sums.tokens === 0 ? 0 : sums.clipped / sums.tokens,
    updates: sums.updates,
  };
}
