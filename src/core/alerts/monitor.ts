// Detects the known failure modes of an RL run from its step records alone, so
// the trainer (live) and the extension (over metrics.jsonl) can share it. Each
// kind fires when its condition turns true and re-arms once it has cleared, so
// a lasting problem gives one alert, not one per step.
import type { AlertKind, AlertRecord, MetricName, StepRecord } from '../protocol/records';
import { REPEAT_RUN } from '../protocol/metrics';

export interface AlertThresholds {
  /** Steps whose entropy and length form the baseline the later steps are compared with. */
  baselineSteps: number;
  /** Consecutive steps a drift condition must hold before it fires. */
  patience: number;
  /** Entropy below this share of its baseline is a collapse. */
  entropyCollapseRatio: number;
  /** Mean length above this multiple of its baseline is runaway. */
  lengthRunawayRatio: number;
  /** Share of truncated completions that counts as runaway. */
  truncatedRunaway: number;
  /** Mean length below this share of its baseline is a collapse. */
  lengthCollapseRatio: number;
  /** Share of completions with a long character run that counts as repetition. */
  repetitionShare: number;
  /** Share of completions with several answer blocks that fires an alert. */
  multiAnswerShare: number;
  /** Steps in a row without a single correct completion. */
  noCorrectStreak: number;
  /** KL (nats per token) above this is a blow-up whatever its history. */
  klLimit: number;
  /** KL above this multiple of its recent median (and above klFloor) is a blow-up. */
  klJumpRatio: number;
  klFloor: number;
  /** Steps in the KL median window. */
  klWindow: number;
}

export const DEFAULT_ALERT_THRESHOLDS: AlertThresholds = {
  baselineSteps: 3,
  patience: 3,
  entropyCollapseRatio: 0.1,
  lengthRunawayRatio: 2.5,
  truncatedRunaway: 0.5,
  lengthCollapseRatio: 0.3,
  repetitionShare: 0.2,
  multiAnswerShare: 0.2,
  noCorrectStreak: 15,
  klLimit: 1,
  klJumpRatio: 10,
  klFloor: 0.1,
  klWindow: 10,
};

/** The step metrics each kind of alert reads: the charts a user checks when it fires. */
export const ALERT_METRICS: Readonly<Record<AlertKind, readonly MetricName[]>> = {
  'entropy-collapse': ['entropy'],
  'length-runaway': ['lengthMean', 'truncatedRate'],
  'length-collapse': ['lengthMean'],
  repetition: ['repetitionRate'],
  'multiple-answers': ['multiAnswerRate'],
  'zero-reward-streak': ['accuracy', 'rewardMean', 'formatRate'],
  'kl-blowup': ['kl'],
};

interface Finding {
  evidence: string;
  advice: string;
}

const pct = (x: number) => `${(100 * x).toFixed(0)}%`;
const num = (x: number) => (Math.abs(x) >= 100 ? x.toFixed(0) : x.toPrecision(3));

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

export class AlertMonitor {
  private readonly entropyBase: number[] = [];
  private readonly lengthBase: number[] = [];
  private readonly klHistory: number[] = [];
  private readonly streaks = new Map<string, number>();
  private readonly firing = new Set<AlertKind>();
  private noCorrect = 0;

  constructor(private readonly limits: AlertThresholds = DEFAULT_ALERT_THRESHOLDS) {}

  /** The alerts this step raises (RL records only; others are ignored). */
  observe(record: StepRecord): AlertRecord[] {
    if (record.phase !== 'rl') return [];
    const findings = new Map<AlertKind, Finding | null>([
      ['entropy-collapse', this.entropyCollapse(record)],
      ['length-runaway', this.lengthRunaway(record)],
      ['length-collapse', this.lengthCollapse(record)],
      ['repetition', this.repetition(record)],
      ['multiple-answers', this.multipleAnswers(record)],
      ['zero-reward-streak', this.noCorrectStreakFinding(record)],
      ['kl-blowup', this.klBlowup(record)],
    ]);
    this.learnBaselines(record);
    const alerts: AlertRecord[] = [];
    for (const [kind, finding] of findings) {
      if (!finding) {
        this.firing.delete(kind);
      } else if (!this.firing.has(kind)) {
        this.firing.add(kind);
        alerts.push({ phase: 'rl', step: record.step, time: record.time, kind, ...finding });
      }
    }
    return alerts;
  }

  /** True once `condition` has held for `patience` consecutive steps. */
  private sustained(key: string, condition: boolean): boolean {
    const n = condition ? (this.streaks.get(key) ?? 0) + 1 : 0;
    this.streaks.set(key, n);
    return n >= this.limits.patience;
  }

  private learnBaselines(r: StepRecord): void {
    if (r.entropy !== undefined && this.entropyBase.length < this.limits.baselineSteps) this.entropyBase.push(r.entropy);
    if (r.lengthMean !== undefined && this.lengthBase.length < this.limits.baselineSteps) this.lengthBase.push(r.lengthMean);
    if (r.kl !== undefined) {
      this.klHistory.push(r.kl);
      if (this.klHistory.length > this.limits.klWindow) this.klHistory.shift();
    }
  }

  private baseline(values: number[]): number | null {
    return values.length < this.limits.baselineSteps ? null : values.reduce((a, b) => a + b, 0) / values.length;
  }

  private entropyCollapse(r: StepRecord): Finding | null {
    const base = this.baseline(this.entropyBase);
    if (base === null || r.entropy === undefined) return null;
    if (!this.sustained('entropy', r.entropy < this.limits.entropyCollapseRatio * base)) return null;
    return {
      evidence: `entropy ${num(r.entropy)} nats/token at step ${r.step}, under ${pct(this.limits.entropyCollapseRatio)} of its starting ${num(base)} for ${this.limits.patience} steps`,
      advice: 'the policy stopped exploring: raise `entropy` or `temperature` in rl { }, lower `lr`, or set `clip-high` (clip-higher) so rare tokens can gain probability',
    };
  }

  private lengthRunaway(r: StepRecord): Finding | null {
    const base = this.baseline(this.lengthBase);
    const long = base !== null && r.lengthMean !== undefined && r.lengthMean > this.limits.lengthRunawayRatio * base;
    const truncated = (r.truncatedRate ?? 0) >= this.limits.truncatedRunaway;
    if (!this.sustained('runaway', long || truncated)) return null;
    return {
      evidence:
        `mean length ${num(r.lengthMean ?? 0)} tokens at step ${r.step}` +
        (base !== null ? ` (started at ${num(base)})` : '') +
        `, ${pct(r.truncatedRate ?? 0)} of completions truncated`,
      advice: 'try `algorithm dr-grpo` or `loss-agg seq-mean-token-sum-norm` (no length bias), `mask-truncated on`, or a larger `max-tokens`',
    };
  }

  private lengthCollapse(r: StepRecord): Finding | null {
    const base = this.baseline(this.lengthBase);
    if (base === null || r.lengthMean === undefined) return null;
    if (!this.sustained('collapse', r.lengthMean < this.limits.lengthCollapseRatio * base)) return null;
    return {
      evidence: `mean length ${num(r.lengthMean)} tokens at step ${r.step}, under ${pct(this.limits.lengthCollapseRatio)} of its starting ${num(base)}`,
      advice:
        'the model stopped writing its search and guesses: lower `lr` in rl { } (a step should move the policy about 1e-3 nats/token: see the policy-movement chart), raise `kl` to stay near the base model, ' +
        'set reward `format 0` so that answering at all does not weigh like solving (group-std scaling makes both full-size), and turn on `dynamic-sampling` so only groups that differ in correctness teach',
    };
  }

  private repetition(r: StepRecord): Finding | null {
    if (r.repetitionRate === undefined || r.repetitionRate < this.limits.repetitionShare) return null;
    return {
      evidence: `${pct(r.repetitionRate)} of completions at step ${r.step} repeat one character more than ${REPEAT_RUN} times`,
      advice: 'a degenerate policy: resume from an earlier checkpoint with a lower `lr`, a higher `kl`, or a smaller `temperature`',
    };
  }

  private multipleAnswers(r: StepRecord): Finding | null {
    if (r.multiAnswerRate === undefined || r.multiAnswerRate < this.limits.multiAnswerShare) return null;
    return {
      evidence: `${pct(r.multiAnswerRate)} of completions at step ${r.step} write more than one <answer> block`,
      advice: 'the model may be guessing several answers hoping the last one scores: check the traces, and prefer a prompt or reward that accepts only one answer block',
    };
  }

  private noCorrectStreakFinding(r: StepRecord): Finding | null {
    if (r.accuracy === undefined) return null;
    this.noCorrect = r.accuracy === 0 ? this.noCorrect + 1 : 0;
    if (this.noCorrect < this.limits.noCorrectStreak) return null;
    return {
      evidence: `no correct completion for ${this.noCorrect} steps (step ${r.step}; reward mean ${num(r.rewardMean ?? 0)}, format rate ${pct(r.formatRate ?? 0)})`,
      advice: 'with no correct sample in a group there is nothing to learn: measure the base model’s pass@k (`rlab eval --samples k`), make the task easier (fewer numbers, smaller values), pretrain longer, or raise `group`',
    };
  }

  private klBlowup(r: StepRecord): Finding | null {
    if (r.kl === undefined) return null;
    const recent = this.klHistory.length >= this.limits.patience ? median(this.klHistory) : null;
    const jumped = recent !== null && r.kl > this.limits.klFloor && r.kl > this.limits.klJumpRatio * Math.max(recent, 1e-6);
    if (!(r.kl > this.limits.klLimit || jumped)) return null;
    return {
      evidence: `KL to the reference ${num(r.kl)} nats/token at step ${r.step}` + (recent !== null ? ` (recent median ${num(recent)})` : ''),
      advice: 'the policy is moving away from the base model fast: lower `lr`, raise `kl`, lower `clip`, or lower `grad-clip`',
    };
  }
}
