// The rollout half of an RL step record: what the sampled completions scored,
// how long they were, and how they look. Pure over plain values.
import { answerBlocks, longestCharRun } from '../../core/alerts/text';
import { hasWrittenSearch } from '../../core/countdown/traces';
import { REPEAT_RUN } from '../../core/protocol/metrics';
import type { StepRecord } from '../../core/protocol/records';
import type { Verdict } from '../../core/countdown/verdict';
import { mean, signalShare, std, zeroSignalShare } from './advantages';

/** One scored completion, as the summary needs it. */
export interface ScoredCompletion {
  text: string;
  /** Tokens the policy generated, the stop token included. */
  length: number;
  truncated: boolean;
  /** Verifier reward (before any KL penalty). */
  reward: number;
  verdict: Verdict;
}

export type RolloutMetrics = Pick<
  StepRecord,
  | 'rewardMean'
  | 'rewardStd'
  | 'accuracy'
  | 'formatRate'
  | 'verdicts'
  | 'lengthMean'
  | 'lengthCorrect'
  | 'lengthWrong'
  | 'truncatedRate'
  | 'zeroSignalGroups'
  | 'signalGroups'
  | 'searchRate'
  | 'repetitionRate'
  | 'multiAnswerRate'
>;

/** Metrics of a step's completions, laid out group by group (`group` samples per prompt). */
export function summariseRollout(completions: readonly ScoredCompletion[], group: number): RolloutMetrics {
  if (completions.length === 0) throw new Error('summariseRollout: no completions');
  const rewards = completions.map((c) => c.reward);
  const share = (pred: (c: ScoredCompletion) => boolean) => completions.filter(pred).length / completions.length;
  const verdicts: Partial<Record<Verdict, number>> = {};
  for (const c of completions) verdicts[c.verdict] = (verdicts[c.verdict] ?? 0) + 1 / completions.length;
  const correct = completions.filter((c) => c.verdict === 'correct').map((c) => c.length);
  const wrong = completions.filter((c) => c.verdict !== 'correct').map((c) => c.length);
  const out: RolloutMetrics = {
    rewardMean: mean(rewards),
    rewardStd: std(rewards),
    accuracy: correct.length / completions.length,
    formatRate: share((c) => c.verdict !== 'no-answer'),
    verdicts,
    lengthMean: mean(completions.map((c) => c.length)),
    truncatedRate: share((c) => c.truncated),
    zeroSignalGroups: zeroSignalShare(rewards, group),
    signalGroups: signalShare(completions.map((c) => c.verdict === 'correct'), group),
    searchRate: share((c) => hasWrittenSearch(c.text)),
    repetitionRate: share((c) => longestCharRun(c.text) > REPEAT_RUN),
    multiAnswerRate: share((c) => answerBlocks(c.text) > 1),
  };
  if (correct.length > 0) out.lengthCorrect = mean(correct);
  if (wrong.length > 0) out.lengthWrong = mean(wrong);
  return out;
}
