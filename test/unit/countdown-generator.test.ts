// The generator: distinct solvable problems, a disjoint frozen test split,
// held-out targets, and the same problems for the same seed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateProblems, type GeneratorTask } from '../../src/core/countdown/generator';
import { problemKey } from '../../src/core/countdown/problem';
import { solve } from '../../src/core/countdown/solver';
import { scoreAnswer } from '../../src/core/countdown/verifier';
import { problemSpace } from '../../src/core/spec/problem-space';
import type { Operator } from '../../src/core/spec/config';

const task: GeneratorTask = {
  numbers: { min: 2, max: 4 },
  values: { min: 1, max: 30 },
  target: { min: 10, max: 60 },
  operators: ['+', '-', '*', '/'],
  train: 300,
  test: 100,
  seed: 7,
  heldOutTargets: 0.2,
};

const set = generateProblems(task);

test('every problem is solvable, in range, and its first solution scores correct', () => {
  for (const p of [...set.train, ...set.test]) {
    assert.ok(p.numbers.length >= 2 && p.numbers.length <= 4);
    assert.ok(p.numbers.every((n) => n >= 1 && n <= 30));
    assert.ok(p.target >= 10 && p.target <= 60);
    const { solvable, solutions } = solve(p);
    assert.ok(solvable);
    assert.equal(scoreAnswer(`<answer>${solutions[0]}</answer>`, p).verdict, 'correct');
  }
  assert.equal(set.train.length, 300);
  assert.equal(set.test.length, 100);
});

test('problems are distinct (permutations are one problem) and the test split is disjoint from train', () => {
  const train = set.train.map(problemKey);
  const test = set.test.map(problemKey);
  assert.equal(new Set(train).size, train.length);
  assert.equal(new Set(test).size, test.length);
  const trainKeys = new Set(train);
  assert.ok(test.every((k) => !trainKeys.has(k)));
  assert.equal(problemKey({ numbers: [3, 1, 2], target: 5 }), problemKey({ numbers: [2, 3, 1], target: 5 }));
});

test('held-out targets never appear in train', () => {
  assert.equal(set.heldOutTargets.length, Math.round(0.2 * 51));
  const held = new Set(set.heldOutTargets);
  assert.ok(set.train.every((p) => !held.has(p.target)));
  assert.ok(set.test.some((p) => held.has(p.target)), 'the test split uses held-out targets');
});

test('the same seed gives the same problems; another seed other ones; the test split is frozen across train sizes', () => {
  assert.deepEqual(generateProblems(task), set);
  assert.notDeepEqual(generateProblems({ ...task, seed: 8 }).train, set.train);
  const bigger = generateProblems({ ...task, train: 400 });
  assert.deepEqual(bigger.test, set.test);
  assert.deepEqual(bigger.train.slice(0, 300), set.train);
});

test('a pinned seed gives pinned problems on every machine', () => {
  const pinned = generateProblems({ ...task, numbers: { min: 3, max: 3 }, values: { min: 1, max: 99 }, target: { min: 10, max: 100 }, train: 2, test: 2, heldOutTargets: 0 });
  assert.deepEqual(pinned.test, [
    { numbers: [77, 5, 87], target: 15 },
    { numbers: [44, 26, 2], target: 20 },
  ]);
});

test('a task too narrow for the count fails with a message that says what to change', () => {
  assert.throws(
    () => generateProblems({ ...task, numbers: { min: 2, max: 2 }, values: { min: 1, max: 2 }, train: 50, test: 0, heldOutTargets: 0 }),
    /found only \d+ of 50 distinct solvable train problems; widen/,
  );
  assert.throws(() => generateProblems({ ...task, values: { min: 5, max: 1 } }), /min <= max/);
  assert.throws(() => generateProblems({ ...task, numbers: { min: 2, max: 7 } }), /1\.\.6/);
});

test('an RL pool is disjoint from train and test, and reserving one changes neither', () => {
  const withPool = generateProblems({ ...task, rlPool: 150 });
  assert.equal(withPool.rlPool.length, 150);
  assert.deepEqual(withPool.train, set.train);
  assert.deepEqual(withPool.test, set.test);
  const seen = new Set([...set.train, ...set.test].map(problemKey));
  assert.ok(withPool.rlPool.every((p) => !seen.has(problemKey(p))));
  assert.equal(new Set(withPool.rlPool.map(problemKey)).size, 150);
  const held = new Set(withPool.heldOutTargets);
  assert.ok(withPool.rlPool.every((p) => !held.has(p.target)), 'held-out targets stay out of RL too');
  assert.deepEqual(set.rlPool, []);
});

test('the validator\'s estimate of a sampled problem space agrees with what the generator can produce', () => {
  // 3 numbers of 1..9, targets 1..30: 4,950 pairs, too many to count on every keystroke, so the rule samples them
  // while the task asks for a small share, and counts them when it asks for most.
  const space = { numbers: { min: 3, max: 3 }, values: { min: 1, max: 9 }, target: { min: 1, max: 30 }, operators: ['+', '-', '*', '/'] as Operator[] };
  const estimate = problemSpace(space, 300);
  assert.equal(estimate.exact, false);
  let exact = 0;
  for (let a = 1; a <= 9; a++) for (let b = a; b <= 9; b++) for (let c = b; c <= 9; c++) for (let t = 1; t <= 30; t++) if (solve({ numbers: [a, b, c], target: t }).solvable) exact++;
  assert.ok(Math.abs(estimate.solvable - exact) / exact < 0.08, `estimate ${estimate.solvable} vs exact ${exact}`);
  assert.ok(estimate.upper >= exact, `upper bound ${estimate.upper} below the exact ${exact}`);
  assert.deepEqual(problemSpace(space, 1000), { pairs: 4950, solvable: exact, upper: exact, exact: true, checked: 4950 });
  // The generator reaches nearly all of them.
  const generated = generateProblems({ ...space, train: Math.floor(exact * 0.95) - 300, test: 300, seed: 3, heldOutTargets: 0 });
  assert.equal(generated.train.length + generated.test.length, Math.floor(exact * 0.95));
});
