// Headless Chromium for the repository's Node-side tests, benches and screenshots (playwright-core, never
// a downloaded browser): the binary from CHROME_PATH or /usr/bin/chromium, with the flags a container
// without a GPU or sandbox needs. web-test-runner.config.mjs launches it with the same flags.
import { existsSync } from 'node:fs';

/** The Chromium binary: `CHROME_PATH`, or Debian's `/usr/bin/chromium`. */
export const CHROMIUM_PATH = process.env.CHROME_PATH || '/usr/bin/chromium';

/** Flags for headless Chromium in a container: no sandbox, no GPU, nothing fetched in the background. */
export const CHROMIUM_ARGS = Object.freeze([
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
]);

/** Launches headless Chromium with {@link CHROMIUM_ARGS}; a clear error names the fix when it is missing. */
export async function launchChromium() {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(
      `Chromium not found at ${CHROMIUM_PATH}: install it with \`apt-get install -y chromium\` or set CHROME_PATH.`,
    );
  }
  const { chromium } = await import('playwright-core');
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: [...CHROMIUM_ARGS] });
}
