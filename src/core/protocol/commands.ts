// The extension's command ids, once. package.json contributes exactly these (a
// test keeps the two in step); the extension registers a factory for each
// name; the language server's code lenses and the dashboard's intents run them.
export const COMMANDS = {
  showVersion: 'reasoningLab.showVersion',
  newExperiment: 'reasoningLab.newExperiment',
  startTraining: 'reasoningLab.startTraining',
  stopRun: 'reasoningLab.stopRun',
  resumeRun: 'reasoningLab.resumeRun',
  continueRun: 'reasoningLab.continueRun',
  startRlFromCheckpoint: 'reasoningLab.startRlFromCheckpoint',
  evaluateCheckpoint: 'reasoningLab.evaluateCheckpoint',
  openDashboard: 'reasoningLab.openDashboard',
  compareRuns: 'reasoningLab.compareRuns',
  openTrace: 'reasoningLab.openTrace',
  showTrainerLog: 'reasoningLab.showTrainerLog',
  openRunSpec: 'reasoningLab.openRunSpec',
  revealRunFolder: 'reasoningLab.revealRunFolder',
  deleteRun: 'reasoningLab.deleteRun',
  exportMetrics: 'reasoningLab.exportMetrics',
  checkSpec: 'reasoningLab.checkSpec',
  solveProblems: 'reasoningLab.solveProblems',
  refreshRuns: 'reasoningLab.refreshRuns',
} as const;

export type CommandName = keyof typeof COMMANDS;
export type CommandId = (typeof COMMANDS)[CommandName];
