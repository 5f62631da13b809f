import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { nodeResolve } from '@rollup/plugin-node-resolve';
import terser from '@rollup/plugin-terser';
import { BROWSER_BUNDLES } from './scripts/packages.mjs';

// tsc compiles each package to dist/ (ESM + .d.ts); rollup then makes the minified browser bundles
// listed in scripts/packages.mjs, whose gzip sizes `npm run size` checks against their budgets.
// Bundles are built in table order, so an entry may copy an earlier entry's output as an asset.
export default BROWSER_BUNDLES.map((bundle) => ({
  input: bundle.input,
  output: { file: bundle.output, format: bundle.format ?? 'es', sourcemap: true },
  plugins: [
    nodeResolve({ browser: true }),
    terser({ module: (bundle.format ?? 'es') === 'es', format: { comments: false } }),
    ...(bundle.assets ? [copyAssets(bundle.assets)] : []),
  ],
}));

/**
 * Emits static files (an app's index.html and stylesheet) next to the bundle: a path keeps its file
 * name, `{ from, to }` is renamed.
 */
function copyAssets(files) {
  return {
    name: 'baton-copy-assets',
    async generateBundle() {
      for (const file of files) {
        const { from, to } = typeof file === 'string' ? { from: file, to: basename(file) } : file;
        this.emitFile({ type: 'asset', fileName: to, source: await readFile(from) });
      }
    },
  };
}
