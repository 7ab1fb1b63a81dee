// Every command of the extension by name: a bare index of named factories
// (rust-analyzer's createCommands). Those that start a trainer or an
// evaluation need a trusted workspace.
import * as vscode from 'vscode';
import { COMMANDS, type CommandName } from '../../core/protocol/commands';
import * as runs from './runs';
import { trusted, type CommandFactory, type Services } from './services';
import * as spec from './spec';
import * as views from './views';

export function createCommands(): Record<CommandName, CommandFactory> {
  return {
    showVersion: views.showVersion,
    newExperiment: spec.newExperiment,
    startTraining: trusted(spec.startTraining),
    stopRun: runs.stopRun,
    resumeRun: trusted(runs.resumeRun),
    continueRun: trusted(runs.continueRun),
    startRlFromCheckpoint: trusted(runs.startRlFromCheckpoint),
    evaluateCheckpoint: trusted(runs.evaluateCheckpoint),
    openDashboard: views.openDashboard,
    compareRuns: views.compareRuns,
    openTrace: views.openTrace,
    showTrainerLog: runs.showTrainerLog,
    openRunSpec: runs.openRunSpec,
    revealRunFolder: runs.revealRunFolder,
    deleteRun: runs.deleteRun,
    exportMetrics: runs.exportMetrics,
    checkSpec: spec.checkSpec,
    solveProblems: spec.solveProblems,
    refreshRuns: runs.refreshRuns,
  };
}

export function registerCommands(s: Services): vscode.Disposable[] {
  return Object.entries(createCommands()).map(([name, factory]) => vscode.commands.registerCommand(COMMANDS[name as CommandName], factory(s)));
}
