// What each `device` computes on and the package that provides it, once: the
// trainer loads it, and the editor says before Train when a device the spec
// names is not installed here (checked by resolving the package, never by
// loading it, so the extension host and the language server stay free of tfjs).
import type { BackendName } from '../protocol/records';
import type { SpecAnalysis } from './analyze';
import type { Device } from './config';
import type { SpecDiagnostic } from './diagnostic';

export interface DeviceBackend {
  device: Exclude<Device, 'auto'>;
  backend: BackendName;
  /** The npm package that provides it. */
  pkg: string;
  /** How to get it, as the end of a sentence. */
  install: string;
}

const NATIVE_INSTALL = 'it is an optional dependency that downloads libtensorflow when it installs, which needs network access';

/** In the order `auto` tries them: fastest first. */
export const DEVICE_BACKENDS: readonly DeviceBackend[] = [
  {
    device: 'gpu',
    backend: 'tensorflow-gpu',
    pkg: '@tensorflow/tfjs-node-gpu',
    install:
      'run `npm install @tensorflow/tfjs-node-gpu` on a Linux x64 machine with an NVIDIA GPU, CUDA 11.8 and cuDNN 8.6 ' +
      `(${NATIVE_INSTALL}), then start the trainer with a plain Node binary; or use \`device auto\``,
  },
  {
    device: 'cpu',
    backend: 'tensorflow',
    pkg: '@tensorflow/tfjs-node',
    install: `run \`npm install @tensorflow/tfjs-node\` (${NATIVE_INSTALL}), then start the trainer with a plain Node binary; or use \`device wasm\` (always available) or \`device auto\``,
  },
  {
    device: 'wasm',
    backend: 'wasm',
    pkg: '@tensorflow/tfjs-backend-wasm',
    install: "reinstall the extension's dependencies (`npm install`): `@tensorflow/tfjs-backend-wasm` ships its .wasm files",
  },
  {
    device: 'js',
    backend: 'cpu',
    pkg: '@tensorflow/tfjs-backend-cpu',
    install: "reinstall the extension's dependencies (`npm install`) to restore `@tensorflow/tfjs-backend-cpu`",
  },
];

/** The backends whose package resolves from `fromDir`, in `auto`'s order. */
export function installedBackends(fromDir: string): BackendName[] {
  return DEVICE_BACKENDS.filter(({ pkg }) => {
    try {
      require.resolve(pkg, { paths: [fromDir] });
      return true;
    } catch {
      return false;
    }
  }).map((d) => d.backend);
}

/** Why `device` cannot run here, or null when it can (`auto` always can while any backend is installed). */
export function deviceProblem(device: Device, installed: readonly BackendName[]): string | null {
  if (device === 'auto') return installed.length > 0 ? null : `no TensorFlow.js backend is installed here: ${DEVICE_BACKENDS.at(-1)!.install}`;
  const wanted = DEVICE_BACKENDS.find((d) => d.device === device)!;
  return installed.includes(wanted.backend) ? null : `device ${device} needs ${wanted.pkg}, which is not installed here: ${wanted.install}`;
}

/** The spec's own `device`, when it names one this machine cannot load: an error on that line. */
export function deviceDiagnostic(analysis: SpecAnalysis, installed: readonly BackendName[]): SpecDiagnostic | null {
  const setting = analysis.written.get('.device');
  if (!setting || analysis.invalid.has('.device')) return null;
  const problem = deviceProblem(analysis.config.device, installed);
  return problem ? { range: setting.range, severity: 'error', code: 'rule', message: problem } : null;
}
