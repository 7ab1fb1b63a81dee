// Writes a self-contained veRL job folder from a resolved spec: the data files
// from our generator in TinyZero's row schema, the reward module, run.sh with
// the complete override list, and job.json with what a launcher needs later.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { version } from '../../../package.json';
import type { ResolvedConfig } from '../../core/spec/config';
import { JOB_FILES, longestPrompt } from '../../core/verl/job';
import { renderRunScript } from '../../core/verl/run-script';
import { countdownRow } from '../../core/verl/rows';
import { evalProblems, taskData } from '../data/task';
import { writeFileAtomic } from '../../core/run/files';
import { writeRowsParquet } from './parquet';
import { REWARD_MODULE } from './reward-module';

/** job.json: the facts of an exported job that its overrides depend on. */
export interface VerlJobFacts {
  /** data.max_prompt_length: the longest prompt in characters. */
  promptLength: number;
  trainRows: number;
  testRows: number;
  /** Reasoning Lab's version that wrote the folder. */
  version: string;
}

/**
 * Writes the job into `dir` (created if missing). A folder that holds anything
 * but an earlier export is refused, so that nothing else is overwritten; an
 * earlier export keeps its logs, samples and checkpoints.
 */
export function exportVerlJob(config: ResolvedConfig, dir: string, log: (message: string) => void = () => {}): VerlJobFacts {
  fs.mkdirSync(dir, { recursive: true });
  const existing = fs.readdirSync(dir);
  if (existing.length > 0 && !existing.includes(JOB_FILES.job)) {
    throw new Error(`${dir} is not empty and holds no exported job (${existing.slice(0, 3).join(', ')}); choose an empty or new folder`);
  }
  log(`generating ${config.task.train} train, ${config.task.rlPool} RL pool and ${config.task.test} test problems (seed ${config.task.seed})`);
  const data = taskData(config);
  // veRL has no pretraining stage: train.parquet holds what RL samples (the RL pool when the task reserves one).
  const train = data.rl;
  const test = evalProblems(data.test, config.eval.limit);
  const facts: VerlJobFacts = {
    promptLength: Math.max(longestPrompt(config, train), longestPrompt(config, test)),
    trainRows: train.length,
    testRows: test.length,
    version,
  };
  writeRowsParquet(path.join(dir, JOB_FILES.train), train.map((p, i) => countdownRow(p, config.prompt, 'train', i)));
  writeRowsParquet(path.join(dir, JOB_FILES.test), test.map((p, i) => countdownRow(p, config.prompt, 'test', i)));
  writeFileAtomic(path.join(dir, JOB_FILES.reward), REWARD_MODULE);
  writeFileAtomic(path.join(dir, JOB_FILES.script), renderRunScript(config, facts));
  fs.chmodSync(path.join(dir, JOB_FILES.script), 0o755);
  writeFileAtomic(path.join(dir, JOB_FILES.job), JSON.stringify(facts, null, 2) + '\n');
  log(`wrote ${dir}: ${JOB_FILES.train} (${facts.trainRows} rows), ${JOB_FILES.test} (${facts.testRows}), ${JOB_FILES.reward}, ${JOB_FILES.script}`);
  return facts;
}

export function readVerlJob(dir: string): VerlJobFacts {
  const file = path.join(dir, JOB_FILES.job);
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as VerlJobFacts;
  } catch (e) {
    throw new Error(`cannot read the veRL job ${file}: ${(e as Error).message}; export the job again`);
  }
}
