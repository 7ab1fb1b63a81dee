import { before, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import { aggregateTokens, clippedSurrogate, klEstimate, rlObjective, valueError } from '../../src/trainer/rl/losses';

before(async () => {
  await tf.setBackend('cpu');
});

function close(actual: ArrayLike<number>, expected: readonly number[], tol = 1e-5): void {
  assert.equal(actual.length, expected.length);
  expected.forEach((e, i) => assert.ok(Math.abs(actual[i]! - e) <= tol, `[${i}] ${actual[i]} != ${e}`));
}

// Two sequences of two tokens. New probabilities 0.5 / 0.2, old 0.4 / 0.4: ratios 1.25 and 0.5.
const logProbs = () => tf.tensor2d([[Math.log(0.5), Math.log(0.2)], [Math.log(0.5), Math.log(0.2)]]);
const oldLogProbs = () => tf.tensor2d([[Math.log(0.4), Math.log(0.4)], [Math.log(0.4), Math.log(0.4)]]);
const advantages = () => tf.tensor2d([[1, 1], [-1, -1]]);
const mask = () => tf.tensor2d([[1, 1], [1, 0]]);
const norm = { tokens: 3, sequences: 2, maxTokens: 4 };

test('clipped surrogate: max(−Aρ, −A·clip(ρ)) per token, and which tokens were clipped', () => {
  tf.tidy(() => {
    const { loss, clipped } = clippedSurrogate(logProbs(), oldLogProbs(), advantages(), 0.2);
    // A = +1: ρ 1.25 → max(−1.25, −1.2) = −1.2 (clipped); ρ 0.5 → max(−0.5, −0.8) = −0.5
    // A = −1: ρ 1.25 → max(1.25, 1.2) = 1.25;           ρ 0.5 → max(0.5, 0.8) = 0.8 (clipped)
    close(loss.dataSync(), [-1.2, -0.5, 1.25, 0.8]);
    close(clipped.dataSync(), [1, 0, 0, 1]);
    // clip-higher 0.3: ρ 1.25 stays inside [0.8, 1.3]
    const high = clippedSurrogate(logProbs(), oldLogProbs(), advantages(), 0.2, 0.3);
    close(high.loss.dataSync(), [-1.25, -0.5, 1.25, 0.8]);
    close(high.clipped.dataSync(), [0, 0, 0, 1]);
  });
});

test('aggregation: token-mean, seq-mean-token-mean, seq-mean-token-sum-norm', () => {
  tf.tidy(() => {
    const loss = tf.tensor2d([[-1.2, -0.5], [1.25, 0.8]]);
    // masked tokens −1.2, −0.5, 1.25 (the fourth is masked)
    close(aggregateTokens(loss, mask(), 'token-mean', norm).dataSync(), [(-1.2 - 0.5 + 1.25) / 3]);
    close(aggregateTokens(loss, mask(), 'seq-mean-token-mean', norm).dataSync(), [(-0.85 + 1.25) / 2]);
    close(aggregateTokens(loss, mask(), 'seq-mean-token-sum-norm', norm).dataSync(), [-0.45 / (2 * 4)]);
  });
});

test('aggregation over micro-batches adds up to the mini-batch value', () => {
  tf.tidy(() => {
    const loss = tf.tensor2d([[-1.2, -0.5], [1.25, 0.8]]);
    for (const mode of ['token-mean', 'seq-mean-token-mean', 'seq-mean-token-sum-norm'] as const) {
      const whole = aggregateTokens(loss, mask(), mode, norm).dataSync()[0]!;
      const parts =
        aggregateTokens(tf.slice(loss, [0, 0], [1, 2]), tf.slice(mask(), [0, 0], [1, 2]), mode, norm).dataSync()[0]! +
        aggregateTokens(tf.slice(loss, [1, 0], [1, 2]), tf.slice(mask(), [1, 0], [1, 2]), mode, norm).dataSync()[0]!;
      assert.ok(Math.abs(whole - parts) < 1e-6, mode);
    }
  });
});

test('kl estimators k1 and k3', () => {
  tf.tidy(() => {
    const lp = tf.tensor2d([[Math.log(0.5), Math.log(0.2)]]);
    const ref = tf.tensor2d([[Math.log(0.25), Math.log(0.4)]]);
    // k1 = log π − log π_ref; k3 = e^d − d − 1 with d = log π_ref − log π
    close(klEstimate(lp, ref, 'k1').dataSync(), [Math.LN2, -Math.LN2]);
    close(klEstimate(lp, ref, 'k3').dataSync(), [0.5 + Math.LN2 - 1, 2 - Math.LN2 - 1]);
  });
});

test('k3 is clamped as veRL clamps it: d to ±20, the estimate to ±10', () => {
  tf.tidy(() => {
    // d = 5: e^5 − 5 − 1 = 142.4 → 10. d = −30 → −20: e^−20 + 20 − 1 ≈ 19 → 10. d = 2: e² − 3 = 4.39, untouched.
    const lp = tf.tensor2d([[-10, 0, -3]]);
    const ref = tf.tensor2d([[-5, -30, -1]]);
    close(klEstimate(lp, ref, 'k3').dataSync(), [10, 10, Math.exp(2) - 3]);
    close(klEstimate(lp, ref, 'k1').dataSync(), [-5, 30, -2]);
  });
});

test('value error is ½(V − R)²', () => {
  tf.tidy(() => close(valueError(tf.tensor2d([[1, 0.5]]), tf.tensor2d([[0, 1.5]])).dataSync(), [0.5, 0.5]));
});

test('objective: hand-computed terms and gradient; clipped tokens pass no gradient', () => {
  const before = tf.memory().numTensors;
  const init = logProbs();
  const lp = tf.variable(init);
  init.dispose();
  const out = tf.tidy(() => {
    const ref = tf.tensor2d([[Math.log(0.25), Math.log(0.4)], [Math.log(0.5), Math.log(0.2)]]);
    const entropy = tf.tensor2d([[1, 2], [3, 4]]);
    const options = {
      clipLow: 0.2,
      clipHigh: null,
      klLossCoef: 0.1,
      klEstimator: 'k1' as const,
      entropyCoef: 0.01,
      valueCoef: 0.5,
      aggregation: 'token-mean' as const,
      norm,
    };
    const terms = rlObjective(
      { logProbs: lp, entropy, oldLogProbs: oldLogProbs(), refLogProbs: ref, advantages: advantages(), mask: mask(), values: null, returns: null },
      options,
    );
    const { grads } = tf.variableGrads(
      () =>
        rlObjective(
          { logProbs: lp, entropy, oldLogProbs: oldLogProbs(), refLogProbs: ref, advantages: advantages(), mask: mask(), values: null, returns: null },
          options,
        ).loss,
      [lp],
    );
    return {
      loss: terms.loss.dataSync()[0]!,
      policy: terms.policy.dataSync()[0]!,
      kl: terms.kl!.dataSync()[0]!,
      entropy: terms.entropy!.dataSync()[0]!,
      clipped: terms.clippedTokens.dataSync()[0]!,
      grad: Array.from(grads[lp.name]!.dataSync()),
    };
  });
  lp.dispose();
  assert.equal(tf.memory().numTensors, before, 'no tensor leaks');
  close([out.policy], [-0.15]);
  // k1 per token: ln2, −ln2, 0 (masked: 0) → mean 0
  close([out.kl], [0]);
  close([out.entropy], [2]);
  close([out.loss], [-0.15 + 0.1 * 0 - 0.01 * 2]);
  assert.equal(out.clipped, 1);
  // d/dlogπ: surrogate −Aρ/3 on unclipped tokens (0 on the clipped one), plus 0.1/3 from k1 on every masked token
  close(out.grad, [0 + 0.1 / 3, -0.5 / 3 + 0.1 / 3, 1.25 / 3 + 0.1 / 3, 0]);
});
