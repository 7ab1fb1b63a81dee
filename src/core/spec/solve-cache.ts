// The solver, memoised for the language server: hover and validation ask about
// the same problem lines again and again while a file is edited.
import { type Solution, solve } from '../countdown/solver';
import type { FixedProblem, Operator } from './config';

/** By operator set, then by numbers and target: a short key per problem line is cheaper to build and hash. */
const cache = new Map<string, Map<string, Solution>>();
let size = 0;
/** Enough for a problems block of tens of thousands of lines. */
const LIMIT = 50_000;

export function solveProblem(problem: FixedProblem, operators: readonly Operator[]): Solution {
  const opsKey = operators.join('');
  let byProblem = cache.get(opsKey);
  const key = `${problem.numbers.join(',')}>${problem.target}`;
  let hit = byProblem?.get(key);
  if (!hit) {
    hit = solve(problem, { operators });
    if (size >= LIMIT) {
      cache.clear();
      size = 0;
      byProblem = undefined;
    }
    if (!byProblem) cache.set(opsKey, (byProblem = new Map()));
    byProblem.set(key, hit);
    size++;
  }
  return hit;
}
