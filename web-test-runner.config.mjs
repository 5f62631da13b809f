import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { extname, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { esbuildPlugin } from '@web/dev-server-esbuild';
import { chromeLauncher } from '@web/test-runner-chrome';

const executablePath = process.env.CHROME_PATH || '/usr/bin/chromium';
if (!existsSync(executablePath)) {
  throw new Error(
    `Chromium not found at ${executablePath}: install it with \`apt-get install -y chromium\` or set CHROME_PATH to a Chrome/Chromium binary`,
  );
}

// Test corpora live next to the repository (../shared) and are never copied into it; browser tests
// fetch them from /__shared__/<path>.
const sharedDir = fileURLToPath(new URL('../shared/', import.meta.url));
const SHARED_PREFIX = '/__shared__/';

/** Serves files of the shared directory under `/__shared__/`, refusing paths that escape it. */
function sharedCorporaPlugin() {
  return {
    name: 'baton-shared-corpora',
    async serve(context) {
      if (!context.path.startsWith(SHARED_PREFIX)) return undefined;
      const file = resolve(sharedDir, decodeURIComponent(context.path.slice(SHARED_PREFIX.length)));
      if (!file.startsWith(sharedDir.endsWith(sep) ? sharedDir : sharedDir + sep) || !existsSync(file)) {
        return undefined;
      }
      return { body: await readFile(file, 'utf8'), type: extname(file).slice(1) || 'text/plain' };
    },
  };
}

export default {
  files: ['packages/*/test/browser/**/*.test.ts'],
  nodeResolve: true,
  concurrency: 1,
  browsers: [
    chromeLauncher({
      launchOptions: {
        executablePath,
        args: [
          '--no-sandbox',
          '--disable-gpu',
          '--disable-background-networking',
          '--disable-component-update',
          '--disable-sync',
          '--no-first-run',
          '--headless=new',
        ],
      },
    }),
  ],
  plugins: [esbuildPlugin({ ts: true, target: 'es2022' }), sharedCorporaPlugin()],
};
