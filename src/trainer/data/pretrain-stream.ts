// The pretraining data: (prompt, search trace) sequences for the problems of a
// shuffled stream. A trace's random choices come from (seed, position), so the
// stream's cursor alone, saved in a checkpoint, puts a resumed run at exactly
// the same sequences.
import { xoroshiro128plus } from 'pure-rand';
import type { PretrainConfig, PromptConfig } from '../../core/spec/config';
import type { Problem } from '../../core/countdown/problem';
import { renderPrompt } from '../../core/countdown/prompts';
import { searchTrace } from '../../core/countdown/traces';
import type { Tokenizer } from '../model/tokenizer';
import { mixSeed } from '../rng';
import { sequence, type Sequence } from './batch';
import type { ShuffledStream } from './shuffled-stream';

export class PretrainStream {
  /** Sequences left out because they do not fit the context. */
  skipped = 0;

  constructor(
    private readonly problems: ShuffledStream<Problem>,
    private readonly prompt: PromptConfig,
    private readonly pretrain: Pick<PretrainConfig, 'traces' | 'searchBudget'>,
    private readonly tokenizer: Tokenizer,
    private readonly context: number,
    private readonly seed: number,
  ) {}

  /** The next `count` sequences that fit the context. */
  next(count: number): Sequence[] {
    const out: Sequence[] = [];
    let misses = 0;
    while (out.length < count) {
      const { item: problem, at } = this.problems.take();
      const rng = xoroshiro128plus(mixSeed(this.seed, at.epoch, at.index));
      const trace = searchTrace(problem, this.pretrain.traces, this.pretrain.searchBudget, rng);
      const s = sequence(this.tokenizer.encode(renderPrompt(this.prompt, problem)), this.tokenizer.encode(trace.completion), this.tokenizer.end);
      if (s.ids.length <= this.context + 1) {
        out.push(s);
        misses = 0;
      } else {
        this.skipped++;
        if (++misses > this.problems.size) {
          throw new Error(`no pretraining sequence fits the model context ${this.context}: raise \`context\` or use \`prompt compact\``);
        }
      }
    }
    return out;
  }
}
