// One build script for every bundle. `--production` minifies, `--watch` rebuilds on change.
import * as esbuild from 'esbuild';
import { createRequire } from 'node:module';

const production = process.argv.includes('--production');
const watch = process.argv.includes('--watch');

// tfjs and its optional native backends stay outside the bundles: they load
// .wasm/.node files relative to their own package folders at run time.
const tfjsExternal = [
  '@tensorflow/tfjs-core',
  '@tensorflow/tfjs-backend-cpu',
  '@tensorflow/tfjs-backend-wasm',
  '@tensorflow/tfjs-node',
  '@tensorflow/tfjs-node-gpu',
];

// tfjs-core ships its gradients only as ES modules with extensionless imports,
// which Node cannot load from outside a bundle: that one entry is bundled (the
// gradients register into tfjs-core's global registry); the rest stays external.
const tfjsGradients = {
  name: 'tfjs-gradients',
  setup(build) {
    build.onResolve({ filter: /^@tensorflow\/tfjs-core\/dist\/register_all_gradients$/ }, (args) => ({
      path: createRequire(import.meta.url).resolve(args.path),
    }));
  },
};

const common = {
  bundle: true,
  sourcemap: true,
  minify: production,
  logLevel: 'info',
  legalComments: 'none',
};

const node = { ...common, platform: 'node', format: 'cjs', target: 'node20', plugins: [tfjsGradients] };

/** Every bundle the extension, language server, trainer, CLI and dashboard need. */
const builds = [
  { ...node, entryPoints: ['src/extension/main.ts'], outfile: 'dist/extension.js', external: ['vscode'] },
  { ...node, entryPoints: ['src/server/main.ts'], outfile: 'dist/server.js' },
  { ...node, entryPoints: ['src/trainer/main.ts'], outfile: 'dist/trainer.js', external: tfjsExternal },
  { ...node, entryPoints: ['src/trainer/cli/main.ts'], outfile: 'dist/cli.js', external: tfjsExternal },
  {
    ...common,
    platform: 'browser',
    format: 'iife',
    target: 'chrome120',
    entryPoints: ['webview/main.ts'],
    outfile: 'dist/webview/main.js',
    loader: { '.css': 'css', '.ttf': 'file', '.woff': 'file', '.woff2': 'file' },
  },
];

if (watch) {
  const contexts = await Promise.all(builds.map((b) => esbuild.context(b)));
  await Promise.all(contexts.map((c) => c.watch()));
  console.log('esbuild: watching for changes');
} else {
  await Promise.all(builds.map((b) => esbuild.build(b)));
}
