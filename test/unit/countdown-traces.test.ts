// Search traces: solved traces answer correctly, every trace is deterministic
// for a seed, lines follow the documented format, and unsolved traces end with
// a well-formed wrong answer.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { xoroshiro128plus } from 'pure-rand';
import type { TraceStyle } from '../../src/core/spec/config';
import { generateProblems } from '../../src/core/countdown/generator';
import { hasWrittenSearch, searchTrace, solutionTrace } from '../../src/core/countdown/traces';
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

// step: a op b=r|numbers left, settled on the same line when two are left; state: @numbers (or the two
// numbers of a start of two), settled the same way; settle: "->target: " then op+result in order, then ok|no.
const SETTLE = '(->\\d+: [-+*/]\\d+( [-+*/]\\d+)* (ok|no))';
const STEP = new RegExp(`^\\d+[-+*/]\\d+=\\d+\\|\\d+( \\d+)*${SETTLE}?$`);
const STATE = new RegExp(`^@?\\d+( \\d+)+${SETTLE}?$`);

/** The value of `x op y` as the traces define it (larger operand first for - and /). */
function apply(o: string, x: number, y: number): number {
  const [hi, lo] = x >= y ? [x, y] : [y, x];
  return o === '+' ? x + y : o === '*' ? x * y : o === '-' ? hi - lo : hi / lo;
}

function parts(completion: string): { lines: string[]; last: string; answer: string } {
  const m = /^\n([\s\S]*)\n<\/think>\n<answer>([^<]*)<\/answer>$/.exec(completion);
  assert.ok(m, `completion shape: ${JSON.stringify(completion)}`);
  const lines = m[1]!.split('\n');
  return { lines: lines.slice(0, -1), last: lines[lines.length - 1]!, answer: m[2]! };
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
      for (const line of lines) assert.ok(STEP.test(line) || STATE.test(line), line);
      const nodes = lines.filter((l) => l.includes('|')).length + lines.filter((l) => l.includes(':')).length;
      assert.ok(nodes <= budget, 'the budget bounds the nodes (steps and settled pairs)');
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

test('every number a trace writes is right: steps, the target a settled pair restates, and its results', () => {
  fc.assert(
    fc.property(problem, style, fc.integer(), (p, s, seed) => {
      const { lines } = parts(searchTrace(p, s, 40, xoroshiro128plus(seed)).completion);
      for (const line of lines) {
        const [head, settled] = line.split(': ');
        const step = /^(\d+)([-+*/])(\d+)=(\d+)\|/.exec(head!);
        if (step) assert.equal(apply(step[2]!, Number(step[1]), Number(step[3])), Number(step[4]), line);
        if (settled === undefined) continue;
        const [state, restated] = head!.replace(/^.*\||^@/, '').split('->') as [string, string];
        assert.equal(Number(restated), p.target, line);
        const [x, y] = state.split(' ').map(Number) as [number, number];
        const results = settled.split(' ').slice(0, -1);
        for (const r of results) assert.equal(apply(r[0]!, x, y), Number(r.slice(1)), line);
        assert.equal(settled.endsWith('ok'), Number(results.at(-1)!.slice(1)) === p.target, line);
      }
    }),
    { numRuns: 200 },
  );
});

test('settling a pair with only the operations that can hit never misses a solution', () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 120 }), fc.integer({ min: 0, max: 120 }), fc.integer({ min: 1, max: 200 }), (x, y, target) => {
      const reachable = ['+', '-', '*', '/'].some((o) => (o !== '/' || (Math.min(x, y) !== 0 && Math.max(x, y) % Math.min(x, y) === 0)) && apply(o, x, y) === target);
      const trace = searchTrace({ numbers: [x, y], target }, 'dfs', 10, xoroshiro128plus(0));
      assert.equal(trace.solved, reachable, `${x} ${y} -> ${target}: ${trace.completion}`);
    }),
    { numRuns: 2000 },
  );
});

test('solution traces have no dead ends: one step per number down to two, settled on the last', () => {
  for (const p of problems) {
    const trace = solutionTrace(p, xoroshiro128plus(1));
    if (!trace.solved) continue;
    const { lines } = parts(trace.completion);
    assert.equal(lines.length, Math.max(1, p.numbers.length - 2));
    assert.ok(lines.every((l) => !l.startsWith('@')));
    assert.ok(lines.at(-1)!.endsWith(' ok'));
    assert.equal(scoreAnswer(trace.completion, p).verdict, 'correct');
  }
});

test('DFS tries pairs in list order, larger operand first, growing operations first when the target is above every number; a pair gets only the operations that can hit', () => {
  const trace = searchTrace({ numbers: [3, 2, 9], target: 12 }, 'dfs', 100, xoroshiro128plus(0));
  assert.ok(trace.solved);
  assert.deepEqual(parts(trace.completion).lines, [
    '3*2=6|9 6->12: *54 +15 no',
    '3+2=5|9 5->12: *45 +14 no',
    '3-2=1|9 1->12: *9 +10 no',
    '9*3=27|2 27->12: -25 no',
    '9+3=12|2 12->12: -10 /6 no',
    '9-3=6|2 6->12: *12 ok',
  ]);
  assert.equal(trace.expression, '(9-3)*2');
});

test('an exhausted search still answers, with its closest result', () => {
  const hard = { numbers: [1, 1, 1, 1], target: 97 };
  const trace = searchTrace(hard, 'dfs', 5, xoroshiro128plus(0));
  assert.equal(trace.solved, false);
  assert.equal(scoreAnswer(trace.completion, hard).verdict, 'wrong-value');
});

test('a written-out search is told apart from a bare answer', () => {
  const rng = xoroshiro128plus(1);
  for (const p of [{ numbers: [3, 9, 2], target: 12 }, { numbers: [1, 1, 1], target: 3 }]) {
    assert.equal(hasWrittenSearch(searchTrace(p, 'dfs', 100, rng).completion), true);
  }
  assert.equal(hasWrittenSearch('\n</think>\n<answer>(9-3)*2</answer>'), false);
  assert.equal(hasWrittenSearch('\n(9-3)*2=12\n</think>\n<answer>(9-3)*2</answer>'), false, 'the answer line alone is not a search');
  assert.equal(hasWrittenSearch('garbage 9-3=6|2'), false, 'a step line starts a line');
});
