// JSON-RPC between the extension (or CLI) and the trainer process, over Node IPC.
// Notifications flow trainer -> host; requests flow host -> trainer.
import { NotificationType, RequestType0 } from 'vscode-jsonrpc';
import type {
  AlertRecord,
  BackendInfo,
  CheckpointRecord,
  EvalRecord,
  LogRecord,
  RunInfo,
  StepRecord,
  TraceRecord,
} from './records';

/** argv the host passes to `dist/trainer.js` (parsed by the trainer entry). */
export interface TrainerLaunch {
  /** Spec file to start a new run from (ignored with `resume`). */
  spec: string | null;
  /** Run directory to create, or to continue with `resume`. */
  runDir: string;
  resume: boolean;
  stage: 'pretrain' | 'rl' | 'all';
  /** Overrides the spec's `device`. */
  device: string | null;
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
  hello: new NotificationType<HelloParams>('hello'),
  step: new NotificationType<StepRecord>('step'),
  eval: new NotificationType<EvalRecord>('eval'),
  trace: new NotificationType<TraceRecord>('trace'),
  alert: new NotificationType<AlertRecord>('alert'),
  checkpoint: new NotificationType<CheckpointRecord>('checkpoint'),
  log: new NotificationType<LogRecord>('log'),
  done: new NotificationType<DoneParams>('done'),
  failed: new NotificationType<FailedParams>('failed'),
} as const;

export const TrainerRequests = {
  /** Checkpoint, then exit cleanly. Answers with the checkpoint written (or null). */
  stop: new RequestType0<CheckpointRecord | null, void>('stop'),
  checkpointNow: new RequestType0<CheckpointRecord, void>('checkpointNow'),
} as const;
