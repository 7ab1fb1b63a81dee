// Entry of the dashboard webview. The extension sends `hydrate` (everything)
// when the panel opens or becomes visible and `append` deltas after that; the
// webview posts user intents back. It never reads files itself.
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-checkbox/index.js';
import '@vscode-elements/elements/dist/vscode-option/index.js';
import '@vscode-elements/elements/dist/vscode-single-select/index.js';
import '@vscode-elements/elements/dist/vscode-tabs/index.js';
import '@vscode-elements/elements/dist/vscode-tab-header/index.js';
import '@vscode-elements/elements/dist/vscode-tab-panel/index.js';
import '@vscode-elements/elements/dist/vscode-textfield/index.js';
import 'uplot/dist/uPlot.min.css';
import './dashboard.css';
import { DASHBOARD_TABS, parseDashboardViewState, type DashboardTab, type DashboardViewState, type ToWebview } from '../src/core/protocol/webview';
import { ChartsPanel } from './charts-panel';
import { ComparePanel } from './compare-panel';
import { el } from './dom';
import { Header } from './header';
import { FrameScheduler } from './scheduler';
import { DashboardStore, EVERYTHING } from './store';
import { watchTheme } from './theme';
import { TracesPanel } from './traces-panel';
import { vsCodeApi } from './vscode-api';

const api = vsCodeApi();
const saved = parseDashboardViewState(api.getState());
const state: DashboardViewState = saved ?? { runIds: [], focus: null, tab: 'metrics', smoothing: 0.6 };

const store = new DashboardStore();
store.focus = state.focus;
const scheduler = new FrameScheduler();
const post = api.postMessage.bind(api);
const charts = new ChartsPanel(store, scheduler, state.smoothing);
const traces = new TracesPanel(store, scheduler, post);
const compare = new ComparePanel(store, scheduler, post, state.smoothing);

const header = new Header(
  store,
  post,
  (runId) => {
    store.focus = runId;
    charts.update(EVERYTHING);
    traces.update(EVERYTHING);
    header.renderSummary();
    save();
  },
  (weight) => {
    state.smoothing = weight;
    charts.setSmoothing(weight);
    compare.setSmoothing(weight);
    save();
  },
);
header.setSmoothing(state.smoothing);

const tabs = el('vscode-tabs', { attrs: { panel: '' } });
const tabPanels = { metrics: charts.element, traces: traces.element, compare: compare.element };
const tabTitles = { metrics: 'Metrics', traces: 'Traces', compare: 'Compare runs' };
for (const tab of DASHBOARD_TABS) {
  tabs.append(el('vscode-tab-header', { text: tabTitles[tab], attrs: { slot: 'header', 'data-tab': tab } }));
  tabs.append(el('vscode-tab-panel', { attrs: { 'data-tab-panel': tab } }, tabPanels[tab]));
}
tabs.selectedIndex = DASHBOARD_TABS.indexOf(state.tab);
tabs.addEventListener('vsc-tabs-select', (e) => {
  state.tab = DASHBOARD_TABS[e.detail.selectedIndex] ?? 'metrics';
  save();
});

function selectTab(tab: DashboardTab): void {
  tabs.selectedIndex = DASHBOARD_TABS.indexOf(tab);
  state.tab = tab;
}
document.body.append(el('main', { className: 'dashboard' }, header.element, tabs));

function save(): void {
  // The focused run first: after a reload the host shows these runs, focusing the first.
  state.runIds = store.focus === null ? store.order : [store.focus, ...store.order.filter((id) => id !== store.focus)];
  state.focus = store.focus;
  api.setState(state);
}

// Header text changes at most once per frame however many messages arrive.
const headerTask = () => {
  header.renderSummary();
  return false;
};

window.addEventListener('message', (event: MessageEvent<ToWebview>) => {
  const message = event.data;
  if (message?.type !== 'hydrate' && message?.type !== 'append') return;
  const change = store.apply(message);
  if (change.hydrated) {
    header.renderRuns();
    if (message.type === 'hydrate' && message.tab) selectTab(message.tab);
    save();
  }
  charts.update(change);
  traces.update(change);
  compare.update(change);
  scheduler.schedule(headerTask);
});

watchTheme(() => {
  charts.retheme();
  compare.retheme();
});

api.postMessage({ type: 'ready' });
