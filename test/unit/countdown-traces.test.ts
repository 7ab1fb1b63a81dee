// Search traces: solved traces answer correctly, every trace is deterministic
// for a seed, lines follow the documented format, and unsolved traces end with
// a well-formed wrong answer.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { xoroshiro128plus } from 'pure-rand';
import type { TraceStyle } from '../../src/core/spec/config';
import { generateProblems } from '../../src/core/countdown/generator';
import { searchTrace, solutionTrace } from '../../src/core/countdown/traces';
import { scoreAnswer } from '../../src/core/countdown/verifier';

const problems = generateProblems({
  numbers: { min: 2, max: 5 },
  values: { min: 1, max: 50 },
  target: { min: 10, max: 100 },
  operators: ['+', '-', '*', '/'],
  train: 150,
  test: 0,
  seed: 3,
  heldOutTargets: 0,
}).train;

const style = fc.constantFrom<TraceStyle>('dfs', 'bfs', 'mixed');
const problem = fc.constantFrom(...problems);

// step: a op b=r|numbers left; leaf: a op b=r ok|no; state: @numbers; last: the answer = its value.
const STEP = /^\d+[-+*/]\d+=\d+\|\d+( \d+)+$/;
const LEAF = /^\d+[-+*/]\d+=\d+ (ok|no)$/;
const STATE = /^@\d+( \d+)+$/;

function parts(completion: string): { lines: string[]; last: string; answer: string } {
  const m = /^\n([\s\S]*)\n<\/think>\n<answer>([^<]*)<\/answer>$/.exec(completion);
  assert.ok(m, `completion shape: ${JSON.stringify(completion)}`);
  const lines = m[1].split('\n');
  return { lines: lines.slice(0, -1), last: lines[lines.length - 1], answer: m[2] };
}

test('a solved trace answers correctly; an unsolved one ends with a well-formed wrong answer', () => {
  fc.assert(
    fc.property(problem, style, fc.integer({ min: 1, max: 60 }), fc.integer(), (p, s, budget, seed) => {
      const trace = searchTrace(p, s, budget, xoroshiro128plus(seed));
      const scored = scoreAnswer(trace.completion, p);
      assert.equal(scored.verdict, trace.solved ? 'correct' : 'wrong-value');
      assert.equal(scored.expression, trace.expression);
      const { lines, last, answer } = parts(trace.completion);
      assert.equal(answer, trace.expression);
      assert.equal(last, `${trace.expression}=${scored.value}`, 'the last line states the answer and its value');
      for (const line of lines) assert.ok(STEP.test(line) || LEAF.test(line) || STATE.test(line), line);
      assert.ok(lines.filter((l) => !l.startsWith('@')).length <= budget, 'the budget bounds the nodes');
    }),
    { numRuns: 300 },
  );
});

test('traces are deterministic for a seed', () => {
  fc.assert(
    fc.property(problem, style, fc.integer(), (p, s, seed) => {
      assert.deepEqual(searchTrace(p, s, 30, xoroshiro128plus(seed)), searchTrace(p, s, 30, xoroshiro128plus(seed)));
      assert.deepEqual(solutionTrace(p, xoroshiro128plus(seed)), solutionTrace(p, xoroshiro128plus(seed)));
    }),
    { numRuns: 50 },
  );
});

test('solution traces have no dead ends: one step per number, then the leaf', () => {
  for (const p of problems) {
    const trace = solutionTrace(p, xoroshiro128plus(1));
    if (!trace.solved) continue;
    const { lines } = parts(trace.completion);
    assert.equal(lines.length, p.numbers.length - 1);
    assert.ok(lines.every((l) => !l.startsWith('@')));
    assert.equal(scoreAnswer(trace.completion, p).verdict, 'correct');
  }
});

test('a step line restates the numbers left after it', () => {
  const trace = searchTrace({ numbers: [44, 19, 35], target: 98 }, 'dfs', 20, xoroshiro128plus(0));
  assert.ok(trace.solved);
  const { lines } = parts(trace.completion);
  assert.equal(lines[0], '44+35=79|19 79');
  assert.equal(lines[1], '19+79=98 ok');
});

test('an exhausted search still answers, with its closest leaf', () => {
  const hard = { numbers: [1, 1, 1, 1], target: 97 };
  const trace = searchTrace(hard, 'dfs', 5, xoroshiro128plus(0));
  assert.equal(trace.solved, false);
  assert.equal(scoreAnswer(trace.completion, hard).verdict, 'wrong-value');
});
