// The verifier's verdict table: one response per case with its expected
// verdict on a problem, shared by the TypeScript verifier's tests and the
// check of the exported Python reward module (verl-python.test.ts).
import type { Problem } from '../../src/core/countdown/problem';
import type { Verdict } from '../../src/core/countdown/verdict';

export const problem: Problem = { numbers: [44, 19, 35], target: 98 };
export const tagged = (expr: string): string => `<think>hmm</think>\n<answer>${expr}</answer>`;

export const cases: [string, string, Verdict][] = [
  ['no tags', '44+19+35', 'no-answer'],
  ['unclosed answer', '<answer>44+19+35', 'no-answer'],
  ['close before open', '</answer>44+19+35<answer>', 'no-answer'],
  ['tags differ in case', '<Answer>44+19+35</Answer>', 'no-answer'],
  ['correct', tagged('44+19+35'), 'correct'],
  ['correct with spaces and newlines', tagged(' (44 + 19)\n+ 35 '), 'correct'],
  ['correct in another order', tagged('35+19+44'), 'correct'],
  ['wrong value', tagged('44+19-35'), 'wrong-value'],
  ['a number used twice', tagged('44+44+10'), 'wrong-numbers'],
  ['a number missing', tagged('44+54'), 'wrong-numbers'],
  ['a number not given', tagged('44+19+35+0'), 'wrong-numbers'],
  ['division by zero', tagged('44/(19-19)+35'), 'wrong-numbers'],
  ['empty answer', tagged(''), 'unparsable'],
  ['python power **', tagged('44**19**35'), 'unparsable'],
  ['floor division //', tagged('44//19+35'), 'unparsable'],
  ['decimal', tagged('44.0+19+35'), 'unparsable'],
  ['unary minus', tagged('-44+19+35'), 'unparsable'],
  ['equation with =', tagged('44+19+35=98'), 'unparsable'],
  ['leading zero', tagged('044+19+35'), 'unparsable'],
  ['unbalanced parenthesis', tagged('(44+19+35'), 'unparsable'],
  ['words', tagged('ninety-eight'), 'unparsable'],
  ['nested tags: the first close ends the first open', '<answer><answer>44+19+35</answer></answer>', 'unparsable'],
  ['last complete answer wins', `${tagged('1+2')} then ${tagged('44+19+35')}`, 'correct'],
  ['a later wrong answer wins over a correct one', `${tagged('44+19+35')} ${tagged('44+19-35')}`, 'wrong-value'],
  ['an unclosed later answer is ignored', `${tagged('44+19+35')}<answer>1`, 'correct'],
];

/** The one verdict the table above cannot show on its problem. */
export const invalidCase: { response: string; problem: Problem; verdict: Verdict } = { response: tagged('6/(1-1)'), problem: { numbers: [6, 1, 1], target: 3 }, verdict: 'invalid' };
