// What `rlab train` shows while it runs: a progress bar per stage on a
// terminal (cli-progress), plain log lines otherwise (CI, pipes), and a final
// summary. It is a TrainerSink: the engine shows it each record as it writes it.
import { describeBackend } from '../../core/protocol/describe-backend';
import { SingleBar, Presets } from 'cli-progress';
import type { EvalRecord, Phase, RunInfo, StepRecord } from '../../core/protocol/records';
import type { DoneParams, FailedParams, HelloParams } from '../../core/protocol/trainer';
import type { TrainerSink } from '../engine/sink';
import { describeProgress, formatDuration, runProgress } from '../../core/run/progress';
import { describeScore } from '../../core/protocol/describe-score';
import { describeRlOutcome, rlOutcome } from '../../core/run/best';
import { parseJsonl } from '../../core/run/jsonl';
import { runFile } from '../../core/run/layout';
import * as fs from 'node:fs';

/** Without a terminal, one line per this many steps (and every evaluation). */
const PLAIN_EVERY = 10;

const pct = (share: number | undefined): string => (share === undefined ? '-' : `${(share * 100).toFixed(1)}%`);

export class TrainProgress implements TrainerSink {
  private bar: SingleBar | null = null;
  private barPhase: Phase | null = null;
  private info: RunInfo | null = null;
  /** This process's records, for the progress line's pace and time left. */
  private readonly steps: StepRecord[] = [];
  private readonly evals: EvalRecord[] = [];
  private runDir = '';
  private lastLoss: number | undefined;
  private readonly lastEval = new Map<string, EvalRecord>();
  private readonly started = Date.now();

  constructor(
    private readonly out: NodeJS.WriteStream,
    private readonly tty = Boolean(out.isTTY),
  ) {}

  hello(p: HelloParams): void {
    this.info = p.run;
    this.runDir = p.runDir;
    const from = p.resumedFrom ? `, resuming from ${p.resumedFrom.phase} step ${p.resumedFrom.step}` : '';
    this.line(`run ${p.runDir}\nbackend ${describeBackend(p.backend)}${from}`);
  }

  step(r: StepRecord): void {
    this.lastLoss = r.loss ?? this.lastLoss;
    this.steps.push(r);
    // Phase, step of total, elapsed and the whole run's time left.
    const progress = this.info ? runProgress(this.info, this.steps, Date.now(), this.evals) : null;
    const where = progress ? describeProgress(progress) : `${r.phase} step ${r.step}`;
    const total = progress?.total ?? r.step;
    const metric = r.phase === 'rl' ? `reward ${r.rewardMean?.toFixed(3) ?? '-'} acc ${pct(r.accuracy)}` : `loss ${r.loss?.toFixed(4) ?? '-'}`;
    const test = this.lastEval.get(`${r.phase}:test`);
    const evalText = test ? `pass@1 ${pct(test.score.pass1)}` : 'pass@1 -';
    const speed = r.tokensPerSec ? `${Math.round(r.tokensPerSec)} tok/s` : '';
    if (this.tty) {
      if (this.barPhase !== r.phase) {
        this.bar?.stop();
        this.bar = new SingleBar({ format: `[{bar}] {where} | {metric} | {eval} | {speed}`, stream: this.out, hideCursor: true }, Presets.shades_classic);
        this.bar.start(total, r.step - 1, { where, metric, eval: evalText, speed });
        this.barPhase = r.phase;
      }
      this.bar!.update(r.step, { where, metric, eval: evalText, speed });
    } else if (r.step % PLAIN_EVERY === 0 || r.step === total) {
      this.out.write(`${where}  ${metric}  ${evalText}  ${speed}\n`);
    }
  }

  eval(r: EvalRecord): void {
    this.evals.push(r);
    this.lastEval.set(`${r.phase}:${r.split}`, r);
    const s = r.score;
    this.line(`eval ${r.phase} step ${r.step} ${r.split}: ${describeScore(s, r.k)}, length ${s.lengthMean.toFixed(0)} (${s.n} problems)${r.loss !== undefined ? `, held-out loss ${r.loss.toFixed(4)}` : ''}`);
  }

  alert(r: Parameters<TrainerSink['alert']>[0]): void {
    this.line(`alert ${r.kind} at ${r.phase} step ${r.step}: ${r.evidence}. ${r.advice}`);
  }

  log(r: Parameters<TrainerSink['log']>[0]): void {
    if (r.level === 'warn' || r.level === 'error') this.line(`${r.level}: ${r.message}`);
  }

  done(p: DoneParams): void {
    this.bar?.stop();
    this.bar = null;
    const lines = [`${p.status === 'done' ? 'done' : 'stopped'} in ${formatDuration(Date.now() - this.started)}: ${p.run.step.pretrain} pretraining step(s), ${p.run.step.rl} RL step(s)`];
    if (this.lastLoss !== undefined) lines.push(`last loss ${this.lastLoss.toFixed(4)}`);
    for (const r of this.lastEval.values()) {
      lines.push(`${r.phase} ${r.split} (step ${r.step}): ${describeScore(r.score, r.k)}`);
    }
    // From the run's own records, so that a resumed run counts the evaluations of its earlier processes too.
    const evalFile = runFile(this.runDir, 'eval');
    const outcome = fs.existsSync(evalFile) ? rlOutcome(parseJsonl<EvalRecord>(fs.readFileSync(evalFile, 'utf8')).records) : null;
    if (outcome) lines.push(`RL: ${describeRlOutcome(outcome)}`);
    lines.push(`run directory ${this.runDir}`);
    if (p.status === 'stopped') lines.push(`continue with: rlab train --resume ${this.runDir}`);
    this.line(lines.join('\n'));
  }

  failed(p: FailedParams): void {
    this.bar?.stop();
    this.bar = null;
    this.line(`failed: ${p.message}${this.runDir ? `\nrun directory ${this.runDir} (its trainer.log has the details)` : ''}`);
  }

  /** A line above the bar (the bar redraws below it). */
  private line(text: string): void {
    if (this.bar) {
      this.out.write('\r\x1b[2K');
      this.out.write(`${text}\n`);
      this.bar.render();
    } else {
      this.out.write(`${text}\n`);
    }
  }
}
