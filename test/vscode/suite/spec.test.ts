// The commands behind the spec's code lenses: Check, Solve all problems, and
// Train refusing a spec with errors before any process or run folder exists.
import * as assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'mocha';
import * as vscode from 'vscode';
import type { CheckReport } from '../../../src/extension/spec/specReport';
import { activeCtx, workspaceRoot } from './util';

export function defineSpecTests(): void {
  describe('spec commands', () => {
    it('Check reports a valid spec as ready to train', async () => {
      const uri = vscode.Uri.file(path.join(workspaceRoot(), 'countdown-3.countdown'));
      const report = await vscode.commands.executeCommand<CheckReport>('reasoningLab.checkSpec', uri.toString());
      assert.equal(report.errors, 0, report.summary);
      assert.match(report.summary, /ready to train/);
    });

    it('Check counts the errors of a broken spec', async () => {
      const uri = vscode.Uri.file(path.join(workspaceRoot(), 'broken.countdown'));
      const report = await vscode.commands.executeCommand<CheckReport>('reasoningLab.checkSpec', uri);
      assert.equal(report.errors, 1, report.summary);
      assert.match(report.summary, /did you mean `values`/);
    });

    it('Solve all problems lists a solution for each problem line', async () => {
      const uri = vscode.Uri.file(path.join(workspaceRoot(), 'countdown-3.countdown'));
      const text = await vscode.commands.executeCommand<string>('reasoningLab.solveProblems', uri.toString());
      assert.match(text, /44 19 35 -> 98 +=/);
      assert.match(text, /12 3 4 -> 16 +=/);
      await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
    });

    it('Start Training refuses a spec with errors and starts nothing', async () => {
      const ctx = await activeCtx();
      const before = existsSync(ctx.runsRoot!) ? readdirSync(ctx.runsRoot!) : [];
      const uri = vscode.Uri.file(path.join(workspaceRoot(), 'broken.countdown'));
      const started = await vscode.commands.executeCommand<string | undefined>('reasoningLab.startTraining', uri);
      assert.equal(started, undefined);
      const after = existsSync(ctx.runsRoot!) ? readdirSync(ctx.runsRoot!) : [];
      assert.deepEqual(after, before);
    });
  });
}
