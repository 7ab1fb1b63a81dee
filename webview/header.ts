// The bar above the tabs: which run is in focus, its status and latest numbers,
// Stop for a live run, and the smoothing control shared by every chart.
import type { WebviewIntent } from '../src/core/protocol/webview';
import { el } from './dom';
import type { DashboardStore, RunData } from './store';
import { formatValue } from './chart-layout';

export class Header {
  readonly element: HTMLElement;
  private readonly runSelect: HTMLElement & { value: string };
  private readonly status: HTMLElement;
  private readonly summary: HTMLElement;
  private readonly stop: HTMLElement;
  private readonly smoothingValue: HTMLElement;
  private readonly smoothingInput: HTMLInputElement;

  constructor(
    private readonly store: DashboardStore,
    post: (intent: WebviewIntent) => void,
    onFocus: (runId: string) => void,
    onSmoothing: (weight: number) => void,
  ) {
    this.runSelect = el('vscode-single-select', { attrs: { 'aria-label': 'Run', 'data-control': 'run' } });
    this.runSelect.addEventListener('change', () => onFocus(this.runSelect.value));
    this.status = el('vscode-badge', { attrs: { 'data-field': 'status' } });
    this.summary = el('span', { className: 'summary', attrs: { 'data-field': 'summary' } });
    this.stop = el('vscode-button', { text: 'Stop', attrs: { 'data-action': 'stop', hidden: '' } });
    this.stop.addEventListener('click', () => {
      if (this.store.focus !== null) post({ type: 'stopRun', runId: this.store.focus });
    });
    this.smoothingInput = el('input', { attrs: { type: 'range', min: '0', max: '0.99', step: '0.01', 'aria-label': 'Smoothing', 'data-control': 'smoothing' } });
    this.smoothingValue = el('span', { className: 'smoothing-value' });
    this.smoothingInput.addEventListener('input', () => {
      const weight = Number(this.smoothingInput.value);
      this.smoothingValue.textContent = weight.toFixed(2);
      onSmoothing(weight);
    });
    this.element = el(
      'header',
      { className: 'header' },
      this.runSelect,
      this.status,
      this.summary,
      this.stop,
      el('label', { className: 'smoothing', title: 'Exponential moving average of the curves (0 = raw values)' }, 'Smoothing ', this.smoothingInput, this.smoothingValue),
    );
  }

  setSmoothing(weight: number): void {
    this.smoothingInput.value = String(weight);
    this.smoothingValue.textContent = weight.toFixed(2);
  }

  renderRuns(): void {
    this.runSelect.replaceChildren(
      ...[...this.store.runs.values()].map((run) => {
        const option = el('vscode-option', { text: run.info.name, attrs: { value: run.info.id } });
        if (run.info.id === this.store.focus) option.setAttribute('selected', '');
        return option;
      }),
    );
  }

  /** Status and the newest step's headline numbers of the focused run. */
  renderSummary(): void {
    const run = this.store.focused();
    this.status.textContent = run?.info.status ?? 'no run';
    this.status.dataset.status = run?.info.status ?? '';
    this.stop.hidden = run?.info.status !== 'running';
    this.summary.textContent = run ? summaryText(run) : 'Start a training run to see it here.';
  }
}

function summaryText(run: RunData): string {
  const rl = run.phases.rl;
  const pre = run.phases.pretrain;
  const last = (table: typeof rl, key: 'rewardMean' | 'accuracy' | 'loss') => table.column(key)?.[table.length - 1];
  if (rl.length > 0) {
    const reward = last(rl, 'rewardMean');
    const accuracy = last(rl, 'accuracy');
    return [`RL step ${rl.lastStep}`, reward !== undefined && `reward ${formatValue('reward', reward)}`, accuracy !== undefined && `accuracy ${formatValue('share', accuracy)}`]
      .filter(Boolean)
      .join(' · ');
  }
  if (pre.length > 0) {
    const loss = last(pre, 'loss');
    return `Pretraining step ${pre.lastStep}${loss !== undefined ? ` · loss ${formatValue('loss', loss)}` : ''}`;
  }
  return 'Waiting for the first step…';
}
