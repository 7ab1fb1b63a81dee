// Which evaluation of a run was its best, and how long ago: the `checkpoints/best`
// pointer, RL's early stop and the summaries all ask, and all answer from the
// run's eval records (so a resumed run knows without extra state).
import type { EvalRecord, Phase } from '../protocol/records';

/** Held-out greedy accuracy of a test-split evaluation: what "best" means. */
export const bestScore = (record: EvalRecord): number => record.score.pass1;

/** The run's own test evaluations: one made on request (another k or limit, at any time) is not on its curve. */
const isTest = (record: EvalRecord) => record.split === 'test' && !record.requested;

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

/** What RL did to held-out accuracy: its starting model's, its last and its best evaluation. */
export interface RlOutcome {
  base: EvalRecord;
  final: EvalRecord;
  best: EvalRecord;
  /** Final minus base greedy accuracy. */
  lift: number;
}

/** The RL outcome from a run's eval records; null before RL has evaluated its starting model and one step. */
export function rlOutcome(records: readonly EvalRecord[]): RlOutcome | null {
  const rl = records.filter((r) => r.phase === 'rl' && isTest(r));
  const base = rl.find((r) => r.step === 0);
  const final = rl.at(-1);
  const best = bestEvaluation(rl);
  if (!base || !final || !best || final === base) return null;
  return { base, final, best, lift: bestScore(final) - bestScore(base) };
}

/** `held-out greedy accuracy 13.0% → 28.5% (+15.5 points; best 30.0% at RL step 50), pass@4 33.0% → 45.0%`. */
export function describeRlOutcome(o: RlOutcome): string {
  const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
  const points = `${o.lift >= 0 ? '+' : ''}${(100 * o.lift).toFixed(1)} points`;
  const passK = o.final.k > 1 ? `, pass@${o.final.k} ${pct(o.base.score.passK)} → ${pct(o.final.score.passK)}` : '';
  return `held-out greedy accuracy ${pct(bestScore(o.base))} → ${pct(bestScore(o.final))} (${points}; best ${pct(bestScore(o.best))} at RL step ${o.best.step})${passK}, on ${o.final.score.n} test problems`;
}
