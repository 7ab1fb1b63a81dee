// How far a run has come: the step of its phase out of how many, how long it
// has run, and about how long the phase has left at its recent pace. One
// reading for the status bar, the dashboard header and the progress
// notification.
import type { Phase, RunInfo, StepRecord } from '../protocol/records';

export interface RunProgress {
  phase: Phase;
  /** Steps of `phase` done. */
  step: number;
  /** Steps `phase` runs in all. */
  total: number;
  /** Share of all the run's steps done (every phase it runs), 0..1. */
  share: number;
  elapsedMs: number;
  /** Time `phase` has left at the pace of its recent steps; null until that pace is known. */
  etaMs: number | null;
}

/** Steps whose spacing sets the pace: recent enough to follow a change (RL steps grow with the completions). */
const PACE_WINDOW = 10;

const PHASES_OF: Record<RunInfo['stage'], Phase[]> = { pretrain: ['pretrain'], rl: ['rl'], all: ['pretrain', 'rl'] };

/** `steps`: the run's steps in order, or at least its latest few (the pace reads the last ten). */
export function runProgress(info: RunInfo, steps: readonly Pick<StepRecord, 'phase' | 'step' | 'time'>[], now: number): RunProgress {
  const phases = PHASES_OF[info.stage] ?? PHASES_OF.all;
  const totals: Record<Phase, number> = { pretrain: info.config.pretrain.steps, rl: info.config.rl.steps };
  const last = steps.at(-1);
  const phase = last?.phase ?? phases[0]!;
  const step = last?.step ?? 0;
  const total = totals[phase];
  const recent = steps.slice(-PACE_WINDOW).filter((s) => s.phase === phase);
  const first = recent[0];
  const pace = first && recent.length >= 2 ? (recent.at(-1)!.time - first.time) / (recent.length - 1) : null;
  const all = phases.reduce((n, p) => n + totals[p], 0);
  const before = phases.slice(0, phases.indexOf(phase)).reduce((n, p) => n + totals[p], 0);
  const started = Date.parse(info.startedAt);
  const ended = info.endedAt ? Date.parse(info.endedAt) : now;
  return {
    phase,
    step,
    total,
    share: all > 0 ? Math.min(1, (before + step) / all) : 1,
    elapsedMs: Number.isNaN(started) ? 0 : Math.max(0, ended - started),
    etaMs: pace !== null && pace > 0 ? Math.max(0, total - step) * pace : null,
  };
}

/** `pretrain 24/40 · 12 s elapsed · ~10 s left`. */
export function describeProgress(p: RunProgress): string {
  const left = p.etaMs === null ? '' : p.step >= p.total ? '' : ` · ~${formatDuration(p.etaMs)} left`;
  return `${p.phase === 'rl' ? 'RL' : 'pretrain'} ${p.step}/${p.total} · ${formatDuration(p.elapsedMs)} elapsed${left}`;
}

/** `8 s`, `2 min 05 s`, `1 h 03 min`. */
export function formatDuration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s} s`;
  const pad = (n: number) => String(n).padStart(2, '0');
  if (s < 3600) return `${Math.floor(s / 60)} min ${pad(s % 60)} s`;
  return `${Math.floor(s / 3600)} h ${pad(Math.floor((s % 3600) / 60))} min`;
}
