// The runs sidebar: each run with its status icon, live step and best
// accuracy; children for checkpoints, evaluations and the latest traces.
// Refreshed by the store's events, which the file watches drive.
import * as path from 'node:path';
import * as vscode from 'vscode';
import { COMMANDS } from '../../core/protocol/commands';
import type { RunStatus } from '../../core/protocol/records';
import { describeScore } from '../../core/protocol/describe-score';
import { formatDuration } from '../../core/run/progress';
import { checkpointNames } from '../../core/run/checkpoints';
import { checkpointLabel, parseCheckpointName, RUN_FILES } from '../../core/run/layout';
import type { RunEntry, RunStore } from '../runs/runStore';

const LATEST_TRACES = 20;

export type RunsNode =
  | { kind: 'run'; run: RunEntry }
  | { kind: 'group'; run: RunEntry; group: 'checkpoints' | 'evals' | 'traces' }
  | { kind: 'checkpoint'; run: RunEntry; name: string }
  | { kind: 'eval'; run: RunEntry; index: number }
  | { kind: 'trace'; run: RunEntry; index: number };

const STATUS_ICON: Record<RunStatus, vscode.ThemeIcon> = {
  running: new vscode.ThemeIcon('sync~spin', new vscode.ThemeColor('charts.blue')),
  done: new vscode.ThemeIcon('pass', new vscode.ThemeColor('testing.iconPassed')),
  stopped: new vscode.ThemeIcon('debug-stop'),
  failed: new vscode.ThemeIcon('error', new vscode.ThemeColor('testing.iconFailed')),
};

/** Best greedy accuracy: from evaluations when there are any, else from training steps. */
export function bestAccuracy(run: RunEntry): number | undefined {
  if (run.evals.length > 0) return Math.max(...run.evals.map((e) => e.score.pass1));
  const acc = run.steps.map((s) => s.accuracy).filter((a): a is number => a !== undefined);
  return acc.length > 0 ? Math.max(...acc) : undefined;
}

export class RunsTreeProvider implements vscode.TreeDataProvider<RunsNode>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<RunsNode | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly subscriptions: vscode.Disposable[];
  /** One node object per run: VS Code refreshes a single run by its node's identity. */
  private readonly runNodes = new Map<string, { kind: 'run'; run: RunEntry }>();
  /** Runs with new records not yet shown; shown at most once per second, so rows stay clickable. */
  private readonly dirty = new Set<string>();
  private dirtyTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(private readonly store: RunStore) {
    this.subscriptions = [
      store.onDidChangeRuns(() => this.refresh()),
      store.onDidAppend((delta) => this.markDirty(delta.runId)),
      this.changed,
    ];
  }

  refresh(): void {
    this.changed.fire(undefined);
  }

  private markDirty(runId: string): void {
    this.dirty.add(runId);
    this.dirtyTimer ??= setTimeout(() => {
      this.dirtyTimer = undefined;
      for (const id of this.dirty) {
        const node = this.runNodes.get(id);
        if (node) this.changed.fire(node);
      }
      this.dirty.clear();
    }, 1000);
  }

  getChildren(node?: RunsNode): RunsNode[] {
    if (!node) {
      const runs = this.store.list();
      for (const id of this.runNodes.keys()) if (!this.store.get(id)) this.runNodes.delete(id);
      return runs.map((run) => {
        let n = this.runNodes.get(run.id);
        if (!n) this.runNodes.set(run.id, (n = { kind: 'run', run }));
        n.run = run;
        return n;
      });
    }
    const run = this.store.get(node.run.id) ?? node.run;
    if (node.kind === 'run') {
      return (['checkpoints', 'evals', 'traces'] as const).map((group) => ({ kind: 'group', run, group }));
    }
    if (node.kind !== 'group') return [];
    switch (node.group) {
      case 'checkpoints':
        return checkpointNames(run.dir).reverse().map((name) => ({ kind: 'checkpoint', run, name }));
      case 'evals':
        return run.evals.map((_e, index) => ({ kind: 'eval' as const, run, index })).reverse();
      case 'traces': {
        const first = Math.max(0, run.traces.length - LATEST_TRACES);
        return run.traces
          .slice(first)
          .map((_t, i) => ({ kind: 'trace' as const, run, index: run.traceStart + first + i }))
          .reverse();
      }
    }
  }

  getTreeItem(node: RunsNode): vscode.TreeItem {
    const run = node.run;
    switch (node.kind) {
      case 'run': {
        // The spec name (with its start time when another run has the same name); the run id is in the tooltip.
        const item = new vscode.TreeItem(this.store.label(run.id), vscode.TreeItemCollapsibleState.Collapsed);
        const last = run.steps.at(-1);
        const best = bestAccuracy(run);
        item.description = [
          run.info.status,
          last ? `${PHASE_LABEL[last.phase]} step ${last.step}` : null,
          best !== undefined ? `best ${(best * 100).toFixed(1)}%` : null,
          localTime(run.info.startedAt),
        ]
          .filter(Boolean)
          .join(' · ');
        item.iconPath = STATUS_ICON[run.info.status] ?? new vscode.ThemeIcon('circle-outline');
        item.contextValue = `run-${run.info.status}`;
        const ended = run.info.endedAt ? `, ended ${localTime(run.info.endedAt)} (${formatDuration(Date.parse(run.info.endedAt) - Date.parse(run.info.startedAt))})` : '';
        item.tooltip = new vscode.MarkdownString(
          `**${run.id}**\n\n${run.info.status}${run.info.error ? `: ${run.info.error}` : ''}\n\nstarted ${localTime(run.info.startedAt)}${ended}` +
            `\n\nbackend ${run.info.backend?.name ?? 'unknown'} · seed ${run.info.seed}`,
        );
        item.id = `run:${run.id}`;
        item.command = { title: 'Open Dashboard', command: COMMANDS.openDashboard, arguments: [run.id] };
        return item;
      }
      case 'group': {
        const label = { checkpoints: 'Checkpoints', evals: 'Evaluations', traces: 'Latest traces' }[node.group];
        const item = new vscode.TreeItem(label, vscode.TreeItemCollapsibleState.Collapsed);
        item.id = `run:${run.id}:${node.group}`;
        item.contextValue = `group-${node.group}`;
        item.iconPath = new vscode.ThemeIcon({ checkpoints: 'save-all', evals: 'beaker', traces: 'comment-discussion' }[node.group]);
        return item;
      }
      case 'checkpoint': {
        const at = parseCheckpointName(node.name);
        const item = new vscode.TreeItem(checkpointLabel(node.name), vscode.TreeItemCollapsibleState.None);
        item.description = node.name;
        item.contextValue = `checkpoint-${at?.phase ?? 'other'}`;
        item.iconPath = new vscode.ThemeIcon('save');
        item.resourceUri = vscode.Uri.file(path.join(run.dir, RUN_FILES.checkpoints, node.name));
        return item;
      }
      case 'eval': {
        const e = run.evals[node.index]!;
        const sampled = e.k > 1 ? ` · pass@${e.k} ${percent(e.score.passK)}` : '';
        const item = new vscode.TreeItem(`pass@1 ${percent(e.score.pass1)}${sampled}`, vscode.TreeItemCollapsibleState.None);
        const where = e.split === 'test' ? 'test split' : "spec's problems";
        item.description = `${PHASE_LABEL[e.phase]} step ${e.step} · ${where} n=${e.score.n}${e.requested ? ' · on request' : ''}`;
        item.tooltip = `${describeScore(e.score, e.k)} on ${e.score.n} problems of the ${where}, ${PHASE_LABEL[e.phase]} step ${e.step}` +
          (e.requested ? ' (evaluated on request, not by the training loop)' : '');
        item.iconPath = new vscode.ThemeIcon(e.requested ? 'beaker' : 'graph');
        item.contextValue = 'eval';
        return item;
      }
      case 'trace': {
        const t = run.traces[node.index - run.traceStart];
        const item = new vscode.TreeItem(
          t ? `step ${t.step} · ${t.verdict} · ${t.reward}` : `trace ${node.index}`,
          vscode.TreeItemCollapsibleState.None,
        );
        if (t) item.description = `${t.numbers.join(' ')} → ${t.target}`;
        item.iconPath = new vscode.ThemeIcon(t?.verdict === 'correct' ? 'check' : 'circle-small');
        item.contextValue = 'trace';
        item.command = { title: 'Open Trace', command: COMMANDS.openTrace, arguments: [run.id, node.index] };
        return item;
      }
    }
  }

  dispose(): void {
    if (this.dirtyTimer) clearTimeout(this.dirtyTimer);
    for (const d of this.subscriptions) d.dispose();
  }
}

const PHASE_LABEL = { pretrain: 'pretrain', rl: 'RL' } as const;

const percent = (share: number) => `${(share * 100).toFixed(1)}%`;

/** `Nov 29 05:20`, in local time. */
function localTime(iso: string): string | null {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return null;
  return d.toLocaleString(undefined, { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', hour12: false });
}
