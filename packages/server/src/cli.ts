import { stat } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { AgentStore } from './agents/agent-store.js';
import { parseArgs } from 'node:util';
import type { Bot } from './bots/bot.js';
import { createEchoBot } from './bots/echo-bot.js';
import { createKnowledgeBaseBot, type KnowledgeBaseBot } from './bots/kb/index.js';
import { createLlmBot, type LlmBot } from './bots/llm/index.js';
import { AGENTS_USAGE, runAgentsCommand } from './agents/agents-command.js';
import { openStorage } from './app.js';
import { startServer, type StartServerOptions } from './node.js';

/** One setting of the command line: its flag, environment variable, default and meaning. */
interface Setting {
  flag: string;
  env: string;
  fallback: string;
  help: string;
}

const SETTINGS: Setting[] = [
  { flag: 'port', env: 'PORT', fallback: '8787', help: 'TCP port (0 picks a free one)' },
  { flag: 'host', env: 'HOST', fallback: '127.0.0.1', help: 'interface to listen on (0.0.0.0 for all)' },
  {
    flag: 'data-dir',
    env: 'BATON_DATA_DIR',
    fallback: '.baton-data',
    help: 'PGlite data directory (memory:// for none)',
  },
  {
    flag: 'database-url',
    env: 'DATABASE_URL',
    fallback: '',
    help: 'PostgreSQL connection string; replaces PGlite',
  },
  {
    flag: 'database-pool-size',
    env: 'BATON_DATABASE_POOL_SIZE',
    fallback: '20',
    help: 'PostgreSQL connections per instance for requests (plus 3)',
  },
  {
    flag: 'bot',
    env: 'BATON_BOT',
    fallback: 'kb',
    help: 'kb (answers from the help center) | llm (a language model grounded on the help center) | echo (repeats the question; for tests)',
  },
  {
    flag: 'llm-base-url',
    env: 'BATON_LLM_BASE_URL',
    fallback: '',
    help: 'OpenAI-compatible API base URL for --bot llm, such as http://localhost:11434/v1 (API key: BATON_LLM_API_KEY)',
  },
  {
    flag: 'llm-model',
    env: 'BATON_LLM_MODEL',
    fallback: '',
    help: 'model for --bot llm (Azure: the deployment)',
  },
  {
    flag: 'llm-timeout-ms',
    env: 'BATON_LLM_TIMEOUT_MS',
    fallback: '60000',
    help: 'longest wait for the first token (and between tokens) of --bot llm',
  },
  {
    flag: 'kb',
    env: 'BATON_KB_DIR',
    fallback: fileURLToPath(new URL('../help-center', import.meta.url)),
    help: 'folder of markdown articles for the kb bot',
  },
  {
    flag: 'kb-url',
    env: 'BATON_KB_URL',
    fallback: '/help',
    help: 'base URL of the published help center; citations link to <kb-url>/<slug>',
  },
  {
    flag: 'allowed-origins',
    env: 'BATON_ALLOWED_ORIGINS',
    fallback: '',
    help: 'comma-separated origins allowed by CORS',
  },
  {
    flag: 'identity-secret',
    env: 'BATON_IDENTITY_SECRET',
    fallback: '',
    help: 'site secret for verified identity (HMAC)',
  },
  {
    flag: 'identity',
    env: 'BATON_IDENTITY_VERIFICATION',
    fallback: '',
    help: 'required | optional | off (default: optional with a secret)',
  },
  { flag: 'heartbeat-ms', env: 'BATON_HEARTBEAT_MS', fallback: '15000', help: 'heartbeat of event streams' },
  { flag: 'max-body-bytes', env: 'BATON_MAX_BODY_BYTES', fallback: '65536', help: 'largest request body' },
  {
    flag: 'max-message-chars',
    env: 'BATON_MAX_MESSAGE_CHARS',
    fallback: '4000',
    help: 'longest message text',
  },
  {
    flag: 'retention-events',
    env: 'BATON_RETENTION_EVENTS',
    fallback: '0',
    help: 'events kept per conversation (0 = all)',
  },
  {
    flag: 'site',
    env: 'BATON_SITE_DIR',
    fallback: '',
    help: 'folder served at / (the demo page); none by default',
  },
  {
    flag: 'console-dir',
    env: 'BATON_CONSOLE_DIR',
    fallback: '',
    help: 'folder of the built agent console, served at /console',
  },
  {
    flag: 'widget-dir',
    env: 'BATON_WIDGET_DIR',
    fallback: '',
    help: 'folder of the built widget bundles, served at /widget',
  },
  {
    flag: 'demo-agents',
    env: 'BATON_DEMO_AGENTS',
    fallback: '',
    help: '"1": when there are no agents yet, add two demo accounts and print how to sign in',
  },
  {
    flag: 'echo-delay-ms',
    env: 'BATON_ECHO_DELAY_MS',
    fallback: '40',
    help: "pause between the echo bot's words",
  },
];

function usage(): string {
  const rows = SETTINGS.map(
    (s) =>
      `  --${s.flag.padEnd(18)} ${s.env.padEnd(28)} ${s.help}${s.fallback ? ` (default ${s.fallback})` : ''}`,
  );
  return [
    'Usage: baton-server [options]',
    '       baton-server agents <add|list|password> [options]   (console accounts; --help for more)',
    '',
    'Runs the Baton reference server (protocol v1). Every option can also be set by its environment variable;',
    'a flag wins over the variable.',
    '',
    `  --${'option'.padEnd(18)} ${'environment'.padEnd(28)} meaning`,
    ...rows,
    `  --${'help'.padEnd(18)} ${''.padEnd(28)} print this help`,
  ].join('\n');
}

function integer(name: string, value: string): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 0)
    throw new Error(`--${name} must be a non-negative integer, got "${value}"`);
  return n;
}

/** Settings of the `llm` bot. The API key comes from the environment only: a flag would show in `ps`. */
interface LlmSettings {
  baseURL: string;
  model: string;
  apiKey: string | undefined;
  timeoutMs: number;
}

async function loadBot(
  kind: string,
  kbDir: string,
  kbUrl: string,
  echoDelayMs: number,
  llm: LlmSettings,
): Promise<{ bot: Bot; knowledgeBase?: KnowledgeBaseBot; summarize?: LlmBot['summarize'] }> {
  if (kind === 'echo') return { bot: createEchoBot({ wordDelayMs: echoDelayMs }) };
  if (kind === 'llm') {
    if (!llm.baseURL || !llm.model) {
      throw new Error(
        '--bot llm needs BATON_LLM_BASE_URL (--llm-base-url) and BATON_LLM_MODEL (--llm-model)',
      );
    }
    // Grounded on the same help center as the kb bot.
    const knowledgeBase = await createKnowledgeBaseBot({ dir: kbDir, baseUrl: kbUrl });
    const bot = createLlmBot({
      baseURL: llm.baseURL,
      model: llm.model,
      ...(llm.apiKey && { apiKey: llm.apiKey }),
      knowledgeBase,
      timeoutMs: llm.timeoutMs,
    });
    return { bot, knowledgeBase, summarize: (transcript, signal) => bot.summarize(transcript, signal) };
  }
  // A broken article stops start-up with its file name: better than a bot that silently knows less.
  if (kind === 'kb') {
    const knowledgeBase = await createKnowledgeBaseBot({ dir: kbDir, baseUrl: kbUrl });
    return { bot: knowledgeBase, knowledgeBase };
  }
  throw new Error(`--bot must be kb, llm or echo, got "${kind}"`);
}

async function existingDir(flag: string, dir: string): Promise<string> {
  const info = await stat(dir).catch(() => undefined);
  if (!info?.isDirectory()) throw new Error(`--${flag}: ${dir} is not a folder (build it first?)`);
  return dir;
}

/** Demo accounts for `npm start`; the password is public, so only ever used on an empty agent table. */
export const DEMO_AGENTS = [
  { email: 'ana@larkspur.example', name: 'Ana Costa', role: 'admin' as const, languages: ['en', 'es'] },
  { email: 'ben@larkspur.example', name: 'Ben Okafor', role: 'agent' as const, languages: ['en'] },
];
/** Password of the demo accounts. */
export const DEMO_PASSWORD = 'baton-demo-password';

/** Canned replies for the demo team (Larkspur & Co., the home-goods shop of examples/demo-site). */
export const DEMO_CANNED_REPLIES = [
  {
    shortcut: '/hello',
    title: 'Greeting',
    body: 'Hi {{customer.firstName}}, this is {{agent.name}} from Larkspur support. I have read your conversation with our assistant; let me take it from here.',
  },
  {
    shortcut: '/refund',
    title: 'Refund on its way',
    body: 'I have refunded the charge, {{customer.firstName}}. Refunds reach your card within **5 working days**; you will get an e-mail confirmation today.',
  },
  {
    shortcut: '/tracking',
    title: 'Where to track an order',
    body: 'You can follow your parcel under [Orders](https://larkspur.example/account/orders): open the order and choose **Track parcel**.',
  },
  {
    shortcut: '/bye',
    title: 'Closing',
    body: 'Is there anything else I can help you with, {{customer.firstName}}? If not, I will close this conversation. Have a lovely day!',
  },
];

async function seedDemoAgents(agents: AgentStore | undefined): Promise<string[]> {
  if (!agents) return [];
  if ((await agents.listAgents()).length === 0) {
    for (const a of DEMO_AGENTS) await agents.createAgent({ ...a, password: DEMO_PASSWORD });
  }
  // Also on a data folder from before canned replies existed (so they return when every one was deleted).
  if ((await agents.listCannedReplies()).length === 0) {
    for (const reply of DEMO_CANNED_REPLIES) await agents.createCannedReply(reply);
  }
  const demo = (await agents.listAgents()).filter((a) => DEMO_AGENTS.some((d) => d.email === a.email));
  if (demo.length === 0) return [];
  return [
    `  sign in to the console as ${demo.map((a) => a.email).join(' or ')}, password ${DEMO_PASSWORD}`,
    '  (demo accounts: do not use them on a public server; add real ones with "baton-server agents add")',
  ];
}

/** Removes `--data-dir X` / `--database-url X` (and their `=` forms) from a sub-command's flags. */
function stripStorageFlags(args: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--data-dir' || a === '--database-url') i++;
    else if (!a.startsWith('--data-dir=') && !a.startsWith('--database-url=')) out.push(a);
  }
  return out;
}

/** Runs the command line: parses flags and environment, starts the server, stops on SIGINT/SIGTERM. */
export async function main(
  argv: readonly string[] = process.argv.slice(2),
  env: NodeJS.ProcessEnv = process.env,
): Promise<void> {
  if (argv[0] === 'agents') {
    if (argv.includes('--help') || argv.includes('-h') || argv.length === 1) {
      process.stdout.write(`${AGENTS_USAGE}\n`);
      return;
    }
    const storageArgs = parseArgs({
      args: [...argv.slice(2)],
      options: { 'data-dir': { type: 'string' }, 'database-url': { type: 'string' } },
      strict: false,
    }).values;
    const rest = [argv[1]!, ...stripStorageFlags(argv.slice(2))];
    const databaseUrl = (storageArgs['database-url'] as string | undefined) ?? env['DATABASE_URL'] ?? '';
    const { store, agents } = await openStorage({
      ...(databaseUrl !== '' && { databaseUrl }),
      dataDir: (storageArgs['data-dir'] as string | undefined) ?? env['BATON_DATA_DIR'] ?? '.baton-data',
    });
    try {
      process.stdout.write(`${await runAgentsCommand(rest, agents, env)}\n`);
    } finally {
      await store.close();
    }
    return;
  }
  const { values } = parseArgs({
    args: [...argv],
    options: {
      help: { type: 'boolean', short: 'h' },
      ...Object.fromEntries(SETTINGS.map((s) => [s.flag, { type: 'string' as const }])),
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(`${usage()}\n`);
    return;
  }
  const get = (flag: string): string => {
    const setting = SETTINGS.find((s) => s.flag === flag)!;
    return (
      ((values as Record<string, unknown>)[flag] as string | undefined) ??
      env[setting.env] ??
      setting.fallback
    );
  };
  const identity = get('identity');
  if (identity !== '' && identity !== 'required' && identity !== 'optional' && identity !== 'off') {
    throw new Error(`--identity must be required, optional or off, got "${identity}"`);
  }
  const databaseUrl = get('database-url');
  const databasePoolSize = integer('database-pool-size', get('database-pool-size'));
  if (databasePoolSize < 1) throw new Error('--database-pool-size must be at least 1');
  const { bot, knowledgeBase, summarize } = await loadBot(
    get('bot'),
    get('kb'),
    get('kb-url'),
    integer('echo-delay-ms', get('echo-delay-ms')),
    {
      baseURL: get('llm-base-url'),
      model: get('llm-model'),
      apiKey: env['BATON_LLM_API_KEY'] || undefined,
      timeoutMs: integer('llm-timeout-ms', get('llm-timeout-ms')),
    },
  );
  const statics: Record<string, string> = {};
  if (get('site') !== '') statics['/'] = await existingDir('site', get('site'));
  if (get('console-dir') !== '') statics['/console'] = await existingDir('console-dir', get('console-dir'));
  if (get('widget-dir') !== '') statics['/widget'] = await existingDir('widget-dir', get('widget-dir'));
  const options: StartServerOptions = {
    port: integer('port', get('port')),
    host: get('host'),
    dataDir: get('data-dir'),
    ...(databaseUrl !== '' && { databaseUrl, databasePoolSize }),
    bot,
    ...(knowledgeBase && {
      knowledgeBase: {
        search: (query: string, locale?: string) => knowledgeBase.search(query, locale),
        reload: () => knowledgeBase.reload(),
        dir: get('kb'),
      },
    }),
    ...(summarize && { summarize }),
    site: {
      static: statics,
      // The kb bot's citations link to --kb-url; when that is this server's /help, publish it here.
      ...(knowledgeBase && get('kb-url') === '/help' && { helpCenterDir: get('kb') }),
    },
    allowedOrigins: get('allowed-origins')
      .split(',')
      .map((o) => o.trim())
      .filter(Boolean),
    ...(get('identity-secret') !== '' && { identitySecret: get('identity-secret') }),
    ...(identity !== '' && { identityVerification: identity }),
    heartbeatMs: Math.max(1000, integer('heartbeat-ms', get('heartbeat-ms'))),
    maxBodyBytes: integer('max-body-bytes', get('max-body-bytes')),
    maxMessageChars: integer('max-message-chars', get('max-message-chars')),
    retentionEvents: integer('retention-events', get('retention-events')),
  };
  const running = await startServer(options);
  const where = databaseUrl !== '' ? 'PostgreSQL' : `PGlite at ${options.dataDir}`;
  const shown = running.url.replace('//127.0.0.1:', '//localhost:');
  const lines = [`baton-server: listening on ${running.url} (storage: ${where})`];
  if (statics['/']) lines.push(`  demo page      ${shown}/`);
  if (statics['/console']) lines.push(`  agent console  ${shown}/console/`);
  if (options.site?.helpCenterDir) lines.push(`  help center    ${shown}/help`);
  lines.push(`  API            ${shown}/v1/capabilities`);
  if (get('demo-agents') === '1') lines.push(...(await seedDemoAgents(running.server.agents)));
  process.stdout.write(`${lines.join('\n')}\n`);
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    process.stdout.write(`baton-server: ${signal}, shutting down\n`);
    running.close().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error('baton-server: shutdown failed:', error);
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', () => stop('SIGINT'));
  process.once('SIGTERM', () => stop('SIGTERM'));
}
