// The demo site as `npm start` serves it, for this folder's Chromium tests: the reference server with
// the demo folder at /, the built embed at /widget and, when asked, the help center at /help.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { startServer, type Bot, type RunningServer } from '@baton-chat/server';

export const SITE_DIR = fileURLToPath(new URL('../', import.meta.url));
export const WIDGET_DIR = fileURLToPath(new URL('../../../packages/embed/dist/cdn/', import.meta.url));
export const HELP_CENTER = fileURLToPath(new URL('../../../packages/server/help-center/', import.meta.url));

/** Throws, saying to build, when a file of the embed build is missing. */
export function requireWidgetBuild(files: readonly string[] = ['baton-widget.js']): void {
  for (const file of files) {
    if (!existsSync(WIDGET_DIR + file))
      throw new Error(`${WIDGET_DIR}${file} is missing: run \`npm run build\`.`);
  }
}

/** Starts the site on a free port with `bot`, in memory, without rate limits or logs. */
export function startDemoSite(bot: Bot, options: { helpCenter?: boolean } = {}): Promise<RunningServer> {
  return startServer({
    port: 0,
    dataDir: 'memory://',
    bot,
    rateLimits: { conversationsPerIp: { perMinute: 0 }, commandsPerConversation: { perMinute: 0 } },
    site: {
      static: { '/': SITE_DIR, '/widget': WIDGET_DIR },
      ...(options.helpCenter && { helpCenterDir: HELP_CENTER }),
    },
    log: () => undefined,
  });
}
