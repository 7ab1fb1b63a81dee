// The compare tab: one metric of several runs overlaid, and a table of their
// final evaluations and configurations with the differing rows highlighted.
import { METRICS, METRIC_NAMES } from '../src/core/protocol/metrics';
import type { MetricName, Phase } from '../src/core/protocol/records';
import type { WebviewIntent } from '../src/core/protocol/webview';
import { bucketsFor, lineData } from './chart-data';
import { ChartView } from './chart-view';
import { compareConfigs } from './config-diff';
import { el } from './dom';
import type { FrameScheduler } from './scheduler';
import { alignColumns, summarize } from './series';
import type { DashboardStore, RunData, StoreChange } from './store';
import { readTheme } from './theme';

export class ComparePanel {
  readonly element: HTMLElement;
  private readonly runList: HTMLElement;
  private readonly metricSelect: HTMLElement & { value: string };
  private readonly chartHost: HTMLElement;
  private readonly tableHost: HTMLElement;
  private readonly onlyDifferences: HTMLElement & { checked: boolean };
  private readonly hidden = new Set<string>();
  private chart: ChartView | null = null;
  /** The metric choices offered, to rebuild the list only when runs gain a metric. */
  private optionsKey = '';
  private chartKey = '';
  private phase: Phase = 'rl';
  private metric: MetricName = 'accuracy';
  private readonly drawTask = () => this.drawChart();

  constructor(
    private readonly store: DashboardStore,
    private readonly scheduler: FrameScheduler,
    post: (intent: WebviewIntent) => void,
    /** EMA weight of the curves, 0 (off) to 0.99. */
    private smoothing: number,
  ) {
    this.runList = el('div', { className: 'compare-runs' });
    this.metricSelect = el('vscode-single-select', { attrs: { 'aria-label': 'Metric', 'data-control': 'compare-metric' } });
    this.metricSelect.addEventListener('change', () => {
      const [phase, metric] = this.metricSelect.value.split(':') as [Phase, MetricName];
      this.phase = phase;
      this.metric = metric;
      this.scheduler.schedule(this.drawTask);
    });
    const choose = el('vscode-button', { text: 'Choose runs…', attrs: { secondary: '', 'data-action': 'pick-runs' } });
    choose.addEventListener('click', () => post({ type: 'pickRuns' }));
    this.onlyDifferences = el('vscode-checkbox', { attrs: { label: 'Only differences', 'data-control': 'only-differences' } });
    this.onlyDifferences.checked = true;
    this.onlyDifferences.addEventListener('change', () => this.renderTable());
    this.chartHost = el('div', { className: 'compare-chart' });
    this.tableHost = el('div', { className: 'compare-table' });
    this.element = el(
      'div',
      { className: 'compare-panel' },
      el('div', { className: 'toolbar' }, this.runList, this.metricSelect, choose),
      this.chartHost,
      el('div', { className: 'toolbar' }, el('h2', { text: 'Runs side by side' }), this.onlyDifferences),
      this.tableHost,
    );
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
    if (change.hydrated || change.steps) this.renderMetricOptions();
    if (change.hydrated || change.evals || change.info) this.renderTable();
    if (change.hydrated || change.steps) this.scheduler.schedule(this.drawTask);
  }

  private shown(): RunData[] {
    return [...this.store.runs.values()].filter((r) => !this.hidden.has(r.info.id));
  }

  private renderRunList(): void {
    const boxes = [...this.store.runs.values()].map((run, i) => {
      const box = el('vscode-checkbox', { attrs: { label: run.info.name, 'data-run': run.info.id, class: `run-colour-${i % 6}` } });
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

  /** Metrics that at least one run has, per phase. */
  private renderMetricOptions(): void {
    const runs = [...this.store.runs.values()];
    const values = (['rl', 'pretrain'] as const).flatMap((phase) => METRIC_NAMES.filter((name) => runs.some((r) => r.phases[phase].has(name))).map((name) => `${phase}:${name}`));
    if (values.join() === this.optionsKey) return;
    this.optionsKey = values.join();
    const options = values.map((value) => {
      const [phase, name] = value.split(':') as [Phase, MetricName];
      const option = el('vscode-option', { text: `${phase === 'rl' ? 'RL' : 'Pretraining'} · ${METRICS[name].label}`, attrs: { value } });
      if (phase === this.phase && name === this.metric) option.setAttribute('selected', '');
      return option;
    });
    this.metricSelect.replaceChildren(...options);
  }

  private drawChart(): boolean {
    // Hidden (another tab): the resize observer brings it back when shown.
    if (!this.chartHost.checkVisibility()) return false;
    const runs = this.shown();
    const key = `${this.phase}:${this.metric}:${runs.map((r) => r.info.id).join(',')}:${this.smoothing > 0}`;
    if (!this.chart || key !== this.chartKey) {
      this.chart?.destroy();
      const info = METRICS[this.metric];
      this.chart = new ChartView('compare', `${info.label} (${this.phase === 'rl' ? 'RL' : 'pretraining'})`, info.meaning, info.unit, 'compare', readTheme(), () =>
        this.scheduler.schedule(this.drawTask),
      );
      this.chartHost.replaceChildren(this.chart.element);
      this.chartKey = key;
    }
    const buckets = bucketsFor(this.chart.width);
    const perRun = runs.map((run) => {
      const table = run.phases[this.phase];
      const values = table.column(this.metric) ?? new Float64Array(table.length).fill(NaN);
      return { run, data: lineData(summarize(table.steps, [values], table.length, buckets), [run.info.name], this.smoothing) };
    });
    // Runs have different steps: align them on the union of their x values.
    const columns = alignColumns(perRun.map((p) => p.data.columns));
    this.chart.setSeries(perRun.flatMap((p, i) => p.data.series.map((s) => ({ ...s, colour: i }))));
    this.chart.resize();
    this.chart.setColumns(columns);
    return false;
  }

  private renderTable(): void {
    const runs = this.shown();
    const finalEval = (run: RunData) => {
      const last = run.evals.filter((e) => e.split === 'test').at(-1);
      return last ? { pass1: pct(last.score.pass1), passK: `${pct(last.score.passK)} (k=${last.k})`, format: pct(last.score.formatRate) } : null;
    };
    const evals = runs.map(finalEval);
    const summary = [
      { key: 'status', values: runs.map((r) => r.info.status) },
      { key: 'steps (pretrain / RL)', values: runs.map((r) => `${r.info.step.pretrain} / ${r.info.step.rl}`) },
      { key: 'final pass@1', values: evals.map((e) => e?.pass1) },
      { key: 'final pass@k', values: evals.map((e) => e?.passK) },
      { key: 'final format rate', values: evals.map((e) => e?.format) },
      { key: 'backend', values: runs.map((r) => r.info.backend?.name) },
      { key: 'seed', values: runs.map((r) => String(r.info.seed)) },
    ].map((row) => ({ ...row, differs: row.values.some((v) => v !== row.values[0]) }));
    const config = compareConfigs(runs.map((r) => r.info.config)).filter((row) => !this.onlyDifferences.checked || row.differs);
    const header = el('tr', {}, el('th', { text: '' }), ...runs.map((r, i) => el('th', { text: r.info.name, className: `run-colour-${i % 6}` })));
    const body = [...summary, ...config].map((row) =>
      el('tr', { className: row.differs && runs.length > 1 ? 'differs' : '' }, el('th', { text: row.key }), ...row.values.map((v) => el('td', { text: v ?? '—' }))),
    );
    this.tableHost.replaceChildren(el('table', {}, el('thead', {}, header), el('tbody', {}, ...body)));
  }
}

const pct = (v: number) => `${(v * 100).toFixed(1)}%`;
