// Every command of the extension, as a table of factories over the context
// (rust-analyzer's main.ts style). Commands that act on a run take a run id,
// a runs-tree node, or nothing (then they ask with a quick pick).
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { RUN_FILES, runFile } from '../core/run/layout';
import type { Ctx } from './ctx';
import type { DashboardPanels } from './dashboard/panel';
import { metricsCsv } from './runs/metricsCsv';
import type { RunEntry } from './runs/runStore';
import { checkReport } from './spec/specReport';
import { starterSpec } from './starterSpec';
import { installedBackends } from './trainer/backends';
import { resolveNodeRuntime } from './trainer/nodePath';
import type { TrainerHost } from './trainer/trainerHost';
import type { RunsNode } from './views/runsTree';
import { solutionsUri } from './views/solutionDocuments';
import { TRACE_LANGUAGE_ID, traceUri } from './views/traceDocuments';
import { LANGUAGE_ID } from './languageClient';

export interface Services {
  ctx: Ctx;
  trainers: TrainerHost;
  dashboard: Pick<DashboardPanels, 'open'>;
}

type Command = (...args: unknown[]) => unknown;

/** A run from a command argument, or picked by the user among those `filter` accepts. */
async function runArg(s: Services, arg: unknown, filter: (r: RunEntry) => boolean, placeHolder: string): Promise<RunEntry | undefined> {
  if (typeof arg === 'string') return s.ctx.store.get(arg);
  if (arg && typeof arg === 'object' && 'run' in arg) return s.ctx.store.get((arg as RunsNode).run.id);
  const runs = s.ctx.store.list().filter(filter);
  if (runs.length === 0) {
    void vscode.window.showInformationMessage(`Reasoning Lab: no run to choose from (${placeHolder.toLowerCase()}).`);
    return undefined;
  }
  if (runs.length === 1) return runs[0];
  const pick = await vscode.window.showQuickPick(
    runs.map((run) => ({ label: run.id, description: run.info.status, run })),
    { placeHolder },
  );
  return pick?.run;
}

/** The .countdown file a command acts on: its argument, the active editor, or a picked file. */
async function specArg(arg: unknown): Promise<vscode.Uri | undefined> {
  if (arg instanceof vscode.Uri) return arg;
  if (Array.isArray(arg) && arg[0] instanceof vscode.Uri) return arg[0];
  if (typeof arg === 'string') return vscode.Uri.parse(arg);
  const active = vscode.window.activeTextEditor?.document;
  if (active?.languageId === LANGUAGE_ID || active?.fileName.endsWith('.countdown')) return active.uri;
  const files = await vscode.workspace.findFiles('**/*.countdown', '**/{node_modules,.rlab}/**', 200);
  if (files.length === 0) {
    void vscode.window.showInformationMessage('Reasoning Lab: no .countdown file here. Create one with "Reasoning Lab: New Countdown Experiment".');
    return undefined;
  }
  const pick = await vscode.window.showQuickPick(
    files.map((uri) => ({ label: vscode.workspace.asRelativePath(uri), uri })),
    { placeHolder: 'Which experiment should train?' },
  );
  return pick?.uri;
}

/** Opens a trace as a read-only document, highlighted as a trace (think and answer parts). */
async function showTrace(runId: string, index: number): Promise<void> {
  const doc = await vscode.languages.setTextDocumentLanguage(await vscode.workspace.openTextDocument(traceUri(runId, index)), TRACE_LANGUAGE_ID);
  await vscode.window.showTextDocument(doc, { preview: true });
}

const isLive = (r: RunEntry) => r.info.status === 'running';
const any = () => true;

export function commandTable(s: Services): Record<string, Command> {
  const { ctx } = s;
  return {
    'reasoningLab.showVersion': () => {
      const pkg = ctx.extension.extension.packageJSON as { displayName: string; version: string };
      const runs = ctx.store.list();
      const backends = installedBackends(ctx.asAbsolutePath('.'));
      let trainerNode: string;
      try {
        const runtime = resolveNodeRuntime(ctx.settings.nodePath);
        trainerNode = `${runtime.execPath} (${runtime.source})`;
      } catch (err) {
        trainerNode = (err as Error).message;
      }
      const message =
        `${pkg.displayName} ${pkg.version} · VS Code ${vscode.version} · extension host Node ${process.versions.node} · ` +
        `trainer backends installed: ${backends.join(', ') || 'none'} · trainer Node: ${trainerNode} · ` +
        `${runs.length} run(s) in ${ctx.runsRoot ?? 'no folder'}`;
      ctx.log.info(message);
      void vscode.window.showInformationMessage(message);
      return message;
    },

    'reasoningLab.newExperiment': async () => {
      const name = await vscode.window.showInputBox({
        title: 'New Countdown Experiment',
        prompt: 'Name of the experiment (the file is <name>.countdown)',
        value: 'my-experiment',
        validateInput: (v) => (/^[A-Za-z0-9._-]+$/.test(v) ? null : 'Use letters, digits, dot, dash and underscore only.'),
      });
      if (!name) return undefined;
      const folder = vscode.workspace.workspaceFolders?.[0];
      const text = starterSpec(name);
      if (!folder) {
        const doc = await vscode.workspace.openTextDocument({ language: LANGUAGE_ID, content: text });
        await vscode.window.showTextDocument(doc);
        return doc.uri;
      }
      const uri = vscode.Uri.joinPath(folder.uri, `${name}.countdown`);
      if (existsSync(uri.fsPath)) {
        void vscode.window.showWarningMessage(`Reasoning Lab: ${vscode.workspace.asRelativePath(uri)} already exists; opened it instead.`);
      } else {
        writeFileSync(uri.fsPath, text, { flag: 'wx' });
      }
      await vscode.window.showTextDocument(uri);
      return uri;
    },

    'reasoningLab.startTraining': async (arg) => {
      const spec = await specArg(arg);
      if (!spec) return undefined;
      const started = await s.trainers.startFromSpec(spec);
      if (started) s.dashboard.open([started.runId]);
      return started?.runId;
    },

    'reasoningLab.stopRun': async (arg) => {
      const run = await runArg(s, arg, isLive, 'Stop which run?');
      if (run) await s.trainers.stop(run);
    },

    'reasoningLab.resumeRun': async (arg) => {
      const run = await runArg(s, arg, (r) => !isLive(r), 'Resume which run?');
      if (!run) return undefined;
      const started = await s.trainers.resume(run);
      if (started) s.dashboard.open([started.runId]);
      return started?.runId;
    },

    'reasoningLab.evaluateCheckpoint': async (arg) => {
      const node = arg && typeof arg === 'object' && 'kind' in arg ? (arg as RunsNode) : undefined;
      if (node?.kind === 'checkpoint') {
        return s.trainers.evaluate(path.join(node.run.dir, RUN_FILES.checkpoints, node.name), `${node.run.id} ${node.name}`, 'test');
      }
      const run = await runArg(s, arg, any, 'Evaluate the latest checkpoint of which run?');
      return run ? s.trainers.evaluate(run.dir, `${run.id} latest checkpoint`, 'test') : undefined;
    },

    'reasoningLab.openDashboard': async (arg) => {
      const runs = ctx.store.list();
      if (runs.length === 0) {
        s.dashboard.open([]);
        return;
      }
      const run = arg === undefined ? runs[0] : await runArg(s, arg, any, 'Show which run?');
      if (run) s.dashboard.open([run.id]);
    },

    'reasoningLab.compareRuns': async (arg) => {
      if (Array.isArray(arg) && arg.every((a) => typeof a === 'string')) {
        s.dashboard.open(arg as string[]);
        return;
      }
      const picks = await vscode.window.showQuickPick(
        ctx.store.list().map((run) => ({ label: run.id, description: run.info.status, run })),
        { canPickMany: true, placeHolder: 'Choose the runs to compare' },
      );
      if (picks && picks.length > 0) s.dashboard.open(picks.map((p) => p.run.id));
    },

    'reasoningLab.openTrace': async (runId, index) => {
      if (typeof runId !== 'string' || !Number.isSafeInteger(index)) {
        const run = await runArg(s, runId, (r) => r.traces.length > 0, 'Open a trace of which run?');
        if (!run) return;
        const pick = await vscode.window.showQuickPick(
          run.traces
            .map((t, i) => ({ label: `step ${t.step} · ${t.verdict} · ${t.reward}`, description: `${t.numbers.join(' ')} → ${t.target}`, index: run.traceStart + i }))
            .reverse(),
          { placeHolder: 'Which trace?' },
        );
        if (pick) await showTrace(run.id, pick.index);
        return;
      }
      await showTrace(runId, index as number);
    },

    'reasoningLab.showTrainerLog': async (arg) => {
      const run = arg === undefined ? undefined : await runArg(s, arg, any, 'Show the log of which run?');
      const log = run ? runFile(run.dir, 'log') : undefined;
      if (log && existsSync(log)) await vscode.window.showTextDocument(vscode.Uri.file(log), { preview: true });
      else ctx.trainerLog.show();
    },

    'reasoningLab.revealRunFolder': async (arg) => {
      const run = await runArg(s, arg, any, 'Reveal which run?');
      if (!run) return;
      const uri = vscode.Uri.file(run.dir);
      // Inside the workspace the Explorer can show it; elsewhere only the OS file manager can.
      if (vscode.workspace.getWorkspaceFolder(uri)) await vscode.commands.executeCommand('revealInExplorer', uri);
      else await vscode.commands.executeCommand('revealFileInOS', uri);
    },

    'reasoningLab.deleteRun': async (arg) => {
      const run = await runArg(s, arg, (r) => !isLive(r), 'Delete which run?');
      if (!run) return false;
      if (isLive(run)) {
        void vscode.window.showWarningMessage(`Reasoning Lab: ${run.id} is running; stop it before deleting it.`);
        return false;
      }
      const answer = await vscode.window.showWarningMessage(
        `Delete run ${run.id}? Its metrics, traces and checkpoints in ${run.dir} are removed for good.`,
        { modal: true },
        'Delete',
      );
      if (answer !== 'Delete') return false;
      rmSync(run.dir, { recursive: true, force: true });
      ctx.tailer?.rescan();
      ctx.log.info(`deleted run ${run.id}`);
      return true;
    },

    // A second argument (a Uri) writes there without asking, for keybindings and scripts.
    'reasoningLab.exportMetrics': async (arg, to) => {
      const run = await runArg(s, arg, (r) => r.steps.length > 0, 'Export the metrics of which run?');
      if (!run) return undefined;
      const target = to instanceof vscode.Uri ? to : await vscode.window.showSaveDialog({
        defaultUri: vscode.Uri.file(path.join(path.dirname(path.dirname(run.dir)), `${run.id}-metrics.csv`)),
        filters: { CSV: ['csv'] },
        saveLabel: 'Export Metrics',
      });
      if (!target) return undefined;
      await vscode.workspace.fs.writeFile(target, Buffer.from(metricsCsv(run.steps), 'utf8'));
      void vscode.window.showInformationMessage(`Reasoning Lab: wrote ${run.steps.length} steps to ${vscode.workspace.asRelativePath(target)}.`);
      return target;
    },

    'reasoningLab.checkSpec': async (arg) => {
      const spec = await specArg(arg);
      if (!spec) return undefined;
      const doc = await vscode.workspace.openTextDocument(spec);
      const report = checkReport(vscode.workspace.asRelativePath(spec), doc.getText());
      if (report.errors > 0) {
        void vscode.window
          .showErrorMessage(`Reasoning Lab: ${report.summary}`, 'Show Problems')
          .then((c) => c && vscode.commands.executeCommand('workbench.actions.view.problems'));
      } else {
        void vscode.window
          .showInformationMessage(`Reasoning Lab: ${report.summary}`, 'Start Training')
          .then((c) => c && vscode.commands.executeCommand('reasoningLab.startTraining', spec));
      }
      return report;
    },

    'reasoningLab.solveProblems': async (arg) => {
      const spec = await specArg(arg);
      if (!spec) return undefined;
      const doc = await vscode.workspace.openTextDocument(solutionsUri(spec));
      await vscode.window.showTextDocument(doc, { preview: true, viewColumn: vscode.ViewColumn.Beside });
      return doc.getText();
    },

    'reasoningLab.refreshRuns': () => ctx.tailer?.rescan(),
  };
}
