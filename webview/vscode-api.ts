// The API VS Code injects into a webview. Only intents go out (validated by the
// extension), and the view state VS Code keeps across reloads.
import type { DashboardViewState, WebviewIntent } from '../src/core/protocol/webview';

export interface VsCodeApi {
  postMessage(intent: WebviewIntent): void;
  getState(): unknown;
  setState(state: DashboardViewState): void;
}

declare function acquireVsCodeApi(): VsCodeApi;

/** May be called once per page, so main.ts calls it and passes the result on. */
export function vsCodeApi(): VsCodeApi {
  return acquireVsCodeApi();
}
