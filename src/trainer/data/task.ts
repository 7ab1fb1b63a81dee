// The problems of a run, all from the spec: the generator's train split and
// frozen test split, and the spec's fixed `problems`.
import type { ResolvedConfig } from '../../core/spec/config';
import { generateProblems } from '../../core/countdown/generator';
import type { Problem } from '../../core/countdown/problem';

export interface TaskData {
  train: Problem[];
  test: Problem[];
  problems: Problem[];
}

export function taskData(config: ResolvedConfig): TaskData {
  const { train, test } = generateProblems(config.task);
  return { train, test, problems: config.problems };
}

/** The test problems one evaluation covers: the first `limit` of the frozen split (0: all). */
export function evalProblems(test: readonly Problem[], limit: number): Problem[] {
  return limit > 0 ? test.slice(0, limit) : [...test];
}
