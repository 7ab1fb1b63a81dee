// Per-token policy-gradient terms in tfjs: small named functions over [B, T]
// tensors of completion tokens (B sequences, T positions, a 0/1 mask for the
// tokens that train). They are differentiable in `logProbs`; masks and
// advantages are constants computed outside the gradient.
import * as tf from '@tensorflow/tfjs-core';
import type { KlEstimator, LossAggregation } from '../../core/spec/config';

/**
 * Clipped surrogate (PPO), per token:
 *   ρ = exp(log π − log π_old)
 *   L = max(−A·ρ, −A·clip(ρ, 1 − ε_low, 1 + ε_high))
 * `clipHigh` is DAPO's clip-higher upper bound; it defaults to `clipLow`.
 * Returns the per-token loss and a 0/1 tensor of the tokens where the clipped
 * branch was taken (for the clip fraction; not differentiable).
 */
export function clippedSurrogate(
  logProbs: tf.Tensor2D,
  oldLogProbs: tf.Tensor2D,
  advantages: tf.Tensor2D,
  clipLow: number,
  clipHigh: number = clipLow,
): { loss: tf.Tensor2D; clipped: tf.Tensor2D } {
  const ratio = tf.exp(tf.sub(logProbs, oldLogProbs));
  const unclipped = tf.neg(tf.mul(advantages, ratio));
  const clipped = tf.neg(tf.mul(advantages, tf.clipByValue(ratio, 1 - clipLow, 1 + clipHigh)));
  const loss = tf.maximum(unclipped, clipped) as tf.Tensor2D;
  const clippedTaken = tf.cast(tf.greater(clipped, unclipped), 'float32') as tf.Tensor2D;
  return { loss, clipped: clippedTaken };
}

/** k3's clamps, as veRL's `low_var_kl`: d to ±20 before the exp, the estimate to ±10 (a token the policy made far likelier than the reference cannot blow up the loss). */
export const K3_LOG_RATIO_CLAMP = 20;
export const K3_CLAMP = 10;

/**
 * Per-token KL estimate of π from the reference π_ref (Schulman's estimators), with d = log π_ref − log π:
 *   k1 = −d = log π − log π_ref          (unbiased, can be negative)
 *   k3 = exp(d) − d − 1                  (unbiased, always ≥ 0, low variance: veRL's `low_var_kl`, clamped as veRL does)
 */
export function klEstimate(logProbs: tf.Tensor2D, refLogProbs: tf.Tensor2D, estimator: KlEstimator): tf.Tensor2D {
  const d = tf.sub(refLogProbs, logProbs);
  if (estimator === 'k1') return tf.neg(d) as tf.Tensor2D;
  const clamped = tf.clipByValue(d, -K3_LOG_RATIO_CLAMP, K3_LOG_RATIO_CLAMP);
  return tf.clipByValue(tf.sub(tf.sub(tf.exp(clamped), clamped), 1), -K3_CLAMP, K3_CLAMP) as tf.Tensor2D;
}

/** Squared error of the value head against the returns, per token: ½·(V − R)². */
export function valueError(values: tf.Tensor2D, returns: tf.Tensor2D): tf.Tensor2D {
  return tf.mul(0.5, tf.square(tf.sub(values, returns))) as tf.Tensor2D;
}

/**
 * How many tokens and sequences the whole mini-batch holds. A mini-batch may be
 * split into micro-batches for memory; dividing each micro-batch's sums by the
 * mini-batch's totals makes their losses add up to the mini-batch loss.
 */
export interface AggregationNorm {
  /** Masked tokens in the mini-batch. */
  tokens: number;
  /** Sequences in the mini-batch. */
  sequences: number;
  /** The generation budget (rl.max-tokens): Dr. GRPO's constant length normaliser. */
  maxTokens: number;
}

/**
 * Reduces a per-token loss ℓ with mask m to a scalar:
 *   token-mean:               Σ_{i,t} m·ℓ / Σ_{i,t} m                 (veRL default)
 *   seq-mean-token-mean:      (1/B) Σ_i [Σ_t m·ℓ / Σ_t m]             (original GRPO: long answers count less per token)
 *   seq-mean-token-sum-norm:  Σ_{i,t} m·ℓ / (B · max-tokens)          (Dr. GRPO: no per-sequence length normalisation)
 * with the token and sequence counts of the whole mini-batch (see AggregationNorm).
 */
export function aggregateTokens(
  loss: tf.Tensor2D,
  mask: tf.Tensor2D,
  mode: LossAggregation,
  norm: AggregationNorm,
  perSequence: tf.Tensor2D | null = null,
): tf.Scalar {
  const masked = tf.mul(loss, mask);
  switch (mode) {
    case 'token-mean':
      return tf.div(tf.sum(masked), Math.max(norm.tokens, 1));
    case 'seq-mean-token-mean': {
      // Each token weighs 1 / (its sequence's masked tokens); without `perSequence`, each row is one sequence.
      const weights = perSequence ?? tf.div(1, tf.maximum(tf.sum(mask, 1, true), 1));
      return tf.div(tf.sum(tf.mul(masked, weights)), Math.max(norm.sequences, 1));
    }
    case 'seq-mean-token-sum-norm':
      return tf.div(tf.sum(masked), Math.max(norm.sequences, 1) * norm.maxTokens);
  }
}

export interface ObjectiveOptions {
  /** Ratio clip ε_low. */
  clipLow: number;
  /** Ratio clip ε_high; null means ε_low. */
  clipHigh: number | null;
  /** Coefficient of the KL term in the loss (0 when the KL sits in the reward or is off). */
  klLossCoef: number;
  klEstimator: KlEstimator;
  /** Coefficient of the entropy bonus. */
  entropyCoef: number;
  /** Weight of the value loss (PPO). */
  valueCoef: number;
  aggregation: LossAggregation;
  norm: AggregationNorm;
}

export interface ObjectiveInputs {
  logProbs: tf.Tensor2D;
  /** Per-token entropy of the current policy; null when the entropy bonus is 0. */
  entropy: tf.Tensor2D | null;
  oldLogProbs: tf.Tensor2D;
  /** Null when the KL is not in the loss. */
  refLogProbs: tf.Tensor2D | null;
  advantages: tf.Tensor2D;
  mask: tf.Tensor2D;
  /**
   * At each masked token, 1 / (masked tokens of its sequence), for
   * seq-mean-token-mean when rows hold several sequences; null: one per row.
   */
  perSequence?: tf.Tensor2D | null;
  /** PPO: value predictions and their targets. */
  values: tf.Tensor2D | null;
  returns: tf.Tensor2D | null;
}

export interface ObjectiveTerms {
  /** What the optimiser minimises: policy + β·KL + c_v·value − c_H·entropy. */
  loss: tf.Scalar;
  policy: tf.Scalar;
  kl: tf.Scalar | null;
  entropy: tf.Scalar | null;
  value: tf.Scalar | null;
  /** Clipped tokens of this micro-batch (a count, not a share). */
  clippedTokens: tf.Scalar;
}

/** The RL objective of one micro-batch, every term aggregated the same way. */
export function rlObjective(inputs: ObjectiveInputs, options: ObjectiveOptions): ObjectiveTerms {
  const aggregate = (t: tf.Tensor2D) => aggregateTokens(t, inputs.mask, options.aggregation, options.norm, inputs.perSequence ?? null);
  const surrogate = clippedSurrogate(
    inputs.logProbs,
    inputs.oldLogProbs,
    inputs.advantages,
    options.clipLow,
    options.clipHigh ?? options.clipLow,
  );
  const policy = aggregate(surrogate.loss);
  let loss: tf.Scalar = policy;
  let kl: tf.Scalar | null = null;
  if (options.klLossCoef > 0 && inputs.refLogProbs) {
    kl = aggregate(klEstimate(inputs.logProbs, inputs.refLogProbs, options.klEstimator));
    loss = tf.add(loss, tf.mul(options.klLossCoef, kl));
  }
  let entropy: tf.Scalar | null = null;
  if (options.entropyCoef > 0 && inputs.entropy) {
    entropy = aggregate(inputs.entropy);
    loss = tf.sub(loss, tf.mul(options.entropyCoef, entropy));
  }
  let value: tf.Scalar | null = null;
  if (inputs.values && inputs.returns) {
    value = aggregate(valueError(inputs.values, inputs.returns));
    loss = tf.add(loss, tf.mul(options.valueCoef, value));
  }
  const clippedTokens = tf.sum(tf.mul(surrogate.clipped, inputs.mask)) as tf.Scalar;
  return { loss, policy, kl, entropy, value, clippedTokens };
}
