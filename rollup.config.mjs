import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { nodeResolve } from '@rollup/plugin-node-resolve';
import terser from '@rollup/plugin-terser';
import { BROWSER_BUNDLES } from './scripts/packages.mjs';

// tsc compiles each package to dist/ (ESM + .d.ts); rollup then makes the minified browser bundles
// listed in scripts/packages.mjs, whose gzip sizes `npm run size` checks against their budgets.
export default BROWSER_BUNDLES.map((bundle) => ({
  input: bundle.input,
  output: { file: bundle.output, format: 'es', sourcemap: true },
  plugins: [
    nodeResolve({ browser: true }),
    terser({ module: true, format: { comments: false } }),
    ...(bundle.assets ? [copyAssets(bundle.assets)] : []),
  ],
}));

/** Emits static files (an app's index.html and stylesheet) next to the bundle. */
function copyAssets(files) {
  return {
    name: 'baton-copy-assets',
    async generateBundle() {
      for (const file of files) {
        this.emitFile({ type: 'asset', fileName: basename(file), source: await readFile(file) });
      }
    },
  };
}
