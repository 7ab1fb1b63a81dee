// The traces tab: a live, filterable list of sampled completions — training
// rollouts and evaluation samples, told apart — newest first and virtualised
// (only the rows in view exist), under column headers, and the selected trace
// in full, its reasoning and answer styled apart. Everything from the model is
// set as text.
import type { WebviewIntent } from '../src/core/protocol/webview';
import { VERDICTS } from '../src/core/countdown/verdict';
import { el } from './dom';
import type { FrameScheduler } from './scheduler';
import type { DashboardStore, StoredTrace, StoreChange } from './store';
import { splitTraceParts } from './trace-parts';
import type { TraceRecord } from '../src/core/protocol/records';
import { matchesTrace, NO_FILTER, parseStepBound, traceSource, type TraceFilter } from './trace-filter';

const ROW_HEIGHT = 30;
const OVERSCAN = 8;

export class TracesPanel {
  readonly element: HTMLElement;
  private readonly viewport: HTMLElement;
  private readonly spacer: HTMLElement;
  private readonly rows: HTMLElement;
  private readonly count: HTMLElement;
  private readonly detail: HTMLElement;
  private filter: TraceFilter = NO_FILTER;
  /** Matching traces, oldest first (rows show them reversed). */
  private matching: StoredTrace[] = [];
  /** Index of the newest trace already considered for `matching`. */
  private seen = -1;
  private selected: StoredTrace | null = null;
  /** The row elements in the DOM, by trace. */
  private rowElements = new Map<StoredTrace, HTMLElement>();
  private shown = false;
  private readonly renderTask = () => this.renderRows();

  constructor(
    private readonly store: DashboardStore,
    private readonly scheduler: FrameScheduler,
    private readonly post: (intent: WebviewIntent) => void,
  ) {
    this.count = el('span', { className: 'trace-count' });
    this.spacer = el('div', { className: 'trace-spacer' });
    this.rows = el('div', { className: 'trace-rows' });
    this.viewport = el('div', { className: 'trace-viewport', attrs: { role: 'list', tabindex: '0' } }, this.spacer, this.rows);
    this.viewport.addEventListener('scroll', () => this.scheduler.schedule(this.renderTask));
    this.rows.addEventListener('click', (e) => this.onRowEvent(e, false));
    this.rows.addEventListener('dblclick', (e) => this.onRowEvent(e, true));
    this.viewport.addEventListener('keydown', (e) => this.onKey(e));
    // Rows are laid out only while the tab is shown; reading the viewport's size
    // while hidden would force a layout on every message.
    new IntersectionObserver(([entry]) => {
      this.shown = entry?.isIntersecting ?? false;
      if (this.shown) this.scheduler.schedule(this.renderTask);
    }).observe(this.viewport);
    this.detail = el('div', { className: 'trace-detail' }, el('p', { className: 'empty', text: 'Select a trace to read it in full.' }));
    const headings = el(
      'div',
      { className: 'trace-headings', attrs: { 'aria-hidden': 'true' } },
      ...[['trace-step', 'Step'], ['trace-kind', 'Sample'], ['verdict-heading', 'Verdict'], ['trace-reward', 'Reward'], ['trace-problem', 'Problem'], ['trace-text', 'Completion']].map(([className, text]) =>
        el('span', { className: className!, text: text! }),
      ),
    );
    this.element = el('div', { className: 'traces-panel' }, this.filters(), this.count, el('div', { className: 'trace-split' }, el('div', { className: 'trace-list' }, headings, this.viewport), this.detail));
  }

  update(change: StoreChange): void {
    if (change.hydrated) this.refilter(true);
    else if (change.traces && change.runId === this.store.focus) this.refilter(false);
    else return;
    this.scheduler.schedule(this.renderTask);
  }

  /** Re-scans all traces when the filter or the run changed, else only the new ones. */
  private refilter(full: boolean): void {
    const traces = this.store.focused()?.visibleTraces() ?? [];
    const oldest = traces[0]?.index ?? 0;
    if (full || (this.matching.length > 0 && this.matching[0]!.index < oldest)) {
      this.matching = [];
      this.seen = -1;
    }
    let start = traces.length;
    while (start > 0 && traces[start - 1]!.index > this.seen) start--;
    for (let i = start; i < traces.length; i++) if (matchesTrace(traces[i]!.record, this.filter)) this.matching.push(traces[i]!);
    this.seen = traces.at(-1)?.index ?? -1;
    this.count.textContent = `${this.matching.length} of ${traces.length} traces`;
  }

  private filters(): HTMLElement {
    const source = el('vscode-single-select', { attrs: { 'aria-label': 'Samples', 'data-filter': 'source' } });
    for (const [value, text] of [['all', 'All samples'], ['rollout', 'Training rollouts'], ['eval', 'Evaluation samples']] as const) source.append(el('vscode-option', { text, attrs: { value } }));
    const verdict = el('vscode-single-select', { attrs: { 'aria-label': 'Verdict', 'data-filter': 'verdict' } });
    for (const v of ['all', ...VERDICTS]) verdict.append(el('vscode-option', { text: v === 'all' ? 'All verdicts' : v, attrs: { value: v } }));
    const from = el('vscode-textfield', { attrs: { placeholder: 'from step', 'data-filter': 'from', 'aria-label': 'From step' } });
    const to = el('vscode-textfield', { attrs: { placeholder: 'to step', 'data-filter': 'to', 'aria-label': 'To step' } });
    const text = el('vscode-textfield', { attrs: { placeholder: 'Search text', 'data-filter': 'text', 'aria-label': 'Search text' } });
    const apply = () => {
      this.filter = {
        source: (source.value || 'all') as TraceFilter['source'],
        verdict: (verdict.value || 'all') as TraceFilter['verdict'],
        minStep: parseStepBound(from.value),
        maxStep: parseStepBound(to.value),
        text: text.value,
      };
      this.refilter(true);
      this.viewport.scrollTop = 0;
      this.scheduler.schedule(this.renderTask);
    };
    for (const select of [source, verdict]) select.addEventListener('change', apply);
    for (const field of [from, to, text]) field.addEventListener('input', apply);
    return el('div', { className: 'trace-filters' }, source, verdict, from, to, text);
  }

  /**
   * Shows the rows in view. Rows that stay in view keep their element (and so
   * hover, focus and a double-click in progress); only their position changes.
   */
  private renderRows(): boolean {
    if (!this.shown) return false;
    const total = this.matching.length;
    this.spacer.style.height = `${total * ROW_HEIGHT}px`;
    const first = Math.max(0, Math.floor(this.viewport.scrollTop / ROW_HEIGHT) - OVERSCAN);
    const last = Math.min(total, Math.ceil((this.viewport.scrollTop + this.viewport.clientHeight) / ROW_HEIGHT) + OVERSCAN);
    const next = new Map<StoredTrace, HTMLElement>();
    for (let i = first; i < last; i++) {
      const trace = this.matching[total - 1 - i]!;
      const row = this.rowElements.get(trace) ?? this.row(trace);
      row.style.top = `${i * ROW_HEIGHT}px`;
      row.classList.toggle('selected', trace === this.selected);
      next.set(trace, row);
    }
    for (const [trace, row] of this.rowElements) if (!next.has(trace)) row.remove();
    // Document order follows the visual order (newest first) for assistive tech.
    let cursor = this.rows.firstChild;
    for (const row of next.values()) {
      if (row === cursor) cursor = cursor.nextSibling;
      else this.rows.insertBefore(row, cursor);
    }
    this.rowElements = next;
    return false;
  }

  private row(trace: StoredTrace): HTMLElement {
    const t = trace.record;
    return el(
      'div',
      {
        className: 'trace-row',
        attrs: { role: 'listitem', 'data-index': String(trace.index) },
      },
      el('span', { className: 'trace-step', text: `${t.phase === 'rl' ? 'RL' : 'pretrain'} ${t.step}` }),
      el('span', { className: `trace-kind kind-${traceSource(t)}`, text: shortKind(t), title: sampleText(t) }),
      el('span', { className: `verdict verdict-${t.verdict}`, text: t.verdict }),
      el('span', { className: 'trace-reward', text: t.reward.toFixed(2) }),
      el('span', { className: 'trace-problem', text: `${t.numbers.join(' ')} → ${t.target}` }),
      el('span', { className: 'trace-text', text: t.completion.replace(/\s+/g, ' ').slice(0, 200) }),
    );
  }

  private onRowEvent(event: MouseEvent, open: boolean): void {
    const row = (event.target as Element).closest<HTMLElement>('.trace-row');
    const index = Number(row?.dataset.index);
    const trace = this.matching.find((t) => t.index === index);
    if (!trace) return;
    if (open) this.openTrace(trace);
    this.select(trace);
  }

  /** Up and down move the selection through the list (newest first); Enter opens it. */
  private onKey(event: KeyboardEvent): void {
    const total = this.matching.length;
    if (total === 0) return;
    const position = this.selected ? total - 1 - this.matching.indexOf(this.selected) : -1;
    let next = position;
    if (event.key === 'ArrowDown') next = Math.min(total - 1, position + 1);
    else if (event.key === 'ArrowUp') next = Math.max(0, position - 1);
    else if (event.key === 'Enter' && this.selected) this.openTrace(this.selected);
    else return;
    event.preventDefault();
    if (next === position || next < 0) return;
    this.select(this.matching[total - 1 - next]!);
    const top = next * ROW_HEIGHT;
    if (top < this.viewport.scrollTop) this.viewport.scrollTop = top;
    else if (top + ROW_HEIGHT > this.viewport.scrollTop + this.viewport.clientHeight) this.viewport.scrollTop = top + ROW_HEIGHT - this.viewport.clientHeight;
  }

  private openTrace(trace: StoredTrace): void {
    const runId = this.store.focus;
    if (runId !== null) this.post({ type: 'openTrace', runId, index: trace.index });
  }

  private select(trace: StoredTrace): void {
    this.selected = trace;
    const t = trace.record;
    const open = el('vscode-button', { text: 'Open in editor', attrs: { 'data-action': 'open-trace' } });
    open.addEventListener('click', () => this.openTrace(trace));
    const parts = splitTraceParts(t.completion).map((p) => el('span', { className: `part part-${p.kind}`, text: p.text }));
    this.detail.replaceChildren(
      el(
        'div',
        { className: 'trace-detail-head' },
        el('span', { className: `verdict verdict-${t.verdict}`, text: t.verdict }),
        el('span', { text: `${sampleText(t)} · ${t.phase === 'rl' ? 'RL' : 'pretraining'} step ${t.step} · reward ${t.reward}${t.truncated ? ' · truncated' : ''}` }),
        open,
      ),
      el('h3', { text: 'Prompt' }),
      el('pre', { className: 'trace-prompt', text: t.prompt }),
      el('h3', { text: 'Completion' }),
      el('pre', { className: 'trace-completion' }, ...parts),
    );
    this.scheduler.schedule(this.renderTask);
  }
}

/** `rollout`, `eval · test`, `eval · spec`: what a row's sample is, in a column. */
function shortKind(t: TraceRecord): string {
  return t.split === 'train' ? 'rollout' : t.split === 'test' ? 'eval · test' : 'eval · spec';
}

/** `Training rollout (sample 3)`, `Evaluation sample, test split (greedy)`. */
function sampleText(t: TraceRecord): string {
  const which = t.sample === 'greedy' ? 'greedy' : `sample ${t.sample}`;
  return t.split === 'train' ? `Training rollout (${which})` : `Evaluation sample, ${t.split === 'test' ? 'test split' : "spec's problems"} (${which})`;
}
