import type { Browser } from 'playwright-core';

/** The Chromium binary: `CHROME_PATH`, or Debian's `/usr/bin/chromium`. */
export const CHROMIUM_PATH: string;
/** Flags for headless Chromium in a container: no sandbox, no GPU, nothing fetched in the background. */
export const CHROMIUM_ARGS: readonly string[];
/** Launches headless Chromium with {@link CHROMIUM_ARGS}; a clear error names the fix when it is missing. */
export function launchChromium(): Promise<Browser>;
