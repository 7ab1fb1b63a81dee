// veRL's sample dumps (trainer.rollout_data_dir and validation_data_dir: one
// `{step}.jsonl` per step, one JSON object per sample with `input`, `output`,
// `gts`, `score`, `step` and `uid` = `{prompt uid}_{session}_{index}`, siblings
// sorted together) as our records: the rollout half of a step record and its
// traces, and an evaluation with its traces. Completions are scored again by
// our verifier for their verdicts; the reward is the score veRL trained on.
import type { EvalRecord, EvalScore, StepRecord, TraceRecord } from '../../core/protocol/records';
import { renderPrompt } from '../../core/countdown/prompts';
import type { Problem } from '../../core/countdown/problem';
import { scoreAnswer } from '../../core/countdown/verifier';
import type { ResolvedConfig } from '../../core/spec/config';
import { SAMPLE_METRICS } from '../../core/verl/metric-names';
import { summariseRollout } from '../rl/summary';

/** One line of a veRL sample dump, as the bridge reads it. */
export interface DumpRow {
  input: string;
  output: string;
  gts: { target: number; numbers: number[] };
  score: number;
  step: number;
  uid?: string;
}

interface Sample {
  problem: Problem;
  completion: string;
  reward: number;
  verdict: TraceRecord['verdict'];
}

/** The prompt a sample answers: `{uid}_{session}_{index}` without the last two parts, else its input text. */
function promptKey(row: DumpRow): string {
  if (row.uid === undefined) return row.input;
  const parts = row.uid.split('_');
  return parts.length >= 3 ? parts.slice(0, -2).join('_') : row.uid;
}

/** The dump's samples grouped by prompt, in dump order, each scored by our verifier. */
export function groupSamples(rows: readonly DumpRow[], config: ResolvedConfig): Sample[][] {
  const groups = new Map<string, Sample[]>();
  for (const row of rows) {
    const problem = { numbers: row.gts.numbers.map(Number), target: Number(row.gts.target) };
    const sample = { problem, completion: row.output, reward: row.score, verdict: scoreAnswer(row.output, problem, config.reward).verdict };
    const key = promptKey(row);
    const group = groups.get(key);
    if (group) group.push(sample);
    else groups.set(key, [sample]);
  }
  return [...groups.values()];
}

function trace(config: ResolvedConfig, step: number, split: TraceRecord['split'], s: Sample, sample: TraceRecord['sample']): TraceRecord {
  return {
    phase: 'rl',
    step,
    split,
    numbers: s.problem.numbers,
    target: s.problem.target,
    // What the model was given: our prompt (the dump's input is the decoded text, special tokens dropped).
    prompt: renderPrompt(config.prompt, s.problem),
    completion: s.completion,
    reward: s.reward,
    verdict: s.verdict,
    sample,
    // veRL's dumps do not say which completions hit max_response_length; the step's share is `truncatedRate`.
    truncated: false,
  };
}

export interface RolloutPart {
  metrics: Pick<StepRecord, (typeof SAMPLE_METRICS)[number] | 'verdicts'>;
  /** The first sample of each prompt, as the local engine records them. */
  traces: TraceRecord[];
}

/** The metrics a step takes from its rollout samples (the `samples` entries of VERL_METRICS), and its traces. */
export function rolloutPart(groups: readonly Sample[][], step: number, config: ResolvedConfig): RolloutPart {
  const size = groups[0]?.length ?? 0;
  const uniform = groups.every((g) => g.length === size);
  const completions = groups.flat();
  const summary = summariseRollout(
    completions.map((s) => ({ text: s.completion, length: s.completion.length, truncated: false, reward: s.reward, verdict: s.verdict })),
    uniform ? size : 1,
  );
  const metrics: RolloutPart['metrics'] = { verdicts: summary.verdicts };
  for (const name of SAMPLE_METRICS) {
    const value = summary[name as keyof typeof summary];
    // Without groups of one size there is no per-prompt signal to count.
    if (typeof value === 'number' && (uniform || name !== 'zeroSignalGroups')) metrics[name] = value;
  }
  return { metrics, traces: groups.map((g) => trace(config, step, 'train', g[0]!, 0)) };
}

function evalScore(groups: readonly Sample[][]): EvalScore {
  const n = groups.length;
  const all = groups.flat();
  const mean = (xs: number[]) => (xs.length === 0 ? 0 : xs.reduce((a, b) => a + b, 0) / xs.length);
  return {
    n,
    // veRL samples every completion alike (greedy at temperature 0): pass@1 is their mean accuracy.
    pass1: mean(groups.map((g) => g.filter((s) => s.verdict === 'correct').length / g.length)),
    passK: mean(groups.map((g) => (g.some((s) => s.verdict === 'correct') ? 1 : 0))),
    formatRate: mean(all.map((s) => (s.verdict === 'no-answer' ? 0 : 1))),
    // Characters: the dumps hold text, not tokens.
    lengthMean: mean(all.map((s) => s.completion.length)),
  };
}

/** An evaluation of the test split from a validation dump, with every sample as a trace. */
export function evaluationFromDump(groups: readonly Sample[][], step: number, config: ResolvedConfig): { record: EvalRecord; traces: TraceRecord[] } {
  const byCount: Record<string, EvalScore> = {};
  const counts = [...new Set(groups.map((g) => g[0]!.problem.numbers.length))].sort((a, b) => a - b);
  for (const count of counts) byCount[String(count)] = evalScore(groups.filter((g) => g[0]!.problem.numbers.length === count));
  const greedy = config.eval.temperature === 0;
  return {
    record: { phase: 'rl', step, time: Date.now(), split: 'test', k: config.eval.samples, score: evalScore(groups), byCount },
    traces: groups.flatMap((g) => g.map((s, i) => trace(config, step, 'test', s, greedy && g.length === 1 ? 'greedy' : i))),
  };
}
