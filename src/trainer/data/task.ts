// The problems of a run, all from the spec: the generator's train split, frozen
// test split and RL pool, and the spec's fixed `problems`.
import type { ResolvedConfig } from '../../core/spec/config';
import { generateProblems } from '../../core/countdown/generator';
import type { Problem } from '../../core/countdown/problem';

export interface TaskData {
  /** What pretraining writes traces for. */
  train: Problem[];
  test: Problem[];
  /** What RL samples prompts from: the reserved RL pool, or train when the task reserves none. */
  rl: Problem[];
  problems: Problem[];
}

export function taskData(config: ResolvedConfig): TaskData {
  const { train, test, rlPool } = generateProblems(config.task);
  return { train, test, rl: rlPool.length > 0 ? rlPool : train, problems: config.problems };
}

/** The test problems one evaluation covers: the first `limit` of the frozen split (0: all). */
export function evalProblems(test: readonly Problem[], limit: number): Problem[] {
  return limit > 0 ? test.slice(0, limit) : [...test];
}
