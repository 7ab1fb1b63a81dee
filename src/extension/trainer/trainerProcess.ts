// One trainer child process: forked with a real Node binary, spoken to with
// typed JSON-RPC over Node IPC (the vscode-languageclient recipe). Knows
// nothing of VS Code, so it is tested with real processes.
import { fork, type ChildProcess } from 'node:child_process';
import { Emitter, type Event } from 'vscode-jsonrpc';
import { createMessageConnection, IPCMessageReader, IPCMessageWriter, type MessageConnection } from 'vscode-jsonrpc/node';
import type { CheckpointRecord, LogRecord } from '../../core/protocol/records';
import {
  TrainerNotifications,
  TrainerRequests,
  trainerArgv,
  type DoneParams,
  type FailedParams,
  type HelloParams,
  type TrainerLaunch,
} from '../../core/protocol/trainer';
import type { NodeRuntime } from './nodePath';

export interface TrainerExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** The end of the child's stderr, for an error message. */
  stderrTail: string;
  /** What the trainer said last: done, failed, or nothing (it crashed). */
  outcome: { kind: 'done'; params: DoneParams } | { kind: 'failed'; params: FailedParams } | null;
}

const STDERR_TAIL = 4000;

export class TrainerProcess {
  readonly child: ChildProcess;
  readonly connection: MessageConnection;
  /** Resolves on `hello`; rejects if the process ends first. */
  readonly hello: Promise<HelloParams>;
  readonly exited: Promise<TrainerExit>;
  private readonly logEmitter = new Emitter<LogRecord>();
  readonly onLog: Event<LogRecord> = this.logEmitter.event;
  private stderrTail = '';
  private outcome: TrainerExit['outcome'] = null;

  constructor(trainerScript: string, runtime: NodeRuntime, launch: TrainerLaunch, cwd: string) {
    this.child = fork(trainerScript, trainerArgv(launch), {
      execPath: runtime.execPath,
      // Not the host's own flags (the extension host's, or a test runner's loader).
      execArgv: [],
      cwd,
      env: { ...process.env, ...runtime.env },
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      // Its own process group, so that a reload of the window does not take it down.
      detached: true,
    });
    const lines = (level: LogRecord['level']) => (chunk: Buffer) => {
      for (const line of chunk.toString('utf8').split('\n')) {
        if (line.trim()) this.logEmitter.fire({ level, message: line, time: Date.now() });
      }
    };
    this.child.stdout?.on('data', lines('info'));
    this.child.stderr?.on('data', (chunk: Buffer) => {
      this.stderrTail = (this.stderrTail + chunk.toString('utf8')).slice(-STDERR_TAIL);
      lines('error')(chunk);
    });
    this.connection = createMessageConnection(new IPCMessageReader(this.child), new IPCMessageWriter(this.child));
    this.connection.onNotification(TrainerNotifications.log, (r) => this.logEmitter.fire(r));
    this.connection.onNotification(TrainerNotifications.done, (params) => (this.outcome = { kind: 'done', params }));
    this.connection.onNotification(TrainerNotifications.failed, (params) => (this.outcome = { kind: 'failed', params }));
    this.connection.onError(() => undefined); // a broken pipe shows up as the exit below
    this.exited = new Promise((resolve) => {
      const end = (code: number | null, signal: NodeJS.Signals | null) => {
        this.connection.dispose();
        resolve({ code, signal, stderrTail: this.stderrTail, outcome: this.outcome });
      };
      this.child.on('exit', end);
      this.child.on('error', (err) => {
        this.stderrTail += `\n${err.message}`;
        // A binary that cannot be started never emits 'exit'.
        if (this.child.pid === undefined) end(null, null);
      });
    });
    this.hello = new Promise((resolve, reject) => {
      this.connection.onNotification(TrainerNotifications.hello, resolve);
      void this.exited.then((exit) => reject(new Error(describeExit(exit))));
    });
    this.connection.listen();
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  /** Asks the trainer to checkpoint and exit; kills it if it does not within `graceMs`. */
  async stop(graceMs = 30_000): Promise<CheckpointRecord | null> {
    const killer = setTimeout(() => this.kill(), graceMs);
    try {
      return await Promise.race([
        this.connection.sendRequest(TrainerRequests.stop),
        this.exited.then(() => null),
      ]);
    } finally {
      await this.exited;
      clearTimeout(killer);
    }
  }

  kill(): void {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
  }

  dispose(): void {
    this.logEmitter.dispose();
  }
}

/** A sentence for the user about how the trainer ended. */
export function describeExit(exit: TrainerExit): string {
  if (exit.outcome?.kind === 'failed') return exit.outcome.params.message;
  if (exit.outcome?.kind === 'done') return `The run ended: ${exit.outcome.params.status}.`;
  const how = exit.signal ? `was killed by ${exit.signal}` : `exited with code ${exit.code}`;
  const last = exit.stderrTail.split('\n').filter((l) => l.trim() !== '').slice(-3).join(' | ');
  return `The trainer ${how} before finishing${last ? `: ${last}` : '.'}`;
}
