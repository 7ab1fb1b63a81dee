// Exact arithmetic and expressions: the tree evaluator, the printer and the
// strict parser agree with an independent evaluation on unreduced bigint fractions.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { Operator } from '../../src/core/spec/config';
import { type Expr, evalExpr, evaluateProgram, leaves, num, op, parseExpression, printExpr } from '../../src/core/countdown/expression';
import { Rational } from '../../src/core/countdown/rational';

/** Independent evaluation: unreduced fractions [num, den], compared by cross-multiplication. */
type Frac = [bigint, bigint];
function independent(e: Expr): Frac | null {
  if (e.kind === 'num') return [BigInt(e.value), 1n];
  const l = independent(e.left);
  const r = independent(e.right);
  if (!l || !r) return null;
  const [a, b] = l;
  const [c, d] = r;
  switch (e.op) {
    case '+':
      return [a * d + c * b, b * d];
    case '-':
      return [a * d - c * b, b * d];
    case '*':
      return [a * c, b * d];
    case '/':
      return c === 0n ? null : [a * d, b * c];
  }
}

function sameValue(r: Rational | null, f: Frac | null): boolean {
  if (r === null || f === null) return r === null && f === null;
  return r.num * f[1] === f[0] * r.den;
}

const operator = fc.constantFrom<Operator>('+', '-', '*', '/');
const tree: fc.Arbitrary<Expr> = fc.letrec<{ e: Expr }>((t) => ({
  e: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.integer({ min: 0, max: 120 }).map(num),
    fc.tuple(operator, t('e'), t('e')).map(([o, l, r]) => op(o, l, r)),
  ),
})).e;

test('Rational reduces and normalises signs', () => {
  assert.equal(Rational.of(6, -4).toString(), '-3/2');
  assert.equal(Rational.of(0, -5).toString(), '0');
  assert.ok(Rational.of(2, 4).equals(Rational.of(1, 2)));
  assert.equal(Rational.of(1).div(Rational.of(0)), null);
  assert.throws(() => Rational.of(1, 0), RangeError);
});

test('evalExpr agrees with independent fraction arithmetic', () => {
  fc.assert(fc.property(tree, (e) => sameValue(evalExpr(e), independent(e))));
});

test('printed trees parse back to the same value and the same literals', () => {
  fc.assert(
    fc.property(tree, (e) => {
      const text = printExpr(e);
      const parsed = parseExpression(text);
      assert.ok(parsed.ok, `${text} should parse`);
      assert.deepEqual(parsed.program.literals.map(Number), leaves(e));
      assert.ok(sameValue(evaluateProgram(parsed.program), independent(e)), text);
    }),
  );
});

test('the printer keeps the parentheses that matter and drops the rest', () => {
  assert.equal(printExpr(op('-', num(1), op('-', num(2), num(3)))), '1-(2-3)');
  assert.equal(printExpr(op('/', num(8), op('*', num(2), num(2)))), '8/(2*2)');
  assert.equal(printExpr(op('+', num(1), op('-', num(2), num(3)))), '1+2-3');
  assert.equal(printExpr(op('*', op('+', num(1), num(2)), num(3))), '(1+2)*3');
  assert.equal(printExpr(op('-', op('-', num(1), num(2)), num(3))), '1-2-3');
});

test('precedence and left associativity', () => {
  const value = (text: string): string => {
    const p = parseExpression(text);
    assert.ok(p.ok, text);
    return String(evaluateProgram(p.program));
  };
  assert.equal(value('2+3*4'), '14');
  assert.equal(value('(2+3)*4'), '20');
  assert.equal(value('10-4-3'), '3');
  assert.equal(value('64/4/2'), '8');
  assert.equal(value('1/3+1/6'), '1/2');
  assert.equal(value(' ( 7 ) \n'), '7');
});

test('20,000 nested parentheses parse without a stack overflow, and unbalanced ones are rejected', () => {
  const deep = `${'('.repeat(20_000)}1+2${')'.repeat(20_000)}`;
  const p = parseExpression(deep);
  assert.ok(p.ok);
  assert.equal(String(evaluateProgram(p.program)), '3');
  assert.equal(parseExpression(`${'('.repeat(20_000)}1`).ok, false);
  assert.equal(parseExpression(`1${')'.repeat(20_000)}`).ok, false);
  const chain = Array.from({ length: 20_000 }, () => '1').join('-');
  const c = parseExpression(chain);
  assert.ok(c.ok);
  assert.equal(String(evaluateProgram(c.program)), String(1 - 19_999));
});

test('the parser rejects everything outside the grammar', () => {
  for (const text of ['', '  ', '-1+2', '+1', '2**3', '8//2', '1.5+2', '1=1', '01+2', '1 2', '(1+2', '1+2)', '()', '1+', 'x', '1(2)', '1e3', '１+2']) {
    assert.equal(parseExpression(text).ok, false, JSON.stringify(text));
  }
  assert.ok(parseExpression('0+10').ok);
});
