// Rollout: `group` completions for each problem of the step through the
// KV-cache sampler, scored by the core verifier with the spec's reward values.
import type { Problem } from '../../core/countdown/problem';
import { renderPrompt } from '../../core/countdown/prompts';
import { scoreAnswer } from '../../core/countdown/verifier';
import type { PromptConfig, RewardConfig, RlConfig } from '../../core/spec/config';
import { chunks } from '../data/batch';
import type { Gpt } from '../model/gpt';
import { sample } from '../model/sampler';
import type { Tokenizer } from '../model/tokenizer';
import { mixSeed } from '../rng';
import type { ScoredCompletion } from './summary';

/** Rows (completions) per sampler call: bounds the key/value cache (about 450 MB for `tiny` at context 512). */
export const ROLLOUT_ROWS = 256;

/** One sampled completion with everything training and reporting need. */
export interface RolloutSample extends ScoredCompletion {
  problem: Problem;
  promptText: string;
  prompt: number[];
  /** Sampled ids, the stop token (`</answer>` or end) included when reached. */
  completion: number[];
  /** log π_old of each completion token: softmax(logits / temperature), unfiltered. */
  logProbs: number[];
}

export interface RolloutOptions {
  rl: Pick<RlConfig, 'groupSize' | 'temperature' | 'topK' | 'topP' | 'maxTokens'>;
  prompt: PromptConfig;
  reward: RewardConfig;
  seed: number;
}

/** Samples `group` completions per problem; the result is laid out group by group. */
export async function rollout(
  model: Gpt,
  tokenizer: Tokenizer,
  problems: readonly Problem[],
  options: RolloutOptions,
): Promise<RolloutSample[]> {
  const perCall = Math.max(1, Math.floor(ROLLOUT_ROWS / options.rl.groupSize));
  const out: RolloutSample[] = [];
  for (const [i, part] of chunks(problems, perCall).entries()) {
    out.push(...(await rolloutChunk(model, tokenizer, part, { ...options, seed: i === 0 ? options.seed : mixSeed(options.seed, i) })));
  }
  return out;
}

async function rolloutChunk(
  model: Gpt,
  tokenizer: Tokenizer,
  problems: readonly Problem[],
  options: RolloutOptions,
): Promise<RolloutSample[]> {
  const { groupSize: group } = options.rl;
  const texts = problems.map((p) => renderPrompt(options.prompt, p));
  const encoded = texts.map((t) => tokenizer.encode(t));
  const longest = Math.max(...encoded.map((ids) => ids.length));
  if (longest + 1 > model.config.context) {
    throw new Error(`a prompt of ${longest} tokens leaves no room for a completion in the model context ${model.config.context}: raise \`context\` or use \`prompt compact\``);
  }
  const rows = encoded.flatMap((ids) => Array<number[]>(group).fill(ids));
  const result = await sample(model, rows, {
    maxNewTokens: options.rl.maxTokens,
    temperature: options.rl.temperature,
    topK: options.rl.topK,
    topP: options.rl.topP,
    greedy: false,
    seed: options.seed,
    stopTokens: [tokenizer.answerClose, tokenizer.end],
  });
  return rows.map((prompt, row) => {
    const problem = problems[Math.floor(row / group)]!;
    const completion = result.tokens[row]!;
    const text = tokenizer.decode(completion);
    const scored = scoreAnswer(text, problem, options.reward);
    return {
      problem,
      promptText: texts[Math.floor(row / group)]!,
      prompt,
      completion,
      logProbs: result.logProbs[row]!,
      truncated: result.truncated[row]!,
      text,
      length: completion.length,
      reward: scored.score,
      verdict: scored.verdict,
    };
  });
}
