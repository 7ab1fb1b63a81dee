// The solver agrees with the verifier: a problem is solvable exactly when a
// brute force over every expression finds an answer the verifier scores correct,
// and every solution the solver lists scores correct.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { Operator } from '../../src/core/spec/config';
import { type Expr, num, op, printExpr } from '../../src/core/countdown/expression';
import { solve } from '../../src/core/countdown/solver';
import { scoreAnswer } from '../../src/core/countdown/verifier';

/** Every expression over the numbers, each used once (all orders, all trees). */
function* allExpressions(items: Expr[]): Generator<Expr> {
  if (items.length === 1) {
    yield items[0]!;
    return;
  }
  for (let i = 0; i < items.length; i++) {
    for (let j = 0; j < items.length; j++) {
      if (i === j) continue;
      const rest = items.filter((_, k) => k !== i && k !== j);
      for (const o of ['+', '-', '*', '/'] as Operator[]) yield* allExpressions([...rest, op(o, items[i]!, items[j]!)]);
    }
  }
}

function bruteForce(numbers: number[], target: number): string | null {
  for (const e of allExpressions(numbers.map(num))) {
    const answer = printExpr(e);
    if (scoreAnswer(`<answer>${answer}</answer>`, { numbers, target }).verdict === 'correct') return answer;
  }
  return null;
}

test('solvable iff the brute force finds an answer the verifier scores correct (2 to 4 small numbers)', () => {
  fc.assert(
    fc.property(
      fc.array(fc.integer({ min: 0, max: 9 }), { minLength: 2, maxLength: 3 }),
      fc.integer({ min: -5, max: 30 }),
      (numbers, target) => {
        const result = solve({ numbers, target }, { all: true });
        assert.equal(result.solvable, bruteForce(numbers, target) !== null, `${numbers} -> ${target}`);
        for (const s of result.solutions) assert.equal(scoreAnswer(`<answer>${s}</answer>`, { numbers, target }).verdict, 'correct', s);
      },
    ),
    { numRuns: 300 },
  );
  fc.assert(
    fc.property(fc.array(fc.integer({ min: 1, max: 6 }), { minLength: 4, maxLength: 4 }), fc.integer({ min: 0, max: 40 }), (numbers, target) => {
      assert.equal(solve({ numbers, target }).solvable, bruteForce(numbers, target) !== null, `${numbers} -> ${target}`);
    }),
    { numRuns: 25 },
  );
});

test('fractional and negative intermediates count, as the verifier allows', () => {
  // 8 = 4 / (1 - 1/2) needs a fraction on the way.
  const r = solve({ numbers: [4, 1, 1, 2], target: 8 }, { all: true });
  assert.ok(r.solvable);
  assert.equal(solve({ numbers: [5, 5, 5, 1], target: 24 }).solvable, true); // (5 - 1/5) * 5
  assert.equal(solve({ numbers: [3, 3, 8, 8], target: 24 }).solvable, true); // 8 / (3 - 8/3)
  assert.equal(solve({ numbers: [1, 2], target: 7 }).solvable, false);
  assert.equal(solve({ numbers: [0, 0], target: 0 }).solvable, true);
  assert.equal(solve({ numbers: [7], target: 7 }).solutions[0], '7');
});

test('--all lists distinct solutions up to a limit, each scoring correct', () => {
  const problem = { numbers: [1, 2, 3, 4], target: 10 };
  const all = solve(problem, { all: true });
  assert.ok(all.solutions.length > 3);
  assert.equal(new Set(all.solutions).size, all.solutions.length);
  for (const s of all.solutions) assert.equal(scoreAnswer(`<answer>${s}</answer>`, problem).verdict, 'correct', s);
  assert.equal(solve(problem, { all: true, limit: 2 }).solutions.length, 2);
  assert.equal(solve(problem).solutions.length, 1);
});

test('operators restrict the solutions', () => {
  assert.equal(solve({ numbers: [2, 3, 4], target: 24 }, { operators: ['*'] }).solvable, true);
  assert.equal(solve({ numbers: [2, 3, 4], target: 9 }, { operators: ['*'] }).solvable, false);
  const r = solve({ numbers: [10, 5, 3], target: 15 }, { all: true, operators: ['+', '-'] });
  for (const s of r.solutions) assert.doesNotMatch(s, /[*/]/);
});

test('six numbers, and numbers large enough to need bigint arithmetic', () => {
  const six = { numbers: [75, 50, 25, 100, 3, 6], target: 952 };
  const r = solve(six);
  assert.ok(r.solvable);
  assert.equal(scoreAnswer(`<answer>${r.solutions[0]}</answer>`, six).verdict, 'correct');
  const big = { numbers: [999_999, 999_998, 999_997, 999_996, 999_995, 2], target: 999_999 * 999_998 + 2 };
  const b = solve(big);
  assert.ok(b.solvable);
  assert.equal(scoreAnswer(`<answer>${b.solutions[0]}</answer>`, big).verdict, 'correct');
  assert.throws(() => solve({ numbers: [1, 2, 3, 4, 5, 6, 7], target: 1 }), /1 to 6 numbers/);
});
