// Writes the run directory (see src/core/run/layout.ts and docs/run-directory.md):
// run.json replaced atomically, JSONL files appended one whole line per write,
// trainer.log as readable lines. Synchronous on purpose: the trainer is one
// thread, and a record is on disk before the next step starts.
import * as fs from 'node:fs';
import { writeFileAtomic } from '../../core/run/files';
import { parseJsonl } from '../../core/run/jsonl';
import { runFile } from '../../core/run/layout';
import { readRunInfo, writeRunInfo } from '../../core/run/run-info';
import type { AlertRecord, EvalRecord, LogLevel, Phase, RunInfo, StepRecord, TraceRecord } from '../../core/protocol/records';

const PHASE_ORDER: Record<Phase, number> = { pretrain: 0, rl: 1 };

type JsonlFile = 'metrics' | 'eval' | 'traces' | 'alerts';

export class RunWriter {
  private constructor(
    readonly dir: string,
    private current: RunInfo,
  ) {}

  /** A run folder (core/run/new-run.ts makes new ones), to train it. */
  static open(dir: string): RunWriter {
    return new RunWriter(dir, readRunInfo(dir));
  }

  get info(): RunInfo {
    return this.current;
  }

  readSpec(): string {
    return fs.readFileSync(runFile(this.dir, 'spec'), 'utf8');
  }

  /** Merges `patch` into run.json and rewrites it atomically. */
  update(patch: Partial<RunInfo>): RunInfo {
    this.current = { ...this.current, ...patch };
    writeRunInfo(this.dir, this.current);
    return this.current;
  }

  step(record: StepRecord): void {
    this.append('metrics', record);
  }

  eval(record: EvalRecord): void {
    this.append('eval', record);
  }

  trace(record: TraceRecord): void {
    this.append('traces', record);
  }

  alert(record: AlertRecord): void {
    this.append('alerts', record);
  }

  log(level: LogLevel, message: string, time = Date.now()): void {
    const lines = message.split('\n').map((line) => `${new Date(time).toISOString()} ${level.padEnd(5)} ${line}\n`);
    fs.appendFileSync(runFile(this.dir, 'log'), lines.join(''));
  }

  /**
   * Before resuming from the checkpoint at (`phase`, `step`): drops every
   * record written after it (the killed process may have run on past its last
   * checkpoint) and any torn last line, so the resumed run appends exactly what
   * an uninterrupted run would have written.
   */
  truncateAfter(phase: Phase, step: number): void {
    const keep = (r: { phase: Phase; step: number }): boolean =>
      PHASE_ORDER[r.phase] < PHASE_ORDER[phase] || (r.phase === phase && r.step <= step);
    for (const file of ['metrics', 'eval', 'traces', 'alerts'] as const) {
      const name = runFile(this.dir, file);
      if (!fs.existsSync(name)) continue;
      const text = fs.readFileSync(name, 'utf8');
      const lines = text.split('\n');
      lines.pop(); // the part after the last newline: empty, or a torn line
      const kept = lines.filter((line) => {
        const { records } = parseJsonl<{ phase: Phase; step: number }>(line + '\n');
        return records.length === 1 && keep(records[0]!);
      });
      const out = kept.length > 0 ? kept.join('\n') + '\n' : '';
      if (out !== text) writeFileAtomic(name, out);
    }
  }

  private append(file: JsonlFile, record: object): void {
    fs.appendFileSync(runFile(this.dir, file), JSON.stringify(record) + '\n');
  }
}
