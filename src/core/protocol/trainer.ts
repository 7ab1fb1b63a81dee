// JSON-RPC between the extension and the trainer process, over Node IPC. It
// carries the process's life, never the run's records: those go only to the
// run folder, which every reader (the extension, the CLI, a notebook) follows.
// Notifications flow trainer -> host; the one request flows host -> trainer.
import { NotificationType, RequestType0 } from 'vscode-jsonrpc';
import type { BackendInfo, CheckpointRecord, LogRecord, RunInfo } from './records';

/** argv the host passes to `dist/trainer.js` (parsed by the trainer entry). */
export interface TrainerLaunch {
  /** Spec file to start a new run from, in a run folder made from it (ignored with `resume`). */
  spec: string | null;
  /** Run directory to create, or to open with `resume`. */
  runDir: string;
  /**
   * Open an existing run folder: resume it from its latest checkpoint, or start
   * it from step 0 when it has none (a new run's folder, made from a checked spec
   * by core/run/new-run.ts, or a run killed before its first checkpoint).
   */
  resume: boolean;
  stage: 'pretrain' | 'rl' | 'all';
  /** Overrides the spec's `device`. */
  device: string | null;
  /** Where the RL stage takes its base model: another run (its latest pretraining checkpoint) or a checkpoint folder (RunInfo.parent). */
  from?: string | null;
}

/** The command line for `dist/trainer.js` that `parseTrainerArgv` reads back. */
export function trainerArgv(launch: TrainerLaunch): string[] {
  const argv = ['--run-dir', launch.runDir, '--stage', launch.stage];
  if (launch.spec !== null) argv.push('--spec', launch.spec);
  if (launch.resume) argv.push('--resume');
  if (launch.device !== null) argv.push('--device', launch.device);
  if (launch.from) argv.push('--from', launch.from);
  return argv;
}

/** Reads `trainerArgv`'s output; a bad command line is an error that says what is wrong. */
export function parseTrainerArgv(argv: readonly string[]): TrainerLaunch {
  const value = new Map<string, string>();
  const flags = new Set<string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--resume') {
      flags.add(arg);
    } else if (['--run-dir', '--stage', '--spec', '--device', '--from'].includes(arg)) {
      const next = argv[i + 1];
      if (next === undefined || next.startsWith('--')) throw new Error(`trainer: ${arg} needs a value`);
      value.set(arg, next);
      i++;
    } else {
      throw new Error(`trainer: unknown argument "${arg}" (expected --run-dir, --spec, --stage, --resume, --device, --from)`);
    }
  }
  const runDir = value.get('--run-dir');
  if (!runDir) throw new Error('trainer: --run-dir DIR is required');
  const stage = value.get('--stage') ?? 'all';
  if (stage !== 'pretrain' && stage !== 'rl' && stage !== 'all') {
    throw new Error(`trainer: --stage must be pretrain, rl or all, not "${stage}"`);
  }
  const resume = flags.has('--resume');
  const spec = value.get('--spec') ?? null;
  if (!resume && spec === null) throw new Error('trainer: a new run needs --spec FILE (or --resume to continue one)');
  return { spec, runDir, resume, stage, device: value.get('--device') ?? null, from: value.get('--from') ?? null };
}

export interface HelloParams {
  run: RunInfo;
  runDir: string;
  backend: BackendInfo;
  /** Step the run resumed from, or null for a fresh run. */
  resumedFrom: { phase: 'pretrain' | 'rl'; step: number } | null;
}

export interface DoneParams {
  status: 'done' | 'stopped';
  run: RunInfo;
}

export interface FailedParams {
  message: string;
  stack: string | null;
}

export const TrainerNotifications = {
  /** The run is set up (run.json written, backend loaded): always the first message. */
  hello: new NotificationType<HelloParams>('hello'),
  /** A line for the host's trainer output channel (also in trainer.log). */
  log: new NotificationType<LogRecord>('log'),
  /** The last message of a run that ended done or stopped. */
  done: new NotificationType<DoneParams>('done'),
  /** The last message of a failed run; the only word of one refused before its folder exists. */
  failed: new NotificationType<FailedParams>('failed'),
} as const;

export const TrainerRequests = {
  /** Checkpoint, then exit cleanly. Answers with the checkpoint written (or null). */
  stop: new RequestType0<CheckpointRecord | null, void>('stop'),
} as const;
