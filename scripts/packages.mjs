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
  {
    name: '@baton-chat/core/bridge',
    input: 'packages/core/dist/bridge.js',
    output: 'packages/core/dist/baton-core-bridge.min.js',
    // The opt-in webview bridge on its own (it imports only types from core): hand-written command guards
    // with field-level error messages, native channels, snapshot mirroring (2.1 KB gzip when set).
    budgetGzipBytes: 2.5 * 1024,
  },
  {
    name: '@baton-chat/widget',
    input: 'packages/widget/dist/index.js',
    output: 'packages/widget/dist/baton-widget.min.js',
    // Issue 5: the full widget with all dependencies (lit, marked, dompurify, core) <= 55 KB gzip.
    budgetGzipBytes: 55 * 1024,
  },
  {
    name: '@baton-chat/widget/locales/zh-CN',
    input: 'packages/widget/dist/locales/zh-CN.js',
    output: 'packages/widget/dist/baton-widget-locale-zh-CN.min.js',
    // Opt-in locale, kept out of the widget bundle: strings plus the registration call.
    budgetGzipBytes: 2 * 1024,
  },
  {
    name: '@baton-chat/widget/locales/es',
    input: 'packages/widget/dist/locales/es.js',
    output: 'packages/widget/dist/baton-widget-locale-es.min.js',
    // Opt-in locale, kept out of the widget bundle: strings plus the registration call.
    budgetGzipBytes: 2 * 1024,
  },
  {
    name: '@baton-chat/widget/locales/ar',
    input: 'packages/widget/dist/locales/ar.js',
    output: 'packages/widget/dist/baton-widget-locale-ar.min.js',
    // Opt-in locale, kept out of the widget bundle: strings plus the registration call.
    budgetGzipBytes: 2 * 1024,
  },
  {
    name: '@baton-chat/console',
    input: 'packages/console/dist/main.js',
    output: 'packages/console/dist/app/console.js',
    // The agent console app (lit, the protocol helpers it uses, and the widget's markdown module with marked
    // and DOMPurify, so agents see text sanitized exactly as customers do: 28 KB gzip before it, 59 KB with
    // it and canned replies), served as a static folder at /console.
    budgetGzipBytes: 60 * 1024,
    // Copied next to the bundle: the page and its stylesheet (no inline script or style, for strict CSP).
    assets: ['packages/console/app/index.html', 'packages/console/app/console.css'],
  },
  {
    name: '@baton-chat/embed',
    input: 'packages/embed/dist/script-tag.js',
    output: 'packages/embed/dist/cdn/baton.js',
    // The script tag (the one classic script): paints only the launcher and loads the widget on intent.
    format: 'iife',
    // Issue 5: the launcher stays within 6 KB gzip.
    budgetGzipBytes: 6 * 1024,
    // Last in the table: the widget and its locale bundles, built above, are copied next to baton.js so a
    // site hosts one folder. Source maps keep their names, which the bundles' sourceMappingURL comments use.
    assets: [
      { from: 'packages/widget/dist/baton-widget.min.js', to: 'baton-widget.js' },
      'packages/widget/dist/baton-widget.min.js.map',
      ...['zh-CN', 'es', 'ar'].flatMap((tag) => [
        {
          from: `packages/widget/dist/baton-widget-locale-${tag}.min.js`,
          to: `baton-widget-locale-${tag}.js`,
        },
        `packages/widget/dist/baton-widget-locale-${tag}.min.js.map`,
      ]),
    ],
  },
];
