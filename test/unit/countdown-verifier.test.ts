// The verifier: every verdict, TinyZero's quirks, and arbitrary or adversarial
// input that must never throw and must finish quickly.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { VERDICTS, type Verdict } from '../../src/core/countdown/verdict';
import { extractAnswer, scoreAnswer } from '../../src/core/countdown/verifier';
import { cases, invalidCase, problem, tagged } from './verdict-table.helpers';

test('verdict table', () => {
  for (const [name, response, verdict] of cases) {
    assert.equal(scoreAnswer(response, problem).verdict, verdict, name);
  }
  const seen = new Set(cases.map((c) => c[2]));
  seen.add(scoreAnswer(invalidCase.response, invalidCase.problem).verdict);
  assert.deepEqual([...seen].sort(), [...VERDICTS].sort(), 'every verdict appears in the table');
});

test('division by zero with the right numbers is invalid', () => {
  const r = scoreAnswer(tagged('6/(1-1)'), { numbers: [6, 1, 1], target: 3 });
  assert.equal(r.verdict, 'invalid');
  assert.equal(r.score, 0.1);
});

test('scores follow the reward config, and fractions in between are exact', () => {
  assert.equal(scoreAnswer('nothing', problem).score, 0);
  assert.equal(scoreAnswer(tagged('1+1'), problem, { format: 0.25, correct: 2 }).score, 0.25);
  const r = scoreAnswer(tagged('44+19+35'), problem, { format: 0.25, correct: 2 });
  assert.deepEqual(r, { score: 2, verdict: 'correct', expression: '44+19+35', value: '98' });
  // 1/3 is no float: 1/3*3 is exactly 1.
  const exact = scoreAnswer(tagged('1/3*3+5'), { numbers: [1, 3, 3, 5], target: 6 });
  assert.equal(exact.verdict, 'correct');
  const near = scoreAnswer(tagged('(4-4/3)*3'), { numbers: [4, 4, 3, 3], target: 8 });
  assert.equal(near.verdict, 'correct');
  assert.equal(scoreAnswer(tagged('10/4'), { numbers: [10, 4], target: 2 }).value, '5/2');
});

test('answer extraction matches a non-greedy regex scanned left to right', () => {
  const regexLast = (s: string): string | null => {
    const all = [...s.matchAll(/<answer>([\s\S]*?)<\/answer>/g)];
    return all.length ? all[all.length - 1]![1]! : null;
  };
  const piece = fc.constantFrom('<answer>', '</answer>', '<', '>', 'a', '1+2', '\n', '</', 'answer');
  fc.assert(
    fc.property(fc.array(piece, { maxLength: 30 }), (parts) => {
      const s = parts.join('');
      assert.equal(extractAnswer(s), regexLast(s));
    }),
  );
});

test('random strings never throw and always get a known verdict', () => {
  const verdicts = new Set<string>(VERDICTS);
  const piece = fc.oneof(fc.string(), fc.constantFrom('<answer>', '</answer>', '(', ')', '44', '19', '35', '+', '/', '0', '*'));
  fc.assert(
    fc.property(fc.array(piece, { maxLength: 40 }), (parts) => {
      const r = scoreAnswer(parts.join(''), problem);
      assert.ok(verdicts.has(r.verdict));
    }),
    { numRuns: 2000 },
  );
});

test('megabytes of adversarial input finish quickly', () => {
  const mb = 1 << 20;
  const inputs = [
    'x'.repeat(4 * mb),
    '<answer>'.repeat(mb / 2),
    `<answer>${'('.repeat(2 * mb)}44+19+35${')'.repeat(2 * mb)}</answer>`,
    `<answer>${'9'.repeat(2 * mb)}+19+35</answer>`,
    `<answer>${'44+'.repeat(mb)}1</answer>`,
    `<answer>${'1*'.repeat(mb)}44+19+35</answer>`,
    '<answer></answer>'.repeat(mb / 16),
    `<answer>44**19**35</answer>`,
  ];
  const expected: Verdict[] = ['no-answer', 'no-answer', 'correct', 'wrong-numbers', 'wrong-numbers', 'wrong-numbers', 'unparsable', 'unparsable'];
  const start = performance.now();
  inputs.forEach((input, i) => assert.equal(scoreAnswer(input, problem).verdict, expected[i], `input ${i}`));
  // Not a speed target (bench:core measures speed): a bound so generous that only a
  // quadratic or exponential path (hours on these inputs) or a hang would break it.
  assert.ok(performance.now() - start < 60_000);
});
