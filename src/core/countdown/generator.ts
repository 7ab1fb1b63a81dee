// The seeded problem generator. Reproducible across machines: pure-rand's
// xoroshiro128+ with integer-only draws. Three independent streams come from
// the seed by jumps: held-out targets, the frozen test split, train, then the RL
// pool. The test split depends only on the seed, the ranges and its own size, so
// it stays frozen when the train size changes; train skips every test problem,
// and the RL pool skips both (so adding one changes neither).
import { type RandomGenerator, unsafeUniformIntDistribution, xoroshiro128plus } from 'pure-rand';
import type { IntRange, TaskConfig } from '../spec/config';
import { MAX_NUMBERS, MIN_NUMBERS, type Problem, problemKey } from './problem';
import { solve } from './solver';

export type GeneratorTask = Pick<TaskConfig, 'numbers' | 'values' | 'target' | 'operators' | 'train' | 'test' | 'seed' | 'heldOutTargets'> &
  Partial<Pick<TaskConfig, 'rlPool'>>;

export interface ProblemSet {
  train: Problem[];
  test: Problem[];
  /** Problems only RL samples, disjoint from train and test (empty unless the task reserves some). */
  rlPool: Problem[];
  /** Targets that never appear in train (sorted); test problems may use them. */
  heldOutTargets: number[];
}

/** Draws per wanted problem before the generator gives up on a too-narrow task. */
const ATTEMPTS_PER_PROBLEM = 500;

function draw(rng: RandomGenerator, range: IntRange): number {
  return unsafeUniformIntDistribution(range.min, range.max, rng);
}

function checkTask(task: GeneratorTask): void {
  const ranges: [string, IntRange][] = [['numbers', task.numbers], ['values', task.values], ['target', task.target]];
  for (const [name, r] of ranges) {
    if (!Number.isSafeInteger(r.min) || !Number.isSafeInteger(r.max) || r.min > r.max)
      throw new RangeError(`${name} range ${r.min}..${r.max} must be integers with min <= max`);
  }
  if (task.numbers.min < MIN_NUMBERS || task.numbers.max > MAX_NUMBERS)
    throw new RangeError(`numbers per problem must lie in ${MIN_NUMBERS}..${MAX_NUMBERS}`);
  if (task.values.min < 0) throw new RangeError('values must be non-negative');
  if (!(task.heldOutTargets >= 0 && task.heldOutTargets < 1)) throw new RangeError('held-out target share must lie in [0, 1)');
  if (task.operators.length === 0) throw new RangeError('at least one operator is needed');
}

function pickHeldOut(rng: RandomGenerator, target: IntRange, share: number): number[] {
  const all: number[] = [];
  for (let t = target.min; t <= target.max; t++) all.push(t);
  const k = Math.round(share * all.length);
  // Partial Fisher-Yates: the first k entries become a uniform sample.
  for (let i = 0; i < k; i++) {
    const j = unsafeUniformIntDistribution(i, all.length - 1, rng);
    [all[i], all[j]] = [all[j]!, all[i]!];
  }
  return all.slice(0, k).sort((a, b) => a - b);
}

function drawProblems(
  rng: RandomGenerator,
  task: GeneratorTask,
  count: number,
  targets: number[],
  taken: Set<string>,
  split: string,
): Problem[] {
  const out: Problem[] = [];
  const budget = ATTEMPTS_PER_PROBLEM * count + 10_000;
  for (let attempt = 0; out.length < count; attempt++) {
    if (attempt >= budget)
      throw new Error(
        `found only ${out.length} of ${count} distinct solvable ${split} problems; widen the values or target range, ` +
          'allow more operators, or ask for fewer problems',
      );
    const n = draw(rng, task.numbers);
    const numbers = Array.from({ length: n }, () => draw(rng, task.values));
    const target = targets[unsafeUniformIntDistribution(0, targets.length - 1, rng)]!;
    const problem = { numbers, target };
    const key = problemKey(problem);
    if (taken.has(key)) continue;
    if (!solve(problem, { operators: task.operators }).solvable) continue;
    taken.add(key);
    out.push(problem);
  }
  return out;
}

export function generateProblems(task: GeneratorTask): ProblemSet {
  checkTask(task);
  const heldOutRng = xoroshiro128plus(task.seed);
  const testRng = heldOutRng.jump!();
  const trainRng = testRng.jump!();
  const rlPoolRng = trainRng.jump!();
  const heldOutTargets = pickHeldOut(heldOutRng, task.target, task.heldOutTargets);
  const held = new Set(heldOutTargets);
  const allTargets: number[] = [];
  for (let t = task.target.min; t <= task.target.max; t++) allTargets.push(t);
  const trainTargets = allTargets.filter((t) => !held.has(t));
  const taken = new Set<string>();
  const test = drawProblems(testRng, task, task.test, allTargets, taken, 'test');
  const train = drawProblems(trainRng, task, task.train, trainTargets, taken, 'train');
  const rlPool = drawProblems(rlPoolRng, task, task.rlPool ?? 0, trainTargets, taken, 'RL pool');
  return { train, test, rlPool, heldOutTargets };
}
