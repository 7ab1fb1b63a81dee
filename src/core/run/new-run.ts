// A new run's folder, made where its spec is read and checked (the extension
// host, `rlab train`): spec.countdown holds the text that was checked and
// run.json the config it resolved to. The trainer then opens the folder as it
// would resume a run, so a spec is parsed once on its way to the trainer.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { version } from '../../../package.json';
import type { RunInfo } from '../protocol/records';
import type { ResolvedConfig } from '../spec/config';
import { runFile } from './layout';
import { writeRunInfo } from './run-info';

export interface NewRun {
  /** The .countdown file the text was read from, when there is one. */
  specFile: string | null;
  specText: string;
  config: ResolvedConfig;
  stage: RunInfo['stage'];
  /** Where RL takes its base model from (a run or a checkpoint folder), if not from this run's pretraining. */
  parent: string | null;
}

/**
 * run.json of a run not yet started: `stopped` at step 0 with no process, until
 * a trainer opens it (a folder whose trainer never started can be resumed).
 */
export function newRunInfo(runDir: string, run: NewRun, now = new Date()): RunInfo {
  return {
    id: path.basename(runDir),
    name: run.config.name,
    status: 'stopped',
    pid: null,
    seed: run.config.task.seed,
    stage: run.stage,
    backend: null,
    versions: { 'reasoning-lab': version },
    config: run.config,
    startedAt: now.toISOString(),
    endedAt: null,
    step: { pretrain: 0, rl: 0 },
    error: null,
    parent: run.parent ? path.resolve(run.parent) : null,
    ...(run.specFile ? { specFile: path.resolve(run.specFile) } : {}),
  };
}

/** Writes the new run's folder (`runDir` must be missing or empty): spec.countdown, run.json and an empty checkpoints/. */
export function createRunFolder(runDir: string, run: NewRun): RunInfo {
  fs.mkdirSync(runDir, { recursive: true });
  const existing = fs.readdirSync(runDir);
  if (existing.length > 0) {
    throw new Error(`run directory ${runDir} is not empty (it has ${existing.slice(0, 3).join(', ')}); choose another --out or use --resume`);
  }
  fs.mkdirSync(runFile(runDir, 'checkpoints'));
  fs.writeFileSync(runFile(runDir, 'spec'), run.specText);
  const info = newRunInfo(runDir, run);
  writeRunInfo(runDir, info);
  return info;
}
