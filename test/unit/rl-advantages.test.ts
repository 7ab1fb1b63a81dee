import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fc from 'fast-check';
import {
  drGrpoAdvantages,
  gae,
  grpoAdvantages,
  reinforceAdvantages,
  rlooAdvantages,
  outcomeAdvantages,
  std,
  whiten,
  zeroSignalShare,
} from '../../src/trainer/rl/advantages';

function close(actual: readonly number[], expected: readonly number[], tol = 1e-6): void {
  assert.equal(actual.length, expected.length);
  actual.forEach((a, i) => assert.ok(Math.abs(a - expected[i]!) <= tol, `[${i}] ${a} != ${expected[i]}`));
}

// Two prompts, 3 samples each: rewards 1 / 0.1 / 0 (correct, wrong, no answer), then all 0.1.
const rewards = [1, 0.1, 0, 0.1, 0.1, 0.1];

test('grpo: group z-score with the unbiased std and eps 1e-6', () => {
  // mean 0.366667, deviations 0.633333 -0.266667 -0.366667, std sqrt(0.606667 / 2) = 0.550757
  close(grpoAdvantages(rewards, 3), [1.149930, -0.484181, -0.665749, 0, 0, 0]);
  // a pair: ±0.5 / (sqrt(0.5) + 1e-6)
  close(grpoAdvantages([1, 0], 2), [0.707106, -0.707106]);
});

test('dr-grpo: centred on the group mean, no std division', () => {
  close(drGrpoAdvantages(rewards, 3), [0.633333, -0.266667, -0.366667, 0, 0, 0]);
});

test('rloo: each sample against the mean of the others', () => {
  // 1 - (0.1 + 0)/2, 0.1 - (1 + 0)/2, 0 - (1 + 0.1)/2
  close(rlooAdvantages(rewards, 3), [0.95, -0.4, -0.55, 0, 0, 0]);
  assert.throws(() => rlooAdvantages([1, 0], 1), /at least 2/);
});

test('reinforce: centred on the batch mean', () => {
  close(reinforceAdvantages([1, 0.1, 0, 0]), [0.725, -0.175, -0.275, -0.275]);
});

test('grpo reward scaling: group, batch or none', () => {
  const centred = [0.633333, -0.266667, -0.366667, 0, 0, 0];
  close(grpoAdvantages(rewards, 3, 'none'), centred);
  // batch std of the six rewards: mean 0.233333, std sqrt(0.713333 / 5) = 0.377712
  close(grpoAdvantages(rewards, 3, 'batch'), centred.map((a) => a / (0.3777124 + 1e-6)));
  assert.ok(Math.abs(std(rewards) - 0.3777124) < 1e-6);
});

test('outcome advantages: the algorithm picks the estimator; reward-scaling applies to grpo only', () => {
  close(outcomeAdvantages('grpo', rewards, 3, 'group'), grpoAdvantages(rewards, 3));
  close(outcomeAdvantages('grpo', rewards, 3, 'none'), drGrpoAdvantages(rewards, 3));
  close(outcomeAdvantages('dr-grpo', rewards, 3, 'group'), drGrpoAdvantages(rewards, 3));
  close(outcomeAdvantages('rloo', rewards, 3, 'group'), rlooAdvantages(rewards, 3));
  close(outcomeAdvantages('reinforce', rewards, 3, 'batch'), reinforceAdvantages(rewards));
});

test('zero-signal share counts groups whose rewards are all equal', () => {
  assert.equal(zeroSignalShare(rewards, 3), 0.5);
  assert.equal(zeroSignalShare([0, 0, 1, 1, 0, 1], 2), 2 / 3);
  assert.throws(() => zeroSignalShare([1, 2, 3], 2), /do not split into groups of 2/);
});

test('gae: hand-computed advantages and returns', () => {
  const values = [[0.5, 0.4, 0.6]];
  const r = [[0, 0, 1]];
  // γ = λ = 1: advantages are returns − values, returns are the future reward sum
  const full = gae(r, values, 1, 1);
  close(full.advantages[0]!, [0.5, 0.6, 0.4]);
  close(full.returns[0]!, [1, 1, 1]);
  // γ 0.9, λ 0.5: δ = (−0.14, 0.14, 0.4); A2 = 0.4, A1 = 0.14 + 0.45·0.4, A0 = −0.14 + 0.45·0.32
  const discounted = gae(r, values, 0.9, 0.5);
  close(discounted.advantages[0]!, [0.004, 0.32, 0.4]);
  close(discounted.returns[0]!, [0.504, 0.72, 1.0]);
  assert.throws(() => gae([[1]], [[1, 2]], 1, 1), /1 rewards but 2 values/);
});

test('whiten: zero mean and unit std over all tokens', () => {
  const w = whiten([[1, 2], [3]]).flat();
  close(w, [-1, 0, 1]);
});

test('properties: group estimators sum to 0 per group and ignore a constant shift', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 2, max: 6 }),
      fc.array(fc.constantFrom(0, 0.1, 1), { minLength: 12, maxLength: 12 }),
      fc.double({ min: -5, max: 5, noNaN: true }),
      (group, raw, shift) => {
        const rs = raw.slice(0, raw.length - (raw.length % group));
        for (const estimator of [
          (x: number[]) => grpoAdvantages(x, group),
          (x: number[]) => drGrpoAdvantages(x, group),
          (x: number[]) => rlooAdvantages(x, group),
        ]) {
          const a = estimator(rs);
          for (let g = 0; g < rs.length; g += group) {
            const sum = a.slice(g, g + group).reduce((s, v) => s + v, 0);
            assert.ok(Math.abs(sum) < 1e-6);
          }
          close(estimator(rs.map((r) => r + shift)), a, 1e-5);
        }
      },
    ),
  );
});
