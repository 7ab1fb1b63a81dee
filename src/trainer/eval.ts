// Evaluation of a policy on a list of problems: greedy pass@1, sampled pass@k,
// the share of well-formed answers and the mean completion length, overall and
// per count of numbers, plus every completion as a trace record. A pure
// function of (model, tokenizer, problems, options): pretraining and RL both
// call it, and so does `rlab eval`.
import type { EvalRecord, EvalScore, Phase, TraceRecord } from '../core/protocol/records';
import type { PromptConfig, RewardConfig } from '../core/spec/config';
import type { Problem } from '../core/countdown/problem';
import { renderPrompt } from '../core/countdown/prompts';
import { scoreAnswer } from '../core/countdown/verifier';
import type { Gpt } from './model/gpt';
import type { Tokenizer } from './model/tokenizer';
import { sample } from './model/sampler';
import { chunks } from './data/batch';

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
  /** Prompts per sampler call: bounds memory. */
  batch: number;
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

export async function evaluate(model: Gpt, tokenizer: Tokenizer, problems: readonly Problem[], options: EvalOptions): Promise<Evaluation> {
  const traces: TraceRecord[] = [];
  const outcomes: Outcome[] = [];
  const stopTokens = [tokenizer.answerClose, tokenizer.end];
  let call = 0;
  for (const group of chunks(problems, options.batch)) {
    const prompts = group.map((p) => renderPrompt(options.prompt, p));
    const encoded = prompts.map((text) => tokenizer.encode(text));
    const room = model.config.context - Math.max(...encoded.map((ids) => ids.length));
    if (room < 1) throw new Error(`the prompt is longer than the model context ${model.config.context}: raise \`context\` in the model block`);
    const base = { maxNewTokens: Math.min(room, options.maxNewTokens ?? room), topK: 0, topP: 1, stopTokens };
    const greedy = await sample(model, encoded, { ...base, temperature: 1, greedy: true, seed: options.seed + call++ });
    const sampled = await sample(model, group.flatMap((_, i) => Array<number[]>(options.samples).fill(encoded[i]!)), {
      ...base,
      temperature: options.temperature,
      greedy: options.temperature === 0,
      seed: options.seed + call++,
    });
    group.forEach((problem, i) => {
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
    await options.pause?.();
  }
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
