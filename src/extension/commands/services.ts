// What every command factory gets, and the guard of the commands that start
// processes: in an untrusted workspace they refuse at once, before they ask
// the user anything.
import * as vscode from 'vscode';
import type { Ctx } from '../ctx';
import type { DashboardPanels } from '../dashboard/panel';

export interface Services {
  ctx: Ctx;
  dashboard: Pick<DashboardPanels, 'open'>;
}

export type Command = (...args: unknown[]) => unknown;
export type CommandFactory = (s: Services) => Command;

/** The command, or in an untrusted workspace a refusal that says why and offers to manage trust. */
export function trusted(factory: CommandFactory): CommandFactory {
  return (s) => {
    const command = factory(s);
    return (...args) => {
      if (vscode.workspace.isTrusted) return command(...args);
      void vscode.window
        .showErrorMessage(
          'Reasoning Lab: this workspace is not trusted, so training and evaluation (which start a trainer process) are disabled. Trust the workspace to use them; editing .countdown files works either way.',
          'Manage Workspace Trust',
        )
        .then((choice) => choice && vscode.commands.executeCommand('workbench.trust.manage'));
      return undefined;
    };
  };
}
