// What `rlab train` shows while it runs: a progress bar per stage on a
// terminal (cli-progress), plain log lines otherwise (CI, pipes), and a final
// summary. It is a TrainerSink: the engine shows it each record as it writes it.
import { describeBackend } from '../../core/protocol/describe-backend';
import { SingleBar, Presets } from 'cli-progress';
import type { EvalRecord, Phase, StepRecord } from '../../core/protocol/records';
import type { ResolvedConfig } from '../../core/spec/config';
import type { DoneParams, FailedParams, HelloParams } from '../../core/protocol/trainer';
import type { TrainerSink } from '../engine/sink';
import { formatDuration } from '../../core/run/progress';
import { describeScore } from '../../core/protocol/describe-score';

/** Without a terminal, one line per this many steps (and every evaluation). */
const PLAIN_EVERY = 10;

const pct = (share: number | undefined): string => (share === undefined ? '-' : `${(share * 100).toFixed(1)}%`);

export class TrainProgress implements TrainerSink {
  private bar: SingleBar | null = null;
  private barPhase: Phase | null = null;
  private config: ResolvedConfig | null = null;
  private runDir = '';
  private lastLoss: number | undefined;
  private readonly lastEval = new Map<string, EvalRecord>();
  private readonly started = Date.now();

  constructor(
    private readonly out: NodeJS.WriteStream,
    private readonly tty = Boolean(out.isTTY),
  ) {}

  hello(p: HelloParams): void {
    this.config = p.run.config;
    this.runDir = p.runDir;
    const from = p.resumedFrom ? `, resuming from ${p.resumedFrom.phase} step ${p.resumedFrom.step}` : '';
    this.line(`run ${p.runDir}\nbackend ${describeBackend(p.backend)}${from}`);
  }

  step(r: StepRecord): void {
    this.lastLoss = r.loss ?? this.lastLoss;
    const total = this.config ? (r.phase === 'pretrain' ? this.config.pretrain.steps : this.config.rl.steps) : r.step;
    const metric = r.phase === 'rl' ? `reward ${r.rewardMean?.toFixed(3) ?? '-'} acc ${pct(r.accuracy)}` : `loss ${r.loss?.toFixed(4) ?? '-'}`;
    const test = this.lastEval.get(`${r.phase}:test`);
    const evalText = test ? `pass@1 ${pct(test.score.pass1)}` : 'pass@1 -';
    if (this.tty) {
      if (this.barPhase !== r.phase) {
        this.bar?.stop();
        this.bar = new SingleBar({ format: `${r.phase.padEnd(8)} [{bar}] {value}/{total} | {metric} | {eval} | {speed} tok/s | eta {eta_formatted}`, stream: this.out, hideCursor: true }, Presets.shades_classic);
        this.bar.start(total, r.step - 1, { metric, eval: evalText, speed: '-' });
        this.barPhase = r.phase;
      }
      this.bar!.update(r.step, { metric, eval: evalText, speed: r.tokensPerSec ? Math.round(r.tokensPerSec).toString() : '-' });
    } else if (r.step % PLAIN_EVERY === 0 || r.step === total) {
      this.out.write(`${r.phase} step ${r.step}/${total}  ${metric}  ${r.tokensPerSec ? `${Math.round(r.tokensPerSec)} tok/s` : ''}\n`);
    }
  }

  eval(r: EvalRecord): void {
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
