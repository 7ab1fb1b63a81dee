// The solver, memoised for the language server: hover and validation ask about
// the same problem lines again and again while a file is edited.
import { type Solution, solve } from '../countdown/solver';
import type { FixedProblem, Operator } from './config';

const cache = new Map<string, Solution>();
/** Enough for a problems block of tens of thousands of lines. */
const LIMIT = 50_000;

export function solveProblem(problem: FixedProblem, operators: readonly Operator[]): Solution {
  const key = `${problem.numbers.join(',')}>${problem.target}|${operators.join('')}`;
  let hit = cache.get(key);
  if (!hit) {
    hit = solve(problem, { operators });
    if (cache.size >= LIMIT) cache.clear();
    cache.set(key, hit);
  }
  return hit;
}
