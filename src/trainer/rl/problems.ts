// The problems of each RL step: `prompts` at a time from the train split, one
// shuffled pass after another. The order of a pass depends only on (seed, pass),
// so the cursor alone, saved in a checkpoint, resumes at exactly the same place.
import type { Problem } from '../../core/countdown/problem';
import { mixSeed } from '../data/pretrain-stream';
import { Rng } from '../rng';

/** Stream id mixed into the seed, so RL's order differs from pretraining's. */
const RL_STREAM = 3;

export interface ProblemCursor {
  epoch: number;
  index: number;
}

export class ProblemStream {
  private order: number[] = [];
  private orderEpoch = -1;

  constructor(
    private readonly train: readonly Problem[],
    private readonly seed: number,
    public cursor: ProblemCursor = { epoch: 0, index: 0 },
  ) {
    if (train.length === 0) throw new Error('RL needs train problems: set `train` in the task block above 0');
  }

  next(count: number): Problem[] {
    const out: Problem[] = [];
    while (out.length < count) {
      if (this.orderEpoch !== this.cursor.epoch) {
        const indices = Array.from({ length: this.train.length }, (_, i) => i);
        this.order = Rng.seeded(mixSeed(this.seed, RL_STREAM, this.cursor.epoch)).shuffled(indices);
        this.orderEpoch = this.cursor.epoch;
      }
      out.push(this.train[this.order[this.cursor.index]!]!);
      this.cursor = this.cursor.index + 1 < this.train.length ? { epoch: this.cursor.epoch, index: this.cursor.index + 1 } : { epoch: this.cursor.epoch + 1, index: 0 };
    }
    return out;
  }
}
