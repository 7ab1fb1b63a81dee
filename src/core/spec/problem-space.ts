// How many distinct solvable problems a task can produce, for the rule that
// train + test must fit. Small spaces are counted exactly with the solver;
// large ones are estimated from a fixed, seeded sample drawn the way the
// generator draws (so the same spec always gets the same estimate). Results
// are cached by task shape, because the language server re-validates on
// every keystroke and the task rarely changes.
import { unsafeUniformIntDistribution, xoroshiro128plus } from 'pure-rand';
import { solve } from '../countdown/solver';
import type { TaskConfig } from './config';

export interface ProblemSpace {
  /** Distinct (number multiset, target) pairs, solvable or not. */
  pairs: number;
  /** Estimated distinct solvable problems. */
  solvable: number;
  /** A generous upper bound on `solvable` (equal to it when exact). */
  upper: number;
  exact: boolean;
  /** Problems the solver checked. */
  checked: number;
}

/** Solver calls per number count: about 40 ms of work at each count. */
const SAMPLES: Record<number, number> = { 1: 4000, 2: 2000, 3: 1000, 4: 300, 5: 12, 6: 1 };
/** Pairs per number count small enough to count exactly (well under a second) when the sampled estimate is tight. */
const EXACT_LIMIT: Record<number, number> = { 2: 100_000, 3: 30_000, 4: 5_000 };
/** A count whose pair space dwarfs what is asked is not sampled at all. */
const PLENTY = 1000;

const cache = new Map<string, ProblemSpace>();

/** Multisets of size k from v values: C(v + k - 1, k). */
function multisets(v: number, k: number): number {
  let r = 1;
  for (let i = 1; i <= k; i++) r = (r * (v + i - 1)) / i;
  return Math.round(r);
}

export function problemSpace(task: Pick<TaskConfig, 'numbers' | 'values' | 'target' | 'operators'>, wanted: number): ProblemSpace {
  const key = JSON.stringify([task.numbers, task.values, task.target, task.operators, wanted]);
  const hit = cache.get(key);
  if (hit) return hit;
  const values = task.values.max - task.values.min + 1;
  const targets = task.target.max - task.target.min + 1;
  const parts: Array<ProblemSpace & { n: number }> = [];
  for (let n = task.numbers.min; n <= task.numbers.max; n++) {
    const pairs = multisets(values, n) * targets;
    // |value| of any expression over n numbers is at most 2^(n-1)·Π max(1, x) (see the solver).
    if (task.target.min > 2 ** (n - 1) * Math.max(1, task.values.max) ** n) {
      parts.push({ n, pairs, solvable: 0, upper: 0, exact: true, checked: 0 });
    } else if (pairs <= (SAMPLES[n] ?? 1)) {
      parts.push({ n, ...exactly(task, n, pairs) });
    } else if (pairs >= PLENTY * wanted) {
      parts.push({ n, pairs, solvable: pairs, upper: pairs, exact: false, checked: 0 });
    } else {
      parts.push({ n, ...sampled(task, n, pairs, values) });
    }
  }
  // When the task asks for a large share of what it has, a sample's error decides whether the generator
  // runs out, so the counts that are small enough to check in well under a second are counted exactly.
  if (wanted > parts.reduce((sum, p) => sum + p.solvable, 0) / 2) {
    parts.forEach((p, i) => {
      if (!p.exact && p.checked > 0 && p.pairs <= (EXACT_LIMIT[p.n] ?? 0)) parts[i] = { n: p.n, ...exactly(task, p.n, p.pairs) };
    });
  }
  const space: ProblemSpace = {
    pairs: parts.reduce((sum, p) => sum + p.pairs, 0),
    solvable: parts.reduce((sum, p) => sum + p.solvable, 0),
    upper: parts.reduce((sum, p) => sum + p.upper, 0),
    exact: parts.every((p) => p.exact),
    checked: parts.reduce((sum, p) => sum + p.checked, 0),
  };
  if (cache.size > 64) cache.clear();
  cache.set(key, space);
  return space;
}

function exactly(task: Pick<TaskConfig, 'values' | 'target' | 'operators'>, n: number, pairs: number): ProblemSpace {
  const found = countExactly(task, n);
  return { pairs, solvable: found, upper: found, exact: true, checked: pairs };
}

/** The solvable share of `budget` multisets drawn uniformly (each with a uniform target), scaled to all pairs. */
function sampled(task: Pick<TaskConfig, 'values' | 'target' | 'operators'>, n: number, pairs: number, values: number): ProblemSpace {
  const budget = SAMPLES[n] ?? 1;
  const rng = xoroshiro128plus(n * 7919 + 1);
  let solvable = 0;
  for (let s = 0; s < budget; s++) {
    const numbers = uniformMultiset(rng, n, task.values.min, values);
    const target = unsafeUniformIntDistribution(task.target.min, task.target.max, rng);
    if (solve({ numbers, target }, { operators: task.operators }).solvable) solvable++;
  }
  return {
    pairs,
    solvable: Math.round((pairs * solvable) / budget),
    // Three standard deviations above the observed count, and never below one hit.
    upper: Math.round((pairs * (solvable + 3 * Math.sqrt(solvable) + 3)) / budget),
    exact: false,
    checked: budget,
  };
}

/**
 * A multiset of n values from min..min+v-1, every multiset equally likely: the
 * share of solvable ones then estimates the share among the distinct problems
 * the generator can produce. (Drawing n values one by one would favour
 * multisets with distinct values, n! orderings each against 1 for `7 7 7`, and
 * overestimate the count the generator can reach; stars and bars instead:
 * n distinct positions among v + n − 1, sorted, minus their rank.)
 */
function uniformMultiset(rng: ReturnType<typeof xoroshiro128plus>, n: number, min: number, v: number): number[] {
  const positions = new Set<number>();
  while (positions.size < n) positions.add(unsafeUniformIntDistribution(0, v + n - 2, rng));
  return [...positions].sort((a, b) => a - b).map((p, i) => min + p - i);
}

/** Every multiset of n values with every target, through the solver. */
function countExactly(task: Pick<TaskConfig, 'values' | 'target' | 'operators'>, n: number): number {
  let found = 0;
  const numbers = new Array<number>(n).fill(task.values.min);
  for (;;) {
    for (let target = task.target.min; target <= task.target.max; target++) {
      if (solve({ numbers: [...numbers], target }, { operators: task.operators }).solvable) found++;
    }
    // Next non-decreasing sequence, so each multiset comes once.
    let i = n - 1;
    while (i >= 0 && numbers[i] === task.values.max) i--;
    if (i < 0) return found;
    numbers[i]!++;
    for (let j = i + 1; j < n; j++) numbers[j] = numbers[i]!;
  }
}
