// What only this machine decides about a spec: whether the device it names can
// load here. Training on it would fail, so the editor says so before Train.
import type { BackendName } from '../core/protocol/records';
import type { SpecAnalysis } from '../core/spec/analyze';
import { deviceDiagnostic, installedBackends } from '../core/spec/devices';
import type { SpecDiagnostic } from '../core/spec/diagnostic';

let installed: BackendName[] | undefined;

/** Backends resolved once, from the server's own folder (the extension's packages do not change while it runs). */
export function environmentDiagnostics(analysis: SpecAnalysis, backends: readonly BackendName[] = (installed ??= installedBackends(__dirname))): SpecDiagnostic[] {
  const device = deviceDiagnostic(analysis, backends);
  return device ? [device] : [];
}
