// One wording of an evaluation score for logs, the terminal and the editor.
import type { EvalScore } from './records';

const pct = (share: number): string => `${(share * 100).toFixed(1)}%`;

/**
 * `pass@1 6.7%, pass@8 20.0%, format 83.3%`: greedy pass@1, sampled pass@k and
 * the well-formed share. Sampled pass@k is left out when k is 1, where it would
 * read as a second, different pass@1.
 */
export function describeScore(score: EvalScore, k: number): string {
  const sampled = k > 1 ? `, pass@${k} ${pct(score.passK)}` : '';
  return `pass@1 ${pct(score.pass1)}${sampled}, format ${pct(score.formatRate)}`;
}
