// The pretraining data: an endless stream of (prompt, search trace) sequences
// over the train split, one shuffled pass (epoch) after another. Everything
// random is derived from (seed, epoch, position), so the cursor alone, saved in
// a checkpoint, puts a resumed run at exactly the same place.
import { xoroshiro128plus } from 'pure-rand';
import type { PretrainConfig, PromptConfig } from '../../core/spec/config';
import type { Problem } from '../../core/countdown/problem';
import { renderPrompt } from '../../core/countdown/prompts';
import { searchTrace } from '../../core/countdown/traces';
import type { Tokenizer } from '../model/tokenizer';
import { Rng } from '../rng';
import { sequence, type Sequence } from './batch';

export interface StreamCursor {
  epoch: number;
  index: number;
}

/** A 31-bit seed from several integers (a multiply-xorshift mix). */
export function mixSeed(...parts: number[]): number {
  let h = 0x9e3779b9;
  for (const part of parts) {
    h = Math.imul(h ^ (part | 0), 0x85ebca6b);
    h ^= h >>> 13;
    h = Math.imul(h, 0xc2b2ae35);
    h ^= h >>> 16;
  }
  return h >>> 1;
}

export class PretrainStream {
  private order: number[] = [];
  private orderEpoch = -1;
  /** Sequences left out because they do not fit the context. */
  skipped = 0;

  constructor(
    private readonly train: readonly Problem[],
    private readonly prompt: PromptConfig,
    private readonly pretrain: PretrainConfig,
    private readonly tokenizer: Tokenizer,
    private readonly context: number,
    private readonly seed: number,
    public cursor: StreamCursor = { epoch: 0, index: 0 },
  ) {
    if (train.length === 0) throw new Error('pretraining needs train problems: set `train` in the task block above 0');
  }

  /** The next `count` sequences that fit the context. */
  next(count: number): Sequence[] {
    const out: Sequence[] = [];
    let misses = 0;
    while (out.length < count) {
      const s = this.at(this.cursor);
      this.advance();
      if (s.ids.length <= this.context + 1) {
        out.push(s);
        misses = 0;
      } else {
        this.skipped++;
        if (++misses > this.train.length) {
          throw new Error(`no pretraining sequence fits the model context ${this.context}: raise \`context\` or use \`prompt compact\``);
        }
      }
    }
    return out;
  }

  /** The sequence at a cursor position (the same every time it is asked). */
  at(cursor: StreamCursor): Sequence {
    const problem = this.train[this.epochOrder(cursor.epoch)[cursor.index]!]!;
    const rng = xoroshiro128plus(mixSeed(this.seed, cursor.epoch, cursor.index));
    const trace = searchTrace(problem, this.pretrain.traces, this.pretrain.searchBudget, rng);
    const prompt = this.tokenizer.encode(renderPrompt(this.prompt, problem));
    return sequence(prompt, this.tokenizer.encode(trace.completion), this.tokenizer.end);
  }

  private advance(): void {
    this.cursor = this.cursor.index + 1 < this.train.length ? { ...this.cursor, index: this.cursor.index + 1 } : { epoch: this.cursor.epoch + 1, index: 0 };
  }

  private epochOrder(epoch: number): number[] {
    if (this.orderEpoch !== epoch) {
      this.order = Rng.seeded(mixSeed(this.seed, epoch, -1)).shuffled(this.train.map((_, i) => i));
      this.orderEpoch = epoch;
    }
    return this.order;
  }
}
