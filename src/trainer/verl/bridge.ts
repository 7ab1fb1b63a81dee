// Follows a running veRL job through its files and writes our run folder:
// veRL's file-logger JSONL (one `{"step", "data"}` line per step) becomes
// metrics.jsonl, its rollout dumps the sample metrics and traces of each step,
// its validation dumps eval.jsonl, its checkpoint tracker our checkpoint
// events. A step is written once, whole, when its log line and its dumps are
// complete (or the job has ended). A logger file that starts over (veRL
// truncates it when its trainer restarts) rewinds the run to the checkpoint the
// trainer restarted from, as a resume does.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { AlertMonitor } from '../../core/alerts/monitor';
import type { CheckpointRecord, StepRecord } from '../../core/protocol/records';
import { parseJsonl } from '../../core/run/jsonl';
import { runFile } from '../../core/run/layout';
import type { ResolvedConfig } from '../../core/spec/config';
import { mapVerlMetrics } from '../../core/verl/metric-names';
import type { RunRecorder } from '../engine/recorder';
import type { TrainerSink } from '../engine/sink';
import { JsonlTail } from '../../core/run/jsonl-tail';
import { evaluationFromDump, groupSamples, rolloutPart, type DumpRow } from './samples';

interface LoggerLine {
  step: number;
  data: Record<string, unknown>;
}

/** veRL's checkpoint tracker: the step of the newest complete checkpoint. */
export const CHECKPOINT_TRACKER = 'latest_checkpointed_iteration.txt';

/** The newest complete veRL checkpoint in `dir`, or null. */
export function latestVerlCheckpoint(dir: string): number | null {
  try {
    const step = Number(fs.readFileSync(path.join(dir, CHECKPOINT_TRACKER), 'utf8').trim());
    return Number.isInteger(step) && step >= 0 ? step : null;
  } catch {
    return null;
  }
}

export interface BridgeFiles {
  /** veRL's file logger JSONL of this attempt. */
  log: string;
  rollouts: string;
  validation: string;
  checkpoints: string;
}

export interface BridgeOptions {
  config: ResolvedConfig;
  files: BridgeFiles;
  recorder: RunRecorder;
  sink: TrainerSink;
  /** Rows of test.parquet: a validation dump is complete with rows × eval samples lines. */
  testRows: number;
  /** Steps up to here are in the run folder already (the checkpoint a resumed run continues from); -1 for a new run. */
  after: number;
  onCheckpoint: (record: CheckpointRecord) => void;
}

export class VerlBridge {
  private readonly log: JsonlTail<LoggerLine>;
  private readonly pending = new Map<number, Record<string, unknown>>();
  private monitor = new AlertMonitor();
  private restarts = 0;
  private emitted: number;
  private checkpoint: number | null;

  constructor(private readonly o: BridgeOptions) {
    this.log = new JsonlTail<LoggerLine>(o.files.log);
    this.emitted = o.after;
    this.checkpoint = latestVerlCheckpoint(o.files.checkpoints);
    this.primeMonitor();
  }

  /** The last step written to the run folder. */
  get lastStep(): number {
    return this.emitted;
  }

  /** Reads what the job wrote since the last poll and writes every step that is complete; `final` once the job has ended. */
  poll(final = false): void {
    const lines = this.log.read();
    if (this.log.restarts > this.restarts) {
      this.restarts = this.log.restarts;
      this.rewind();
    }
    for (const line of lines) {
      if (typeof line.step !== 'number' || typeof line.data !== 'object' || line.data === null) continue;
      if (line.step <= this.emitted) continue;
      this.pending.set(line.step, { ...this.pending.get(line.step), ...line.data });
    }
    this.pollCheckpoint();
    for (const step of [...this.pending.keys()].sort((a, b) => a - b)) {
      if (!final && !this.ready(step)) break;
      this.emit(step, this.pending.get(step)!);
      this.pending.delete(step);
    }
    if (final) this.pollCheckpoint();
  }

  /** The trainer restarted and truncated its log: go back to the checkpoint it restarts from. */
  private rewind(): void {
    const from = latestVerlCheckpoint(this.o.files.checkpoints) ?? -1;
    this.pending.clear();
    if (from < this.emitted) {
      const { writer } = this.o.recorder;
      writer.truncateAfter('rl', from);
      writer.update({ step: { ...writer.info.step, rl: Math.max(0, from) } });
      this.o.recorder.log('warn', `veRL's trainer restarted (its log started over); the run continues from ${from < 0 ? 'the start' : `its checkpoint at step ${from}`}`);
      this.emitted = from;
      this.primeMonitor();
    }
  }

  private primeMonitor(): void {
    this.monitor = new AlertMonitor();
    const file = runFile(this.o.recorder.writer.dir, 'metrics');
    if (!fs.existsSync(file)) return;
    for (const r of parseJsonl<StepRecord>(fs.readFileSync(file, 'utf8')).records) if (r.phase === 'rl') this.monitor.observe(r);
  }

  private dump(dir: string, step: number): DumpRow[] | null {
    try {
      return parseJsonl<DumpRow>(fs.readFileSync(path.join(dir, `${step}.jsonl`), 'utf8')).records;
    } catch {
      return null;
    }
  }

  private validated(data: Record<string, unknown>): boolean {
    return Object.keys(data).some((k) => k.startsWith('val-'));
  }

  /** A step is complete when its dumps have every sample, or two later steps are logged (veRL writes dumps in order, one at a time). */
  private ready(step: number): boolean {
    const data = this.pending.get(step)!;
    const { rl, eval: evaluation } = this.o.config;
    const later = Math.max(...this.pending.keys()) >= step + 2;
    const full = (rows: DumpRow[] | null, wanted: number) => rows !== null && rows.length >= wanted;
    const rollouts = step === 0 || full(this.dump(this.o.files.rollouts, step), rl.prompts * rl.groupSize);
    const validation = !this.validated(data) || full(this.dump(this.o.files.validation, step), this.o.testRows * evaluation.samples);
    return later || (rollouts && validation);
  }

  private emit(step: number, data: Record<string, unknown>): void {
    const { config, recorder } = this.o;
    if (step > 0) {
      const { metrics, unmapped } = mapVerlMetrics(data, { prompts: config.rl.prompts, completions: config.rl.prompts * config.rl.groupSize });
      const rows = this.dump(this.o.files.rollouts, step);
      const part = rows && rows.length > 0 ? rolloutPart(groupSamples(rows, config), step, config) : null;
      const record: StepRecord = { phase: 'rl', step, time: Date.now(), ...metrics, ...part?.metrics, engineMetrics: unmapped };
      recorder.step(record);
      for (const t of part?.traces ?? []) recorder.trace(t);
      for (const alert of this.monitor.observe(record)) recorder.alert(alert);
    }
    if (this.validated(data)) {
      const rows = this.dump(this.o.files.validation, step);
      if (rows && rows.length > 0) {
        const { record, traces } = evaluationFromDump(groupSamples(rows, config), step, config);
        for (const t of traces) recorder.trace(t);
        recorder.eval(record);
      } else {
        recorder.log('warn', `veRL validated at step ${step} but wrote no samples to ${this.o.files.validation}; eval.jsonl has no record for it`);
      }
    }
    this.emitted = step;
  }

  private pollCheckpoint(): void {
    const step = latestVerlCheckpoint(this.o.files.checkpoints);
    if (step === null || step === this.checkpoint) return;
    this.checkpoint = step;
    const record: CheckpointRecord = { phase: 'rl', step, path: path.join(this.o.files.checkpoints, `global_step_${step}`) };
    this.o.recorder.log('info', `veRL checkpoint global_step_${step}`);
    this.o.onCheckpoint(record);
  }
}
