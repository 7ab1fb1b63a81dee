// `rlab train`: the training engine in this process, with a progress bar and a
// summary. tfjs loads only when a run starts, so other commands stay fast.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Option, type Command } from 'commander';
import { RUNS_FOLDER } from '../../core/run/layout';
import type { TrainerLaunch } from '../../core/protocol/trainer';
import { createRunDir } from '../../core/run/files';
import { continueRun } from '../../core/run/continue';
import { readRunInfo } from '../../core/run/run-info';
import { parseInteger } from './batch';
import { RunControl } from '../engine/control';
import { readSpecFile, type SpecFile } from '../spec-file';
import { createRunFolder } from '../../core/run/new-run';
import { TrainProgress } from './progress';

interface TrainOptions {
  out?: string;
  resume?: string;
  continue?: string;
  steps?: number;
  stage?: string;
  device?: string;
  from?: string;
}

const STAGES = ['pretrain', 'rl', 'all'] as const;

export function register(program: Command): void {
  program
    .command('train')
    .description('Train a model from a .countdown spec (pretraining, then RL), writing a run directory')
    .argument('[spec]', 'the .countdown spec (not needed with --resume)')
    .option('--out <dir>', 'the run directory to create (default: .rlab/runs/<name>-<date>-<time>)')
    .option('--resume <run>', 'continue a run from its latest checkpoint')
    .option('--continue <run>', 'train a finished run on for --steps more steps, as a new run (the finished one is left as it is)')
    .addOption(new Option('--steps <n>', 'with --continue: how many more steps').argParser(parseInteger))
    .option('--stage <stage>', 'pretrain, rl or all (default: all; with --resume, the run\'s own)')
    .option('--device <device>', 'override the spec\'s device: auto, gpu, cpu, wasm or js')
    .option('--from <run>', 'start RL from the latest pretraining checkpoint of another run, or from a checkpoint folder')
    .addHelpText('after', '\nExamples:\n  rlab train examples/countdown-3.countdown\n  rlab train my.countdown --stage pretrain --out runs/base\n  rlab train my.countdown --stage rl --from runs/base\n  rlab train --resume .rlab/runs/countdown-3-20260101-120000\n  rlab train --continue .rlab/runs/countdown-3-20260101-120000 --steps 50\n  rlab train examples/tinyzero-verl.countdown   # engine verl: veRL on GPUs (docs/verl.md)\n\nCtrl-C stops after the current step with a checkpoint (a veRL job: stops it; resume continues from veRL\'s last checkpoint); --resume continues.')
    .action(async (spec: string | undefined, options: TrainOptions, command: Command) => {
      const launch = toLaunch(spec, options, (message) => command.error(`rlab train: ${message}`));
      const { train } = await import('../engine/dispatch');
      const control = new RunControl();
      let interrupts = 0;
      const onInterrupt = (): void => {
        if (++interrupts > 1) process.exit(130);
        process.stderr.write('\nstopping after this step with a checkpoint (Ctrl-C again to quit at once)\n');
        void control.requestStop().catch(() => undefined);
      };
      process.on('SIGINT', onInterrupt);
      process.on('SIGTERM', onInterrupt);
      const outcome = await train(launch, new TrainProgress(process.stderr), control);
      process.off('SIGINT', onInterrupt);
      process.off('SIGTERM', onInterrupt);
      if (outcome === 'failed') process.exitCode = 1;
    });
}

function toLaunch(spec: string | undefined, options: TrainOptions, fail: (message: string) => never): TrainerLaunch {
  const stage = options.stage ?? null;
  if (stage !== null && !(STAGES as readonly string[]).includes(stage)) fail(`--stage must be pretrain, rl or all, not "${stage}"`);
  if (options.continue) {
    if (spec || options.resume) fail('--continue RUN takes no spec and no --resume: the new run keeps the finished run\'s spec');
    if (options.steps === undefined || options.steps < 1) fail('--continue RUN needs --steps N (how many more steps, 1 or more)');
    const source = path.resolve(options.continue);
    try {
      const { dir, info } = continueRun(source, (name) => (options.out ? path.resolve(options.out) : createRunDir(path.resolve(RUNS_FOLDER), name)), options.steps);
      return { spec: null, runDir: dir, resume: true, stage: info.stage, device: options.device ?? null, from: null };
    } catch (e) {
      return fail((e as Error).message);
    }
  }
  if (options.resume) {
    if (spec) fail('give either a spec or --resume RUN, not both (a resumed run keeps its own spec)');
    if (options.out) fail('--out names a new run directory; a resumed run stays in its own');
    let runStage: TrainerLaunch['stage'];
    try {
      runStage = readRunInfo(options.resume).stage;
    } catch (e) {
      return fail((e as Error).message);
    }
    return { spec: null, runDir: path.resolve(options.resume), resume: true, stage: (stage as TrainerLaunch['stage'] | null) ?? runStage, device: options.device ?? null, from: options.from ?? null };
  }
  if (!spec) fail('give a .countdown spec to train (or --resume RUN)');
  // The spec's one parse: its errors leave no run folder behind; the run folder gets the text and config checked here.
  let checked: SpecFile;
  try {
    checked = readSpecFile(spec);
  } catch (e) {
    return fail((e as Error).message);
  }
  if (options.from && !fs.existsSync(options.from)) fail(`--from ${options.from}: no such run directory or checkpoint folder`);
  const runDir = options.out ? path.resolve(options.out) : createRunDir(path.resolve(RUNS_FOLDER), checked.config.name);
  const runStage = (stage as TrainerLaunch['stage'] | null) ?? 'all';
  try {
    createRunFolder(runDir, { specFile: path.resolve(spec), specText: checked.text, config: checked.config, stage: runStage, parent: options.from ? path.resolve(options.from) : null });
  } catch (e) {
    return fail((e as Error).message);
  }
  return { spec: null, runDir, resume: true, stage: runStage, device: options.device ?? null, from: null };
}
