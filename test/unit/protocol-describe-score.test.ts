// The one wording of an evaluation score that logs, the terminal and the editor share.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { describeScore } from '../../src/core/protocol/describe-score';

const score = { n: 30, pass1: 0.0667, passK: 0.2, formatRate: 0.8333, lengthMean: 120 };

test('a score reads greedy pass@1, sampled pass@k and the format rate', () => {
  assert.equal(describeScore(score, 8), 'pass@1 6.7%, pass@8 20.0%, format 83.3%');
});

test('with one sample, the sampled pass@k is left out rather than shown as a second pass@1', () => {
  assert.equal(describeScore(score, 1), 'pass@1 6.7%, format 83.3%');
});
