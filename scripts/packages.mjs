// The one table of what ships to browsers: rollup bundles each entry, scripts/size.mjs checks its budget.
export const BROWSER_BUNDLES = [
  {
    name: '@baton-chat/protocol',
    input: 'packages/protocol/dist/index.js',
    output: 'packages/protocol/dist/baton-protocol.min.js',
    // Everything the package exports, validator and guards included (8.3 KB gzip when set); browser
    // clients import a tree-shaken subset.
    budgetGzipBytes: 9 * 1024,
  },
  {
    name: '@baton-chat/core',
    input: 'packages/core/dist/index.js',
    output: 'packages/core/dist/baton-core.min.js',
    // Issue 4: the headless SDK with its dependencies stays within 10 KB min+gzip.
    budgetGzipBytes: 10 * 1024,
  },
];
