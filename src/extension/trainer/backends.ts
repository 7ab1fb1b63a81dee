// Which tfjs backends the trainer could load from the extension's folder:
// packages that resolve there, in the trainer's order of preference. Checked by
// resolving, never by loading (the extension host stays free of tfjs).
import type { BackendName } from '../../core/protocol/records';

const PACKAGES: ReadonlyArray<[BackendName, string]> = [
  ['tensorflow-gpu', '@tensorflow/tfjs-node-gpu'],
  ['tensorflow', '@tensorflow/tfjs-node'],
  ['wasm', '@tensorflow/tfjs-backend-wasm'],
  ['cpu', '@tensorflow/tfjs-backend-cpu'],
];

export function installedBackends(fromDir: string): BackendName[] {
  return PACKAGES.filter(([, pkg]) => {
    try {
      require.resolve(pkg, { paths: [fromDir] });
      return true;
    } catch {
      return false;
    }
  }).map(([name]) => name);
}
