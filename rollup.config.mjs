import { nodeResolve } from '@rollup/plugin-node-resolve';
import terser from '@rollup/plugin-terser';
import { BROWSER_BUNDLES } from './scripts/packages.mjs';

// tsc compiles each package to dist/ (ESM + .d.ts); rollup then makes the minified browser bundles
// listed in scripts/packages.mjs, whose gzip sizes `npm run size` checks against their budgets.
export default BROWSER_BUNDLES.map((bundle) => ({
  input: bundle.input,
  output: { file: bundle.output, format: 'es', sourcemap: true },
  plugins: [nodeResolve({ browser: true }), terser({ module: true, format: { comments: false } })],
}));
