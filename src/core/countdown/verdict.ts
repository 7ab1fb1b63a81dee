// What the verifier says of one model answer. Scores follow TinyZero: 0 for no
// answer, the spec's `format` value for any well-tagged wrong answer, `correct`
// for a right one.
export const VERDICTS = ['no-answer', 'unparsable', 'wrong-numbers', 'invalid', 'wrong-value', 'correct'] as const;
export type Verdict = (typeof VERDICTS)[number];
