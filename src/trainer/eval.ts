// Evaluation of a policy on a list of problems: greedy pass@1, sampled pass@k,
// the share of well-formed answers and the mean completion length, overall and
// per count of numbers, plus every completion as a trace record. A pure
// function of (model, tokenizer, problems, options): pretraining and RL both
// call it, and so does `rlab eval`.
import type { EvalRecord, EvalScore, Phase, TraceRecord } from '../core/protocol/records';
import type { ModelConfig, PromptConfig, RewardConfig } from '../core/spec/config';
import type { Problem } from '../core/countdown/problem';
import { renderPrompt } from '../core/countdown/prompts';
import { scoreAnswer } from '../core/countdown/verifier';
import type { Gpt } from './model/gpt';
import type { Tokenizer } from './model/tokenizer';
import { sample, type SampleOptions, type SampleResult } from './model/sampler';

export interface EvalOptions {
  phase: Phase;
  step: number;
  split: 'test' | 'problems';
  prompt: PromptConfig;
  reward: RewardConfig;
  /** k of pass@k: sampled completions per problem. */
  samples: number;
  temperature: number;
  /** Longest completion in tokens (RL's max-tokens); unset, whatever the model context leaves. */
  maxNewTokens?: number;
  seed: number;
  /** Awaited between sampler calls, so that requests (stop) are heard during a long evaluation. */
  pause?: () => Promise<void>;
}

export interface Evaluation {
  record: EvalRecord;
  traces: TraceRecord[];
}

interface Outcome {
  count: number;
  greedyCorrect: boolean;
  wellFormed: boolean;
  length: number;
  anySampleCorrect: boolean;
}

/** KV-cache memory one sampler call of an evaluation may take: bounds its rows. */
const EVAL_CACHE_BYTES = 2 ** 30;
/** Rows per sampler call at most: enough to keep the decoder's products large. */
const EVAL_MAX_ROWS = 512;

/** Completions per sampler call for a model of this shape: as many as the cache budget holds for a full context, at most EVAL_MAX_ROWS. */
export function evalRowsPerCall({ layers, width, context }: Pick<ModelConfig, 'layers' | 'width' | 'context'>): number {
  const rowBytes = 2 * layers * width * context * 4;
  return Math.max(1, Math.min(EVAL_MAX_ROWS, Math.floor(EVAL_CACHE_BYTES / rowBytes)));
}

/**
 * `sample` over `prompts` in calls of at most `rows` rows (each seeded
 * `options.seed` + its call index; `rowLimits` split with them), results in
 * prompt order. `pause` is awaited between calls.
 */
export async function sampleInCalls(
  model: Gpt,
  prompts: readonly number[][],
  options: SampleOptions,
  rows: number,
  pause?: () => Promise<void>,
): Promise<SampleResult> {
  const out: SampleResult = { tokens: [], logProbs: [], truncated: [] };
  for (let at = 0, call = 0; at < prompts.length; at += rows, call++) {
    const part = await sample(model, prompts.slice(at, at + rows), {
      ...options,
      seed: options.seed + call,
      rowLimits: options.rowLimits?.slice(at, at + rows),
    });
    out.tokens.push(...part.tokens);
    out.logProbs.push(...part.logProbs);
    out.truncated.push(...part.truncated);
    await pause?.();
  }
  return out;
}

export async function evaluate(model: Gpt, tokenizer: Tokenizer, problems: readonly Problem[], options: EvalOptions): Promise<Evaluation> {
  const traces: TraceRecord[] = [];
  const outcomes: Outcome[] = [];
  const stopTokens = [tokenizer.answerClose, tokenizer.end];
  const prompts = problems.map((p) => renderPrompt(options.prompt, p));
  const encoded = prompts.map((text) => tokenizer.encode(text));
  const room = model.config.context - Math.max(0, ...encoded.map((ids) => ids.length));
  if (room < 1) throw new Error(`the prompt is longer than the model context ${model.config.context}: raise \`context\` in the model block`);
  const base = { maxNewTokens: Math.min(room, options.maxNewTokens ?? room), topK: 0, topP: 1, stopTokens };
  // Every problem's rows in as few sampler calls as memory allows: large batches keep the decoder's products efficient.
  const rows = evalRowsPerCall(model.config);
  const greedy = await sampleInCalls(model, encoded, { ...base, temperature: 1, greedy: true, seed: options.seed }, rows, options.pause);
  const sampled = await sampleInCalls(
    model,
    encoded.flatMap((ids) => Array<number[]>(options.samples).fill(ids)),
    { ...base, temperature: options.temperature, greedy: options.temperature === 0, seed: options.seed },
    rows,
    options.pause,
  );
  problems.forEach((problem, i) => {
    const record = (completionIds: number[], truncated: boolean, sampleIndex: 'greedy' | number): TraceRecord => {
      const completion = tokenizer.decode(completionIds);
      const scored = scoreAnswer(completion, problem, options.reward);
      return {
        phase: options.phase,
        step: options.step,
        split: options.split,
        numbers: problem.numbers,
        target: problem.target,
        prompt: prompts[i]!,
        completion,
        reward: scored.score,
        verdict: scored.verdict,
        sample: sampleIndex,
        truncated,
      };
    };
    const first = record(greedy.tokens[i]!, greedy.truncated[i]!, 'greedy');
    const drawn = Array.from({ length: options.samples }, (_, s) => {
      const row = i * options.samples + s;
      return record(sampled.tokens[row]!, sampled.truncated[row]!, s);
    });
    traces.push(first, ...drawn);
    outcomes.push({
      count: problem.numbers.length,
      greedyCorrect: first.verdict === 'correct',
      wellFormed: first.verdict !== 'no-answer',
      length: greedy.tokens[i]!.length,
      anySampleCorrect: drawn.some((d) => d.verdict === 'correct'),
    });
  });
  const byCount: Record<string, EvalScore> = {};
  for (const count of [...new Set(outcomes.map((o) => o.count))].sort((a, b) => a - b)) {
    byCount[String(count)] = score(outcomes.filter((o) => o.count === count));
  }
  const record: EvalRecord = {
    phase: options.phase,
    step: options.step,
    time: Date.now(),
    split: options.split,
    k: options.samples,
    score: score(outcomes),
    byCount,
  };
  return { record, traces };
}

function score(outcomes: readonly Outcome[]): EvalScore {
  const n = outcomes.length;
  const share = (pick: (o: Outcome) => boolean): number => (n === 0 ? 0 : outcomes.filter(pick).length / n);
  return {
    n,
    pass1: share((o) => o.greedyCorrect),
    passK: share((o) => o.anySampleCorrect),
    formatRate: share((o) => o.wellFormed),
    lengthMean: n === 0 ? 0 : outcomes.reduce((sum, o) => sum + o.length, 0) / n,
  };
}
