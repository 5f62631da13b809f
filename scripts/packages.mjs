// The one table of what ships to browsers: rollup bundles each entry, scripts/size.mjs checks its budget.
export const BROWSER_BUNDLES = [
  {
    name: '@baton-chat/protocol',
    input: 'packages/protocol/dist/index.js',
    output: 'packages/protocol/dist/baton-protocol.min.js',
    budgetGzipBytes: 8 * 1024,
  },
];
