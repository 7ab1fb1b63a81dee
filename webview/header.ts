// The bar above the tabs: which run is in focus, its status and how far it has
// come (step x of N, elapsed, time left) with its latest numbers, Stop for a
// live run, the smoothing control shared by every chart, and what went wrong:
// a failed run's error with Show Log and Edit Spec, or runs that are gone.
import { describeProgress, runProgress } from '../src/core/run/progress';
import type { WebviewIntent } from '../src/core/protocol/webview';
import { formatReading } from './chart-layout';
import { el } from './dom';
import type { DashboardStore, RunData } from './store';

export class Header {
  readonly element: HTMLElement;
  private readonly runSelect: HTMLElement & { value: string };
  private readonly status: HTMLElement;
  private readonly summary: HTMLElement;
  private readonly stop: HTMLElement;
  private readonly smoothingValue: HTMLElement;
  private readonly smoothingInput: HTMLInputElement;
  private readonly failure: HTMLElement;
  private readonly failureText: HTMLElement;
  private readonly goneNotice: HTMLElement;

  constructor(
    private readonly store: DashboardStore,
    post: (intent: WebviewIntent) => void,
    onFocus: (runId: string) => void,
    onSmoothing: (weight: number) => void,
  ) {
    this.runSelect = el('vscode-single-select', { attrs: { 'aria-label': 'Run', 'data-control': 'run' } });
    this.runSelect.addEventListener('change', () => onFocus(this.runSelect.value));
    this.status = el('span', { className: 'status-badge', attrs: { 'data-field': 'status', role: 'status' } });
    this.summary = el('span', { className: 'summary', attrs: { 'data-field': 'summary' } });
    const forFocus = (type: 'stopRun' | 'showLog' | 'openSpec') => () => {
      if (this.store.focus !== null) post({ type, runId: this.store.focus });
    };
    this.stop = el('vscode-button', { text: 'Stop', attrs: { 'data-action': 'stop', hidden: '' } });
    this.stop.addEventListener('click', forFocus('stopRun'));
    this.smoothingInput = el('input', { attrs: { type: 'range', min: '0', max: '0.99', step: '0.01', 'aria-label': 'Smoothing', 'data-control': 'smoothing' } });
    this.smoothingValue = el('span', { className: 'smoothing-value' });
    this.smoothingInput.addEventListener('input', () => {
      const weight = Number(this.smoothingInput.value);
      this.smoothingValue.textContent = weight.toFixed(2);
      onSmoothing(weight);
    });
    const showLog = el('vscode-button', { text: 'Show Log', attrs: { 'data-action': 'show-log' } });
    showLog.addEventListener('click', forFocus('showLog'));
    const editSpec = el('vscode-button', { text: 'Edit Spec', attrs: { secondary: '', 'data-action': 'edit-spec' } });
    editSpec.addEventListener('click', forFocus('openSpec'));
    this.failureText = el('pre', { className: 'failure-text', attrs: { 'data-field': 'error' } });
    this.failure = el('div', { className: 'notice failure', attrs: { role: 'alert', hidden: '' } }, el('strong', { text: 'The run failed' }), this.failureText, el('div', { className: 'actions' }, showLog, editSpec));
    this.goneNotice = el('div', { className: 'notice gone', attrs: { role: 'status', hidden: '', 'data-field': 'gone' } });
    this.element = el(
      'header',
      { className: 'header' },
      this.runSelect,
      this.status,
      this.summary,
      this.stop,
      el('label', { className: 'smoothing', title: 'Exponential moving average of the curves (0 = raw values; the raw values stay faint behind, and in the legend)' }, 'Smoothing ', this.smoothingInput, this.smoothingValue),
      this.goneNotice,
      this.failure,
    );
  }

  setSmoothing(weight: number): void {
    this.smoothingInput.value = String(weight);
    this.smoothingValue.textContent = weight.toFixed(2);
  }

  renderRuns(): void {
    this.runSelect.replaceChildren(
      ...[...this.store.runs.values()].map((run) => {
        const option = el('vscode-option', { text: run.label, attrs: { value: run.info.id } });
        if (run.info.id === this.store.focus) option.setAttribute('selected', '');
        return option;
      }),
    );
    const gone = this.store.gone;
    this.goneNotice.hidden = gone.length === 0;
    this.goneNotice.textContent = gone.length === 0 ? '' : `${gone.join(', ')} ${gone.length === 1 ? 'is' : 'are'} no longer in the runs folder (deleted or moved); ${gone.length === 1 ? 'its' : 'their'} data is gone from this dashboard.`;
  }

  /** Status, progress and the newest step's headline numbers of the focused run; the error of a failed one. */
  renderSummary(): void {
    const run = this.store.focused();
    const status = run?.info.status;
    this.status.textContent = status ?? 'no run';
    this.status.dataset.status = status ?? '';
    this.stop.hidden = status !== 'running';
    this.summary.textContent = run ? summaryText(run) : this.store.gone.length > 0 ? '' : 'Start a training run to see it here.';
    this.failure.hidden = status !== 'failed';
    this.failureText.textContent = status === 'failed' ? (run!.info.error ?? 'The trainer ended without saying why; its log may tell.') : '';
  }
}

function summaryText(run: RunData): string {
  const steps = run.phases;
  const progress = runProgress(run.info, run.progressSteps(), Date.now(), run.evals);
  const where = run.info.status === 'running' ? describeProgress(progress) : `${progress.phase === 'rl' ? 'RL' : 'pretrain'} ${progress.step}/${progress.total}`;
  const table = steps[progress.phase];
  const last = (key: 'rewardMean' | 'accuracy' | 'loss') => table.column(key)?.[table.length - 1];
  const numbers =
    progress.phase === 'rl'
      ? [last('rewardMean') !== undefined && `reward ${formatReading('reward', last('rewardMean')!)}`, last('accuracy') !== undefined && `accuracy ${formatReading('share', last('accuracy')!)}`]
      : [last('loss') !== undefined && `loss ${formatReading('loss', last('loss')!)}`];
  if (table.length === 0 && run.info.status === 'running') return `${where} · waiting for the first step…`;
  return [where, ...numbers].filter(Boolean).join(' · ');
}
