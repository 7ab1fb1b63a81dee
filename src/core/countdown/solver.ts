// The Countdown solver: for every sub-multiset of the numbers, the set of exact
// values its binary trees reach (memoised on the multiset, so repeated numbers
// share work), then a lookup at the top split for the operand that completes the
// target. Intermediate values may be negative or fractional, exactly as the
// verifier allows, so "solvable" here equals "some answer scores correct".
import type { Operator } from '../spec/config';
import { type Expr, num, op, OPERATORS, printExpr } from './expression';
import { MAX_NUMBERS, type Problem } from './problem';
import { Rational } from './rational';

/** Exact arithmetic the search runs on: small-number fractions when provably safe, bigint otherwise. */
interface Arith<V> {
  leaf(x: number): V;
  add(a: V, b: V): V;
  sub(a: V, b: V): V;
  mul(a: V, b: V): V;
  /** null when b is zero. */
  div(a: V, b: V): V | null;
  isZero(a: V): boolean;
  equals(a: V, b: V): boolean;
  /** A float close to the value: a hash key, with `equals` settling collisions. */
  approx(a: V): number;
}

interface Frac {
  n: number;
  d: number;
}

function gcd(a: number, b: number): number {
  a = Math.abs(a);
  while (b !== 0) [a, b] = [b, a % b];
  return a;
}

function frac(n: number, d: number): Frac {
  if (d < 0) {
    n = -n;
    d = -d;
  }
  if (d === 1) return { n: n + 0, d };
  const g = gcd(n, d);
  return g === 1 ? { n, d } : { n: n / g + 0, d: d / g };
}

// Exact while every numerator and denominator stays a safe integer; `safeForFractions` proves that bound.
const fractions: Arith<Frac> = {
  leaf: (x) => ({ n: x, d: 1 }),
  add: (a, b) => (a.d === 1 && b.d === 1 ? { n: a.n + b.n, d: 1 } : frac(a.n * b.d + b.n * a.d, a.d * b.d)),
  sub: (a, b) => (a.d === 1 && b.d === 1 ? { n: a.n - b.n + 0, d: 1 } : frac(a.n * b.d - b.n * a.d, a.d * b.d)),
  mul: (a, b) => (a.d === 1 && b.d === 1 ? { n: a.n * b.n + 0, d: 1 } : frac(a.n * b.n, a.d * b.d)),
  div: (a, b) => (b.n === 0 ? null : frac(a.n * b.d, a.d * b.n)),
  isZero: (a) => a.n === 0,
  equals: (a, b) => a.n === b.n && a.d === b.d,
  approx: (a) => (a.d === 1 ? a.n : a.n / a.d),
};

const rationals: Arith<Rational> = {
  leaf: (x) => Rational.of(x),
  add: (a, b) => a.add(b),
  sub: (a, b) => a.sub(b),
  mul: (a, b) => a.mul(b),
  div: (a, b) => a.div(b),
  isZero: (a) => a.num === 0n,
  equals: (a, b) => a.equals(b),
  approx: (a) => Number(a.num) / Number(a.den),
};

/**
 * A value reached from k numbers has |numerator| and denominator at most
 * M = 2^(k-1)·Π max(1,x), and so do the products formed on the way. Value sets
 * are built only for subsets of at most n-1 numbers (the largest product drops
 * the smallest factor), and the target lookups reach at most M·(|target|+1).
 */
function safeForFractions(numbers: number[], target: number): boolean {
  const factors = numbers.map((x) => Math.max(1, x));
  let bound = 2 ** Math.max(0, numbers.length - 2) * (Math.abs(target) + 1);
  for (const x of factors) bound *= x;
  if (numbers.length > 1) bound /= Math.min(...factors);
  return bound <= Number.MAX_SAFE_INTEGER;
}

/** A reached value and how: a leaf, or an operator on two reached values. Trees are built only for answers. */
interface Reached<V> {
  value: V;
  leaf: number;
  op: Operator | null;
  left: Reached<V> | null;
  right: Reached<V> | null;
  /** The next value with the same float key (a rare collision). */
  next: Reached<V> | null;
}

function exprOf<V>(r: Reached<V>): Expr {
  return r.op === null ? num(r.leaf) : op(r.op, exprOf(r.left!), exprOf(r.right!));
}

/** Distinct values reached by one multiset, hashed on their float approximation. */
class Values<V> {
  readonly all: Reached<V>[] = [];
  private readonly byKey = new Map<number, Reached<V>>();

  constructor(private readonly A: Arith<V>) {}

  get(value: V): Reached<V> | undefined {
    for (let r = this.byKey.get(this.A.approx(value)); r; r = r.next ?? undefined) if (this.A.equals(r.value, value)) return r;
    return undefined;
  }

  add(value: V, leaf: number, o: Operator | null, left: Reached<V> | null, right: Reached<V> | null): void {
    const key = this.A.approx(value);
    const head = this.byKey.get(key);
    for (let r = head; r; r = r.next ?? undefined) if (this.A.equals(r.value, value)) return;
    const reached: Reached<V> = { value, leaf, op: o, left, right, next: head ?? null };
    this.byKey.set(key, reached);
    this.all.push(reached);
  }
}

export interface SolveOptions {
  /** Every distinct solution (up to `limit`) instead of the first. */
  all?: boolean;
  limit?: number;
  /** Operators solutions may use; all four by default. */
  operators?: readonly Operator[];
}

export interface Solution {
  solvable: boolean;
  /** Distinct answers the verifier scores correct: one unless `all`. */
  solutions: string[];
}

function popcount(x: number): number {
  let c = 0;
  for (; x; x &= x - 1) c++;
  return c;
}

/**
 * The unordered top splits (the side holding the lowest index), balanced ones
 * first: they need only the value sets of small subsets, and most solvable
 * problems finish there before the costly sets of n-1 numbers are built.
 */
function splitsCheapestFirst(mask: number): number[] {
  const low = mask & -mask;
  const out: number[] = [];
  for (let left = (mask - 1) & mask; left > 0; left = (left - 1) & mask) if (left & low) out.push(left);
  const cost = (left: number): number => Math.max(popcount(left), popcount(mask ^ left));
  return out.sort((a, b) => cost(a) - cost(b) || b - a);
}

class Search<V> {
  private readonly memo = new Map<string, Values<V>>();
  private readonly byMask: (Values<V> | undefined)[] = [];
  private readonly splits: (number[] | undefined)[] = [];
  private readonly ops: Set<Operator>;

  constructor(
    private readonly A: Arith<V>,
    private readonly numbers: number[],
    operators: readonly Operator[],
  ) {
    this.ops = new Set(operators);
  }

  private multisetOf(mask: number): number[] {
    const out: number[] = [];
    for (let i = 0; i < this.numbers.length; i++) if (mask & (1 << i)) out.push(this.numbers[i]!);
    return out.sort((a, b) => a - b);
  }

  /** Every value the numbers in `mask` reach, each with one tree that reaches it. */
  values(mask: number): Values<V> {
    const known = this.byMask[mask];
    if (known) return known;
    const key = this.multisetOf(mask).join(',');
    const cached = this.memo.get(key);
    if (cached) return (this.byMask[mask] = cached);
    const out = new Values(this.A);
    if ((mask & (mask - 1)) === 0) {
      // A one-bit mask: the index of that bit.
      const x = this.numbers[31 - Math.clz32(mask)]!;
      out.add(this.A.leaf(x), x, null, null, null);
    } else {
      const low = mask & -mask;
      // Each unordered split once: the left side holds the lowest index.
      for (let left = (mask - 1) & mask; left > 0; left = (left - 1) & mask) {
        if (!(left & low)) continue;
        const right = mask ^ left;
        this.combine(this.values(left), this.values(right), out);
      }
    }
    this.memo.set(key, out);
    this.byMask[mask] = out;
    return out;
  }

  private combine(L: Values<V>, R: Values<V>, out: Values<V>): void {
    const { A, ops } = this;
    const plus = ops.has('+');
    const times = ops.has('*');
    const minus = ops.has('-');
    const divide = ops.has('/');
    for (const a of L.all) {
      for (const b of R.all) {
        if (plus) out.add(A.add(a.value, b.value), 0, '+', a, b);
        if (times) out.add(A.mul(a.value, b.value), 0, '*', a, b);
        if (minus) {
          out.add(A.sub(a.value, b.value), 0, '-', a, b);
          out.add(A.sub(b.value, a.value), 0, '-', b, a);
        }
        if (divide) {
          const q = A.div(a.value, b.value);
          if (q !== null) out.add(q, 0, '/', a, b);
          const p = A.div(b.value, a.value);
          if (p !== null) out.add(p, 0, '/', b, a);
        }
      }
    }
  }

  /** A tree over `mask` for when any value will do: the numbers added up (non-negative, so zero only if all are). */
  private sumOf(mask: number): { expr: Expr; zero: boolean } {
    let expr: Expr | null = null;
    let zero = true;
    for (let i = 0; i < this.numbers.length; i++) {
      if (!(mask & (1 << i))) continue;
      const x = this.numbers[i]!;
      if (x !== 0) zero = false;
      expr = expr === null ? num(x) : op('+', expr, num(x));
    }
    return { expr: expr!, zero };
  }

  /**
   * Visits trees over `mask` worth `t` until `visit` returns false (then
   * returns false). At each split the side with fewer numbers (or fewer values)
   * is enumerated and the operand that completes `t` is looked up in the other
   * side's value set; from five numbers on, a side of n-1 numbers is asked
   * recursively instead, so its large value set is never built.
   */
  reach(mask: number, t: V, visit: (e: Expr) => boolean): boolean {
    const { A, ops } = this;
    if ((mask & (mask - 1)) === 0) {
      // One number has one value.
      const leaf = this.values(mask).all[0]!;
      return !A.equals(leaf.value, t) || visit(exprOf(leaf));
    }
    const tZero = A.isZero(t);
    const splits = (this.splits[mask] ??= splitsCheapestFirst(mask));
    for (const left of splits) {
      const right = mask ^ left;
      let [small, big] = popcount(left) <= popcount(right) ? [left, right] : [right, left];
      const recursive = this.numbers.length >= 5 && popcount(big) >= this.numbers.length - 1;
      if (!recursive && this.values(small).all.length > this.values(big).all.length) [small, big] = [big, small];
      const table = recursive ? null : this.values(big);
      /** Visits each b over `big` worth `need`, combined with `a` by `combine`. */
      const other = (need: V | null, combine: (b: Expr) => Expr): boolean => {
        if (need === null) return true;
        if (table === null) return this.reach(big, need, (b) => visit(combine(b)));
        const b = table.get(need);
        return b === undefined || visit(combine(exprOf(b)));
      };
      for (const a of this.values(small).all) {
        const ea = exprOf(a);
        const aZero = A.isZero(a.value);
        if (ops.has('+') && !other(A.sub(t, a.value), (b) => op('+', ea, b))) return false;
        if (ops.has('*')) {
          if (!aZero && !other(A.div(t, a.value), (b) => op('*', ea, b))) return false;
          if (aZero && tZero && !visit(op('*', ea, this.sumOf(big).expr))) return false;
        }
        if (ops.has('-')) {
          if (!other(A.sub(a.value, t), (b) => op('-', ea, b))) return false;
          if (!other(A.add(t, a.value), (b) => op('-', b, ea))) return false;
        }
        if (ops.has('/')) {
          if (!tZero && !aZero && !other(A.div(a.value, t), (b) => op('/', ea, b))) return false;
          if (tZero && aZero) {
            const any = this.sumOf(big);
            if (!any.zero && !visit(op('/', ea, any.expr))) return false;
          }
          if (!aZero && !other(A.mul(t, a.value), (b) => op('/', b, ea))) return false;
        }
      }
    }
    return true;
  }
}

/** The tree with the operands of every + and * in printed order, as a key for commutative duplicates. */
function canonical(e: Expr): Expr {
  if (e.kind === 'num') return e;
  const l = canonical(e.left);
  const r = canonical(e.right);
  if ((e.op === '+' || e.op === '*') && printExpr(r) < printExpr(l)) return op(e.op, r, l);
  return op(e.op, l, r);
}

export function solve(problem: Problem, options: SolveOptions = {}): Solution {
  const { numbers, target } = problem;
  if (numbers.length < 1 || numbers.length > MAX_NUMBERS)
    throw new RangeError(`the solver takes 1 to ${MAX_NUMBERS} numbers, not ${numbers.length}`);
  const operators = options.operators ?? OPERATORS;
  const limit = options.all ? (options.limit ?? Infinity) : 1;
  // Solutions that differ only in the order of + or * operands count once.
  const found = new Map<string, string>();
  const visit = (e: Expr): boolean => {
    const key = printExpr(canonical(e));
    if (!found.has(key)) found.set(key, printExpr(e));
    return found.size < limit;
  };
  if (safeForFractions(numbers, target)) {
    const search = new Search(fractions, numbers, operators);
    search.reach((1 << numbers.length) - 1, fractions.leaf(target), visit);
  } else {
    const search = new Search(rationals, numbers, operators);
    search.reach((1 << numbers.length) - 1, rationals.leaf(target), visit);
  }
  const solutions = [...found.values()];
  return { solvable: solutions.length > 0, solutions };
}
