// The metrics tab: one section per phase (pretraining, RL) with a chart per
// group of series, plus evaluations and alerts. Charts are redrawn in animation
// frames, only when visible and within the frame budget.
import type { EvalRecord, Phase } from '../src/core/protocol/records';
import { chartMeaning, chartTitle, PHASE_CHARTS, seriesLabel, seriesUnit, type ChartSpec } from './chart-layout';
import { bucketsFor, evalColumns, lineData, tableColumns, trainingEvals, type ChartData } from './chart-data';
import { BucketSummary, summarize } from './series';
import { ChartView } from './chart-view';
import { el } from './dom';
import type { FrameScheduler } from './scheduler';
import type { DashboardStore, RunData, StoreChange } from './store';
import { readTheme, type ChartTheme } from './theme';

const PHASE_TITLES: Record<Phase, string> = { pretrain: 'Pretraining', rl: 'Reinforcement learning' };

/** One evaluation chart per split, after a phase's step charts. */
const EVAL_CHARTS: { id: string; split: EvalRecord['split']; title: string; meaning: string }[] = [
  {
    id: 'eval-test',
    split: 'test',
    title: 'Evaluation: test split',
    meaning: 'Greedy pass@1 and sampled pass@k on held-out problems of the frozen test split (the spec\'s eval limit of them), at every evaluation.',
  },
  {
    id: 'eval-problems',
    split: 'problems',
    title: 'Evaluation: the spec\'s problems',
    meaning: 'Greedy pass@1 and sampled pass@k on the fixed problems of the spec\'s problems block, at every evaluation.',
  },
];

interface Entry {
  view: ChartView;
  phase: Phase;
  /** A chart of step metrics, or of the evaluations on one split. */
  spec: ChartSpec | { split: EvalRecord['split'] };
  /** Bucket statistics of a step chart, extended as steps arrive. */
  cache?: { summary: BucketSummary; key: string };
}

interface Section {
  element: HTMLElement;
  grid: HTMLElement;
  entries: Map<string, Entry>;
}

export class ChartsPanel {
  readonly element: HTMLElement;
  private readonly alertList: HTMLElement;
  private readonly empty: HTMLElement;
  private readonly sections: Record<Phase, Section>;
  private readonly dirty = new Set<Entry>();
  private readonly visible = new Set<Element>();
  private readonly intersections: IntersectionObserver;
  private runId: string | null = null;
  private readonly drawTask = (deadline: number) => this.draw(deadline);

  constructor(
    private readonly store: DashboardStore,
    private readonly scheduler: FrameScheduler,
    /** EMA weight of the curves, 0 (off) to 0.99. */
    private smoothing: number,
  ) {
    this.alertList = el('ul', { className: 'alerts' });
    this.empty = el('p', { className: 'empty' });
    this.sections = { pretrain: this.section('pretrain'), rl: this.section('rl') };
    this.element = el('div', { className: 'charts-panel' }, this.alertList, this.empty, this.sections.pretrain.element, this.sections.rl.element);
    this.intersections = new IntersectionObserver((items) => {
      for (const item of items) {
        if (item.isIntersecting) this.visible.add(item.target);
        else this.visible.delete(item.target);
      }
      this.scheduler.schedule(this.drawTask);
    });
  }

  setSmoothing(weight: number): void {
    this.smoothing = weight;
    this.markAll();
  }

  /** Rebuilds the theme-dependent parts of every chart. */
  retheme(): void {
    const theme = readTheme();
    for (const entry of this.entries()) entry.view.setTheme(theme);
  }

  update(change: StoreChange): void {
    const run = this.store.focused();
    if (change.hydrated || run?.info.id !== this.runId) this.reset(run);
    else if (change.runId !== this.runId) return;
    this.empty.textContent = emptyText(run);
    if (!run) return;
    if (change.steps || change.evals) this.addCharts(run);
    if (change.alerts || change.hydrated) this.renderAlerts(run);
    for (const entry of this.entries()) {
      if (('series' in entry.spec && change.steps) || ('split' in entry.spec && change.evals)) this.dirty.add(entry);
    }
    this.scheduler.schedule(this.drawTask);
  }

  private section(phase: Phase): Section {
    const grid = el('div', { className: 'chart-grid' });
    const element = el('section', { className: `phase phase-${phase}`, attrs: { 'data-phase': phase, hidden: '' } }, el('h2', { text: PHASE_TITLES[phase] }), grid);
    return { element, grid, entries: new Map() };
  }

  private *entries(): Iterable<Entry> {
    for (const phase of ['pretrain', 'rl'] as const) yield* this.sections[phase].entries.values();
  }

  private reset(run: RunData | undefined): void {
    for (const entry of this.entries()) {
      this.intersections.unobserve(entry.view.element);
      entry.view.destroy();
    }
    for (const phase of ['pretrain', 'rl'] as const) {
      this.sections[phase].entries.clear();
      this.sections[phase].element.hidden = true;
    }
    this.dirty.clear();
    this.visible.clear();
    this.runId = run?.info.id ?? null;
    this.alertList.replaceChildren();
  }

  /** Adds the charts whose series have appeared, keeping layout order. */
  private addCharts(run: RunData): void {
    // Reading the theme forces a style recalculation: only when a chart is new.
    let themeRead: ChartTheme | undefined;
    const theme = () => (themeRead ??= readTheme());
    for (const phase of ['pretrain', 'rl'] as const) {
      const section = this.sections[phase];
      const table = run.phases[phase];
      let added = false;
      for (const spec of PHASE_CHARTS[phase]) {
        if (section.entries.has(spec.id) || !spec.series.some((key) => table.has(key))) continue;
        const view = new ChartView(`${phase}-${spec.id}`, chartTitle(spec), chartMeaning(spec), seriesUnit(spec.series[0]!), phase, theme(), () => this.mark(phase, spec.id));
        view.setNote(spec.note?.(run.info.config) ?? null);
        section.entries.set(spec.id, { view, phase, spec });
        added = true;
      }
      for (const chart of EVAL_CHARTS) {
        if (section.entries.has(chart.id) || trainingEvals(run.evals, phase, chart.split).length === 0) continue;
        const view = new ChartView(`${phase}-${chart.id}`, chart.title, chart.meaning, 'share', phase, theme(), () => this.mark(phase, chart.id));
        section.entries.set(chart.id, { view, phase, spec: { split: chart.split } });
        added = true;
      }
      if (!added) continue;
      const order = [...PHASE_CHARTS[phase].map((s) => s.id), ...EVAL_CHARTS.map((c) => c.id)];
      for (const id of order) {
        const entry = section.entries.get(id);
        if (!entry) continue;
        if (!entry.view.element.isConnected) this.intersections.observe(entry.view.element);
        section.grid.append(entry.view.element);
      }
      section.element.hidden = false;
    }
    this.empty.hidden = [...this.entries()].length > 0;
  }

  private renderAlerts(run: RunData): void {
    this.alertList.replaceChildren(
      ...run.alerts.slice(-5).map((a) =>
        el('li', { className: 'alert' }, el('strong', { text: `Step ${a.step} · ${a.kind}` }), ` ${a.evidence} `, el('em', { text: a.advice })),
      ),
    );
  }

  private markAll(): void {
    for (const entry of this.entries()) this.dirty.add(entry);
    this.scheduler.schedule(this.drawTask);
  }

  private mark(phase: Phase, id: string): void {
    const entry = this.sections[phase].entries.get(id);
    if (!entry) return;
    this.dirty.add(entry);
    this.scheduler.schedule(this.drawTask);
  }

  /** Redraws dirty visible charts until the frame's deadline; true when some are left. */
  private draw(deadline: number): boolean {
    const run = this.store.focused();
    if (!run || run.info.id !== this.runId) return false;
    for (const entry of [...this.dirty]) {
      if (!this.visible.has(entry.view.element)) continue;
      if (performance.now() > deadline) return true;
      this.dirty.delete(entry);
      const data = this.chartData(run, entry);
      entry.view.resize();
      entry.view.setSeries(data.series);
      entry.view.setColumns(data.columns);
    }
    return false;
  }

  private chartData(run: RunData, entry: Entry): ChartData {
    const buckets = bucketsFor(entry.view.width);
    if ('split' in entry.spec) {
      const { x, named } = evalColumns(run.evals, entry.phase, entry.spec.split);
      return lineData(summarize(x, named.map((c) => c.values), x.length, buckets), named.map((c) => c.label), 0);
    }
    const table = run.phases[entry.phase];
    const named = tableColumns(table, entry.spec.series, seriesLabel);
    // Start over when the width, the series or past rows changed; else only add the new steps.
    const key = `${buckets}|${table.generation}|${named.map((c) => c.label).join()}`;
    if (entry.cache?.key !== key || entry.cache.summary.length > table.length) entry.cache = { summary: new BucketSummary(buckets, named.length), key };
    const summary = entry.cache.summary.extend(table.steps, named.map((c) => c.values), table.length).summary();
    return lineData(summary, named.map((c) => c.label), this.smoothing);
  }
}

/** What the metrics tab says before it has a chart. */
function emptyText(run: RunData | undefined): string {
  switch (run?.info.status) {
    case undefined:
      return 'No run to show.';
    case 'failed':
      return 'The run failed before its first step: its error is above.';
    case 'stopped':
      return 'The run stopped before its first step; resume it to train.';
    default:
      return 'No steps yet. Charts appear with the first step the trainer writes.';
  }
}
