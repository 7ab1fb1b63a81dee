// The compare tab: one measure of several runs overlaid — an evaluation
// (pass@1, pass@k on a split) or a step metric — and a table of their final
// evaluations and configurations with the differing rows highlighted.
import { METRICS, METRIC_NAMES } from '../src/core/protocol/metrics';
import type { EvalRecord, MetricName, Phase } from '../src/core/protocol/records';
import type { WebviewIntent } from '../src/core/protocol/webview';
import { bucketsFor, lineData, trainingEvals } from './chart-data';
import { ChartView, type PlotSeries } from './chart-view';
import { compareConfigs } from './config-diff';
import { el } from './dom';
import type { FrameScheduler } from './scheduler';
import { alignColumns, summarize } from './series';
import type { DashboardStore, RunData, StoreChange } from './store';
import { readTheme } from './theme';

/** What the chart overlays: a step metric of a phase, or an evaluation measure of a phase on a split. */
type Measure =
  | { kind: 'step'; phase: Phase; metric: MetricName }
  | { kind: 'eval'; phase: Phase; split: EvalRecord['split']; score: 'pass1' | 'passK' };

const PHASE_LABEL: Record<Phase, string> = { pretrain: 'Pretraining', rl: 'RL' };
const SPLIT_LABEL: Record<EvalRecord['split'], string> = { test: 'test split', problems: "spec's problems" };

const measureKey = (m: Measure) => (m.kind === 'step' ? `step:${m.phase}:${m.metric}` : `eval:${m.phase}:${m.split}:${m.score}`);

function measureLabel(m: Measure): string {
  if (m.kind === 'step') return `${PHASE_LABEL[m.phase]} · ${METRICS[m.metric].label}`;
  return `${PHASE_LABEL[m.phase]} · evaluation ${m.score === 'pass1' ? 'pass@1 (greedy)' : 'pass@k (sampled)'}, ${SPLIT_LABEL[m.split]}`;
}

export class ComparePanel {
  readonly element: HTMLElement;
  private readonly runList: HTMLElement;
  private readonly metricSelect: HTMLElement & { value: string };
  private readonly chartHost: HTMLElement;
  private readonly tableHost: HTMLElement;
  private readonly onlyDifferences: HTMLElement & { checked: boolean };
  private readonly empty: HTMLElement;
  private readonly filled: HTMLElement;
  private readonly hidden = new Set<string>();
  private chart: ChartView | null = null;
  /** The measures offered, by key, to rebuild the list only when runs gain one. */
  private measures = new Map<string, Measure>();
  private chartKey = '';
  /** The chosen measure; null until the user picks one (then the best available is shown). */
  private chosen: string | null = null;
  private readonly drawTask = () => this.drawChart();

  constructor(
    private readonly store: DashboardStore,
    private readonly scheduler: FrameScheduler,
    post: (intent: WebviewIntent) => void,
    /** EMA weight of the curves, 0 (off) to 0.99. */
    private smoothing: number,
  ) {
    this.runList = el('div', { className: 'compare-runs' });
    this.metricSelect = el('vscode-single-select', { attrs: { 'aria-label': 'Measure', 'data-control': 'compare-metric' } });
    this.metricSelect.addEventListener('change', () => {
      this.chosen = this.metricSelect.value;
      this.scheduler.schedule(this.drawTask);
    });
    const choose = el('vscode-button', { text: 'Choose runs…', attrs: { secondary: '', 'data-action': 'pick-runs' } });
    choose.addEventListener('click', () => post({ type: 'pickRuns' }));
    this.onlyDifferences = el('vscode-checkbox', { attrs: { label: 'Only differences', 'data-control': 'only-differences' } });
    this.onlyDifferences.checked = true;
    this.onlyDifferences.addEventListener('change', () => this.renderTable());
    this.chartHost = el('div', { className: 'compare-chart' });
    this.tableHost = el('div', { className: 'compare-table' });
    this.empty = el('p', { className: 'empty', text: 'No runs to compare yet: choose runs to compare, or train a spec and come back.', attrs: { 'data-field': 'compare-empty' } });
    this.filled = el(
      'div',
      {},
      this.chartHost,
      el('div', { className: 'toolbar' }, el('h2', { text: 'Runs side by side' }), this.onlyDifferences),
      this.tableHost,
    );
    this.element = el('div', { className: 'compare-panel' }, el('div', { className: 'toolbar' }, this.runList, this.metricSelect, choose), this.empty, this.filled);
    new ResizeObserver(() => this.scheduler.schedule(this.drawTask)).observe(this.chartHost);
  }

  setSmoothing(weight: number): void {
    this.smoothing = weight;
    this.scheduler.schedule(this.drawTask);
  }

  retheme(): void {
    this.chart?.setTheme(readTheme());
  }

  update(change: StoreChange): void {
    if (change.hydrated) this.renderRunList();
    if (change.hydrated || change.steps || change.evals) this.renderMeasureOptions();
    if (change.hydrated || change.evals || change.info) this.renderTable();
    if (change.hydrated || change.steps || change.evals) this.scheduler.schedule(this.drawTask);
  }

  private shown(): RunData[] {
    return [...this.store.runs.values()].filter((r) => !this.hidden.has(r.info.id));
  }

  private renderRunList(): void {
    const runs = [...this.store.runs.values()];
    this.empty.hidden = runs.length > 0;
    this.filled.hidden = runs.length === 0;
    this.metricSelect.hidden = runs.length === 0;
    const boxes = runs.map((run, i) => {
      const box = el('vscode-checkbox', { attrs: { label: run.label, 'data-run': run.info.id, class: `run-colour-${i % 6}` } });
      box.checked = !this.hidden.has(run.info.id);
      box.addEventListener('change', () => {
        if (box.checked) this.hidden.delete(run.info.id);
        else this.hidden.add(run.info.id);
        this.renderTable();
        this.scheduler.schedule(this.drawTask);
      });
      return box;
    });
    this.runList.replaceChildren(...boxes);
  }

  /** Measures that at least one run has: evaluations first (what runs are compared on), then step metrics. */
  private renderMeasureOptions(): void {
    const runs = [...this.store.runs.values()];
    const list: Measure[] = [];
    for (const phase of ['rl', 'pretrain'] as const) {
      for (const split of ['test', 'problems'] as const) {
        const evals = runs.flatMap((r) => trainingEvals(r.evals, phase, split));
        if (evals.length === 0) continue;
        list.push({ kind: 'eval', phase, split, score: 'pass1' });
        if (evals.some((e) => e.k > 1)) list.push({ kind: 'eval', phase, split, score: 'passK' });
      }
    }
    for (const phase of ['rl', 'pretrain'] as const) {
      for (const metric of METRIC_NAMES) if (runs.some((r) => r.phases[phase].has(metric))) list.push({ kind: 'step', phase, metric });
    }
    const keys = list.map(measureKey);
    if (keys.join() === [...this.measures.keys()].join()) return;
    this.measures = new Map(list.map((m) => [measureKey(m), m]));
    const selected = this.selected();
    this.metricSelect.replaceChildren(
      ...list.map((m) => {
        const option = el('vscode-option', { text: measureLabel(m), attrs: { value: measureKey(m) } });
        if (m === selected) option.setAttribute('selected', '');
        return option;
      }),
    );
  }

  /** The user's choice while it is offered, else RL accuracy, else the first measure (an evaluation). */
  private selected(): Measure | undefined {
    return (this.chosen !== null ? this.measures.get(this.chosen) : undefined) ?? this.measures.get('step:rl:accuracy') ?? this.measures.values().next().value;
  }

  private drawChart(): boolean {
    const measure = this.selected();
    // Hidden (another tab): the resize observer brings it back when shown.
    if (!measure || !this.chartHost.checkVisibility()) return false;
    const runs = this.shown();
    const key = `${measureKey(measure)}:${runs.map((r) => r.info.id).join(',')}:${this.smoothing > 0}`;
    if (!this.chart || key !== this.chartKey) {
      this.chart?.destroy();
      const [unit, meaning] =
        measure.kind === 'step'
          ? [METRICS[measure.metric].unit, METRICS[measure.metric].meaning]
          : (['share', `${measure.score === 'pass1' ? 'Greedy pass@1' : 'Sampled pass@k (each run\'s k)'} on the ${SPLIT_LABEL[measure.split]} at every evaluation.`] as const);
      this.chart = new ChartView('compare', measureLabel(measure), meaning, unit, 'compare', readTheme(), () => this.scheduler.schedule(this.drawTask));
      this.chartHost.replaceChildren(this.chart.element);
      this.chartKey = key;
    }
    const buckets = bucketsFor(this.chart.width);
    const perRun = runs.map((run) => {
      if (measure.kind === 'eval') {
        const evals = trainingEvals(run.evals, measure.phase, measure.split);
        const values = Float64Array.from(evals, (e) => e.score[measure.score]);
        const k = evals.at(-1)?.k;
        const label = measure.score === 'passK' && k !== undefined ? `${run.label} (pass@${k})` : run.label;
        return lineData(summarize(Float64Array.from(evals, (e) => e.step), [values], evals.length, buckets), [label], 0);
      }
      const table = run.phases[measure.phase];
      const values = table.column(measure.metric) ?? new Float64Array(table.length).fill(NaN);
      return lineData(summarize(table.steps, [values], table.length, buckets), [run.label], this.smoothing);
    });
    // Runs have different steps: align them on the union of their x values; each run keeps the colour of its checkbox.
    const columns = alignColumns(perRun.map((p) => p.columns));
    const series: PlotSeries[] = [];
    perRun.forEach((p, i) => {
      const offset = series.length;
      const colour = this.colourOf(runs[i]!);
      series.push(...p.series.map((s) => ({ ...s, colour, ...(s.raw !== undefined ? { raw: s.raw + offset } : {}) })));
    });
    this.chart.setSeries(series);
    this.chart.resize();
    this.chart.setColumns(columns);
    return false;
  }

  /** A run's colour: its place among all the panel's runs, shown or not. */
  private colourOf(run: RunData): number {
    return [...this.store.runs.keys()].indexOf(run.info.id);
  }

  private renderTable(): void {
    const runs = this.shown();
    const finalEval = (run: RunData) => {
      const last = trainingEvals(run.evals, 'rl', 'test').at(-1) ?? trainingEvals(run.evals, 'pretrain', 'test').at(-1);
      return last ? { pass1: pct(last.score.pass1), passK: `${pct(last.score.passK)} (k=${last.k})`, format: pct(last.score.formatRate) } : null;
    };
    const evals = runs.map(finalEval);
    const summary = [
      { key: 'status', values: runs.map((r) => r.info.status) },
      { key: 'started', values: runs.map((r) => new Date(r.info.startedAt).toLocaleString()) },
      { key: 'steps (pretrain / RL)', values: runs.map((r) => `${r.info.step.pretrain} / ${r.info.step.rl}`) },
      { key: 'final pass@1 (test)', values: evals.map((e) => e?.pass1) },
      { key: 'final pass@k (test)', values: evals.map((e) => e?.passK) },
      { key: 'final format rate (test)', values: evals.map((e) => e?.format) },
      { key: 'backend', values: runs.map((r) => r.info.backend?.name) },
      { key: 'seed', values: runs.map((r) => String(r.info.seed)) },
    ].map((row) => ({ ...row, differs: row.values.some((v) => v !== row.values[0]) }));
    const config = compareConfigs(runs.map((r) => r.info.config)).filter((row) => !this.onlyDifferences.checked || row.differs);
    const header = el('tr', {}, el('th', { text: '' }), ...runs.map((r) => el('th', { text: r.label, className: `run-colour-${this.colourOf(r) % 6}`, title: r.info.id })));
    const body = [...summary, ...config].map((row) =>
      el('tr', { className: row.differs && runs.length > 1 ? 'differs' : '' }, el('th', { text: row.key }), ...row.values.map((v) => el('td', { text: v ?? '—' }))),
    );
    this.tableHost.replaceChildren(el('table', {}, el('thead', {}, header), el('tbody', {}, ...body)));
  }
}

const pct = (v: number) => `${(v * 100).toFixed(1)}%`;
