// Which evaluation of a run was its best, and how long ago: the `checkpoints/best`
// pointer, RL's early stop and the summaries all ask, and all answer from the
// run's eval records (so a resumed run knows without extra state).
import type { EvalRecord, Phase } from '../protocol/records';

/** Held-out greedy accuracy of a test-split evaluation: what "best" means. */
export const bestScore = (record: EvalRecord): number => record.score.pass1;

const isTest = (record: EvalRecord) => record.split === 'test';

/** The first test evaluation with the highest greedy accuracy among `records` (null when none). */
export function bestEvaluation(records: readonly EvalRecord[]): EvalRecord | null {
  let best: EvalRecord | null = null;
  for (const r of records) if (isTest(r) && (best === null || bestScore(r) > bestScore(best))) best = r;
  return best;
}

/**
 * Test evaluations of `phase` since its best one (0 when the latest is the
 * best, or when there is none): the count an early stop compares with its patience.
 */
export function evaluationsSinceBest(records: readonly EvalRecord[], phase: Phase): number {
  const own = records.filter((r) => r.phase === phase && isTest(r));
  const best = bestEvaluation(own);
  return best === null ? 0 : own.length - 1 - own.indexOf(best);
}
