// A veRL job run here: `python -m verl.trainer.main_ppo OVERRIDES` as a child
// process in its own process group, so that a stop reaches the Ray processes
// that its ray.init() started too.
import { spawn } from 'node:child_process';
import { failureMessage, OutputLines, type JobEnd, type VerlJob } from './running-job';

/** How long a stopped job may take to exit after SIGTERM before its process group is killed. */
export const STOP_GRACE_MS = 20_000;

export interface LocalJobOptions {
  python: string;
  /** What follows the interpreter: `-m verl.trainer.main_ppo ...overrides`, or a stand-in script and the overrides. */
  args: string[];
  cwd: string;
  env: NodeJS.ProcessEnv;
  onLine: (line: string) => void;
  graceMs?: number;
}

export class LocalJob implements VerlJob {
  readonly id: string;
  readonly command: string[];
  readonly ended: Promise<JobEnd>;
  private readonly pid: number;
  private stopping = false;
  private exited = false;

  private constructor(
    pid: number,
    command: string[],
    ended: Promise<JobEnd>,
    private readonly graceMs: number,
  ) {
    this.pid = pid;
    this.id = `local-${pid}`;
    this.command = command;
    this.ended = ended.finally(() => (this.exited = true));
  }

  /** Starts the job; rejects with a message that says what to do when the interpreter cannot start. */
  static start(o: LocalJobOptions): Promise<LocalJob> {
    const output = new OutputLines(o.onLine);
    const child = spawn(o.python, o.args, { cwd: o.cwd, env: o.env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.setEncoding('utf8').on('data', (t: string) => output.write(t));
    child.stderr.setEncoding('utf8').on('data', (t: string) => output.write(t));
    return new Promise((resolve, reject) => {
      child.once('error', (e: NodeJS.ErrnoException) => {
        reject(new Error(e.code === 'ENOENT' ? `Python \`${o.python}\` was not found: set \`python\` in the engine block to the interpreter that has veRL` : `cannot start ${o.python}: ${e.message}`));
      });
      child.once('spawn', () => {
        let job: LocalJob | undefined = undefined;
        const ended = new Promise<JobEnd>((settle) => {
          child.once('close', (code, signal) => {
            output.flush();
            if (code === 0) settle({ ok: true, message: 'the veRL job finished' });
            else if (job?.stopping) settle({ ok: false, message: 'the veRL job was stopped' });
            else settle({ ok: false, message: failureMessage(signal ? `was killed by ${signal}` : `exited with code ${code}`, output) });
          });
        });
        job = new LocalJob(child.pid!, [o.python, ...o.args], ended, o.graceMs ?? STOP_GRACE_MS);
        resolve(job);
      });
    });
  }

  async stop(): Promise<JobEnd> {
    if (!this.exited && !this.stopping) {
      this.stopping = true;
      this.signal('SIGTERM');
      const timer = setTimeout(() => this.signal('SIGKILL'), this.graceMs);
      await this.ended;
      clearTimeout(timer);
      // Whatever the job left in its group (Ray's workers) goes with it.
      this.signal('SIGKILL');
    }
    return this.ended;
  }

  private signal(signal: NodeJS.Signals): void {
    try {
      process.kill(-this.pid, signal);
    } catch {
      // the group is gone
    }
  }
}
