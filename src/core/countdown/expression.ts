// Countdown answer expressions: a tree type the solver and the traces build and
// print, and the strict answer parser the verifier uses. The parser is a
// shunting-yard over an explicit stack, so it runs in linear time and never
// recurses, whatever the nesting depth of the input.
import type { Operator } from '../spec/config';
import { Rational } from './rational';

export type Expr = { kind: 'num'; value: number } | { kind: 'op'; op: Operator; left: Expr; right: Expr };

export const OPERATORS: readonly Operator[] = ['+', '-', '*', '/'];

const PRECEDENCE: Record<Operator, number> = { '+': 1, '-': 1, '*': 2, '/': 2 };

export function num(value: number): Expr {
  return { kind: 'num', value };
}

export function op(operator: Operator, left: Expr, right: Expr): Expr {
  return { kind: 'op', op: operator, left, right };
}

function precedenceOf(e: Expr): number {
  return e.kind === 'num' ? 3 : PRECEDENCE[e.op];
}

/** Prints with the fewest parentheses that keep the tree's meaning under left associativity. */
export function printExpr(e: Expr): string {
  if (e.kind === 'num') return String(e.value);
  const p = PRECEDENCE[e.op];
  const left = printExpr(e.left);
  const right = printExpr(e.right);
  const lp = precedenceOf(e.left) < p;
  // a-(b-c) and a/(b*c) need their parentheses; a+(b-c) and a*(b/c) do not.
  const rp = precedenceOf(e.right) < p || (precedenceOf(e.right) === p && (e.op === '-' || e.op === '/'));
  return `${lp ? `(${left})` : left}${e.op}${rp ? `(${right})` : right}`;
}

/** Exact value of a tree; null when it divides by zero. Trees here are small (solver and trace output). */
export function evalExpr(e: Expr): Rational | null {
  if (e.kind === 'num') return Rational.of(e.value);
  const l = evalExpr(e.left);
  const r = evalExpr(e.right);
  if (l === null || r === null) return null;
  return applyOperator(e.op, l, r);
}

export function applyOperator(operator: Operator, l: Rational, r: Rational): Rational | null {
  switch (operator) {
    case '+':
      return l.add(r);
    case '-':
      return l.sub(r);
    case '*':
      return l.mul(r);
    case '/':
      return l.div(r);
  }
}

export function leaves(e: Expr): number[] {
  return e.kind === 'num' ? [e.value] : [...leaves(e.left), ...leaves(e.right)];
}

/** A parsed answer in postfix order: integer literals (as written) and operators. */
export interface Program {
  postfix: string[];
  literals: string[];
}

export type ParseResult = { ok: true; program: Program } | { ok: false; error: string; at: number };

function isOperator(c: string): c is Operator {
  return c === '+' || c === '-' || c === '*' || c === '/';
}

const ZERO = 48;
const NINE = 57;

function isSpace(code: number): boolean {
  return code === 32 || code === 9 || code === 10 || code === 13;
}

/**
 * Parses non-negative integer literals without leading zeros, binary + - * /,
 * parentheses and ASCII whitespace; anything else (unary signs, `**`, `//`,
 * `=`, decimals, other characters) is an error at its position.
 */
export function parseExpression(text: string): ParseResult {
  const postfix: string[] = [];
  const literals: string[] = [];
  const stack: string[] = []; // operators and '('
  let expectOperand = true;
  let i = 0;
  const fail = (error: string, at: number): ParseResult => ({ ok: false, error, at });
  while (i < text.length) {
    const code = text.charCodeAt(i);
    if (isSpace(code)) {
      i++;
      continue;
    }
    const c = text[i]!; // i < text.length
    if (expectOperand) {
      if (code >= ZERO && code <= NINE) {
        let j = i + 1;
        while (j < text.length && text.charCodeAt(j) >= ZERO && text.charCodeAt(j) <= NINE) j++;
        if (code === ZERO && j - i > 1) return fail('number with a leading zero', i);
        const literal = text.slice(i, j);
        postfix.push(literal);
        literals.push(literal);
        expectOperand = false;
        i = j;
      } else if (c === '(') {
        stack.push(c);
        i++;
      } else {
        return fail(`expected a number or '(' but found '${c}'`, i);
      }
    } else if (isOperator(c)) {
      const p = PRECEDENCE[c];
      while (stack.length > 0) {
        const top = stack[stack.length - 1];
        if (top === '(' || PRECEDENCE[top as Operator] < p) break;
        postfix.push(stack.pop()!);
      }
      stack.push(c);
      expectOperand = true;
      i++;
    } else if (c === ')') {
      let top = stack.pop();
      while (top !== undefined && top !== '(') {
        postfix.push(top);
        top = stack.pop();
      }
      if (top === undefined) return fail("')' without a matching '('", i);
      i++;
    } else {
      return fail(`expected an operator or ')' but found '${c}'`, i);
    }
  }
  if (literals.length === 0) return fail('empty expression', 0);
  if (expectOperand) return fail('expression ends after an operator', text.length);
  while (stack.length > 0) {
    const top = stack.pop()!;
    if (top === '(') return fail("'(' is never closed", text.length);
    postfix.push(top);
  }
  return { ok: true, program: { postfix, literals } };
}

/** Exact value of a parsed program; null when it divides by zero. */
export function evaluateProgram(program: Program): Rational | null {
  const values: Rational[] = [];
  for (const item of program.postfix) {
    if (isOperator(item)) {
      const r = values.pop()!;
      const l = values.pop()!;
      const v = applyOperator(item, l, r);
      if (v === null) return null;
      values.push(v);
    } else {
      values.push(Rational.of(BigInt(item)));
    }
  }
  // A parsed program leaves exactly one value.
  return values[0]!;
}
