// A Countdown problem and the checks every input of one must pass.
import type { FixedProblem } from '../spec/config';

export type Problem = FixedProblem;

export const MIN_NUMBERS = 1;
export const MAX_NUMBERS = 6;

/** Identity of a problem: permutations of the same numbers with the same target are one problem. */
export function problemKey(p: Problem): string {
  return `${[...p.numbers].sort((a, b) => a - b).join(',')}>${p.target}`;
}

function isCount(x: unknown): x is number {
  return typeof x === 'number' && Number.isSafeInteger(x) && x >= 0;
}

/** Checks an untrusted value (a JSON line, a command line); returns the problem or a message that says what to fix. */
export function toProblem(x: unknown): Problem | string {
  if (typeof x !== 'object' || x === null) return 'expected an object like {"numbers":[44,19,35],"target":98}';
  const { numbers, target } = x as Record<string, unknown>;
  if (!Array.isArray(numbers)) return '"numbers" must be an array of non-negative integers';
  if (numbers.length < MIN_NUMBERS || numbers.length > MAX_NUMBERS)
    return `"numbers" must hold ${MIN_NUMBERS} to ${MAX_NUMBERS} numbers, not ${numbers.length}`;
  if (!numbers.every(isCount)) return '"numbers" must be non-negative integers';
  if (typeof target !== 'number' || !Number.isSafeInteger(target)) return '"target" must be an integer';
  return { numbers: [...numbers], target };
}
