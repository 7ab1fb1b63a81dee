// A running veRL job, wherever it runs: here as a child process, or on a Ray
// cluster through the Ray Jobs API. The supervisor starts one, forwards its
// output to trainer.log, stops it on request and waits for its end.

export interface JobEnd {
  ok: boolean;
  /** How it ended, in words: an exit code or a Ray status, and the error it printed last. */
  message: string;
}

export interface VerlJob {
  /** `local-<pid>`, or the Ray submission id. */
  readonly id: string;
  /** The command line that runs it. */
  readonly command: string[];
  /** Settles when the job has ended, however it ended. */
  readonly ended: Promise<JobEnd>;
  /** Asks the job to end (Ray's stop, or SIGTERM then SIGKILL to the process group); resolves once it has. */
  stop(): Promise<JobEnd>;
}

/** Collects a job's output as lines, keeping the last few for the failure message. */
export class OutputLines {
  private partial = '';
  private readonly last: string[] = [];

  constructor(
    private readonly onLine: (line: string) => void,
    private readonly keep = 40,
  ) {}

  write(text: string): void {
    const lines = (this.partial + text).split(/\r?\n/);
    this.partial = lines.pop()!;
    for (const line of lines) this.take(line);
  }

  flush(): void {
    if (this.partial) this.take(this.partial);
    this.partial = '';
  }

  /** The last error a Python traceback ended with (`SomethingError: ...`), or the last line printed. */
  lastError(): string {
    const error = [...this.last].reverse().find((l) => /^[\w.]+(Error|Exception|Exit|Interrupt)\b.*/.test(l.trim()));
    return (error ?? this.last.at(-1) ?? '').trim();
  }

  private take(line: string): void {
    this.onLine(line);
    if (line.trim() === '') return;
    this.last.push(line);
    if (this.last.length > this.keep) this.last.shift();
  }
}

/** The failure message of a job that ended badly: how, and what it printed last. */
export function failureMessage(how: string, output: OutputLines): string {
  const error = output.lastError();
  return `the veRL job ${how}${error ? `: ${error}` : ''} (trainer.log has its whole output)`;
}
