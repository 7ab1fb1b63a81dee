// The verifier and reward: TinyZero's scores with a strict checker in place of
// its regex and Python `eval`. Linear in the response length; never throws.
import type { RewardConfig } from '../spec/config';
import { evaluateProgram, parseExpression } from './expression';
import type { Problem } from './problem';
import type { Verdict } from './verdict';

export const DEFAULT_REWARD: RewardConfig = { format: 0.1, correct: 1.0 };

export interface Scored {
  score: number;
  verdict: Verdict;
  /** The extracted answer, trimmed, when there is one. */
  expression?: string;
  /** Exact value (`7` or `22/7`) when the answer evaluates. */
  value?: string;
  /** Why an answer is unparsable or invalid, for people reading results (`error` is kept for bad input lines). */
  reason?: string;
}

const OPEN = '<answer>';
const CLOSE = '</answer>';

/** Text of the last complete `<answer>…</answer>` pair, pairs matched left to right as a non-greedy regex would. */
export function extractAnswer(response: string): string | null {
  let last: string | null = null;
  let from = 0;
  for (;;) {
    const start = response.indexOf(OPEN, from);
    if (start < 0) break;
    const end = response.indexOf(CLOSE, start + OPEN.length);
    if (end < 0) break;
    last = response.slice(start + OPEN.length, end);
    from = end + CLOSE.length;
  }
  return last;
}

/** Literals against the given numbers, as text; at most six numbers, so a linear scan each is cheapest. */
function sameMultiset(literals: string[], numbers: number[]): boolean {
  if (literals.length !== numbers.length) return false;
  const unused = numbers.map(String);
  for (const literal of literals) {
    const k = unused.indexOf(literal);
    if (k < 0) return false;
    unused[k] = ''; // never equal to a literal
  }
  return true;
}

export function scoreAnswer(response: string, problem: Problem, reward: RewardConfig = DEFAULT_REWARD): Scored {
  const answer = extractAnswer(response);
  if (answer === null) return { score: 0, verdict: 'no-answer' };
  const expression = answer.trim();
  const wrong = (verdict: Verdict, extra: Partial<Scored> = {}): Scored => ({
    score: reward.format,
    verdict,
    expression,
    ...extra,
  });
  const parsed = parseExpression(expression);
  if (!parsed.ok) return wrong('unparsable', { reason: `${parsed.error} at character ${parsed.at + 1}` });
  // Literals are compared as text before any evaluation, so huge literals never become bigints.
  if (!sameMultiset(parsed.program.literals, problem.numbers)) return wrong('wrong-numbers');
  const value = evaluateProgram(parsed.program);
  if (value === null) return wrong('invalid', { reason: 'division by zero' });
  if (!(value.isInteger() && value.num === BigInt(problem.target))) return wrong('wrong-value', { value: value.toString() });
  return { score: reward.correct, verdict: 'correct', expression, value: value.toString() };
}
