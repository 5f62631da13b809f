import { Hono } from 'hono';
import type { Context, Handler } from 'hono';
import {
  DEFAULT_HEARTBEAT_MS,
  FEATURES,
  HEADERS,
  IDEMPOTENCY_TTL_MS,
  PROTOCOL_VERSION,
} from '@baton-chat/protocol';
import type { Feature, Message } from '@baton-chat/protocol';
import { createSqlAgentStore, type AgentStore } from './agents/agent-store.js';
import { AgentStreams } from './agents/agent-stream.js';
import { buildContextPackage, cachedSummarizer, escalationPolicy } from './agents/escalation.js';
import { sweepHandoffs, type HubTimeouts } from './agents/hub.js';
import type { EscalationPolicy } from './analysis/index.js';
import { createSqlInsights, type InsightsSource } from './insights/insights-query.js';
import { BotRunner } from './bot-runner.js';
import { ConversationKeys } from './conversation-keys.js';
import type { Bot } from './bots/bot.js';
import { createEchoBot } from './bots/echo-bot.js';
import type { ServerContext } from './context.js';
import { BatonError, isBatonError } from './errors.js';
import { createQueueRefresher } from './handoffs.js';
import { takeOverEventStream } from './http/event-stream.js';
import { checkProtocolHeader, internalResponse, problemResponse } from './http/http.js';
import { RateLimiter, type RateLimit } from './http/rate-limit.js';
import { mountAgentApi } from './routes/agent.js';
import { mountSite, type SiteOptions } from './site.js';
import * as routes from './routes/conversations.js';
import { events } from './routes/events.js';
import { createPgliteClient, createPostgresClient } from './store/sql-client.js';
import { createSqlStore } from './store/sql-store.js';
import type { Store } from './store/store.js';
import { finishActiveTurn } from './turns.js';

/** Settings of {@link createBatonServer}. Every field has a default suitable for local use. */
export interface BatonServerOptions {
  /** A store you built yourself; then `dataDir` and `databaseUrl` are ignored and `close()` closes it too. */
  store?: Store;
  /**
   * The agent accounts to go with a `store` you built yourself (see `createSqlAgentStore`). Without
   * it such a server has no agent API. Ignored without `store`: the server opens its own.
   */
  agents?: AgentStore;
  /** Static folders (the demo page, the console) and the published help center, around the API. */
  site?: SiteOptions;
  /**
   * Knowledge-base search for the console (the kb bot's `search`); with `dir` (the articles folder) and
   * `reload` (the kb bot's) admins can also edit articles and re-index in the console. Default: none.
   */
  knowledgeBase?: {
    search(query: string, locale?: string): { hits: { title: string; url: string; snippet: string }[] };
    reload?(): Promise<void>;
    dir?: string;
  };
  /**
   * The escalation policy run on every customer message while the bot has control: sentiment,
   * frustration cues and low-confidence answers raise the queue priority or hand the conversation
   * to a person (see `EscalationPolicy` for the fields and defaults). `false` switches it off.
   */
  escalation?: Partial<EscalationPolicy> | false;
  /**
   * Writes the agent's summary with a language model (the LLM bot's `summarize`); without it, or when
   * it fails or takes over 8 s, the summary is extractive.
   */
  summarize?: (transcript: readonly Message[], signal?: AbortSignal) => Promise<string>;
  /** Agent API (console backend) settings. */
  agentApi?: {
    /** How long a console session lasts, in ms. Default 12 h. */
    sessionTtlMs?: number;
    /** Origins besides the server's own allowed to send console commands. Default: none. */
    consoleOrigins?: readonly string[];
    /** How often consoles are told about queue and presence changes, in ms. Default 500. */
    pollMs?: number;
    /**
     * Sign-in attempts per client IP (default 20/min, burst 10) and per e-mail (10/min, burst 5),
     * requests per agent (600/min, burst 120); `perMinute: 0` switches one off.
     */
    rateLimits?: { loginsPerIp?: RateLimit; loginsPerEmail?: RateLimit; requestsPerAgent?: RateLimit };
    /** Hub timeouts; see {@link HubTimeouts}. */
    timeouts?: Partial<HubTimeouts>;
  };
  /** PostgreSQL connection string; when set, PostgreSQL is used instead of PGlite. */
  databaseUrl?: string;
  /**
   * PostgreSQL connections this instance keeps for requests (plus 2 for the bots' writes and 1 to
   * LISTEN). Default 20: under load a send holds its connection for each round trip of its
   * transaction, and with 10, sends queued for a connection (bench: send p50 243 ms at 10, 126 at 20).
   */
  databasePoolSize?: number;
  /** PGlite data directory (created if missing), or `memory://` for a throwaway database. Default `.baton-data`. */
  dataDir?: string;
  /** The bot that answers while it has control. Default: the echo bot. */
  bot?: Bot;
  /**
   * Origins allowed to call the API from a browser, compared exactly (`https://shop.example.com`).
   * Requests without `Origin` are always served. Default: none.
   */
  allowedOrigins?: readonly string[];
  /** The site secret for verified identity (HMAC-SHA256 of `user.id`). Default: none. */
  identitySecret?: string;
  /** `required`, `optional` or `off`. Default: `optional` with an `identitySecret`, else `off`. */
  identityVerification?: 'required' | 'optional' | 'off';
  /** Heartbeat interval of event streams in ms. Default 15000. */
  heartbeatMs?: number;
  /** Largest request body in bytes. Default 65536. */
  maxBodyBytes?: number;
  /** Longest message text in UTF-16 code units. Default 4000. */
  maxMessageChars?: number;
  /** Durable events kept per conversation; 0 keeps all. Default 0. */
  retentionEvents?: number;
  /** Optional features to switch off (for example `['feedback']`). */
  disabledFeatures?: readonly Feature[];
  /** How long idempotency keys are kept in ms; at least 24 h. Default 24 h. */
  idempotencyTtlMs?: number;
  /** Rate limits; `perMinute: 0` switches one off. */
  rateLimits?: {
    /** New conversations per client IP. Default 60 per minute, burst 30. */
    conversationsPerIp?: RateLimit;
    /** Commands (POSTs) per conversation. Default 120 per minute, burst 60. */
    commandsPerConversation?: RateLimit;
  };
  /** The client IP of a request, for rate limits. Default: the socket's address (Node), else `unknown`. */
  clientIp?: (c: Context) => string;
  /** Bot deltas are written at most this often, in ms. Default 25. */
  deltaFlushMs?: number;
  /** Seconds of waiting per queue position in the handoff wait estimate. Default 120. */
  secondsPerQueuePosition?: number;
  /** Least time between two queue-position updates of one handoff, in ms. Default 10000 (section 12.3). */
  queueUpdateIntervalMs?: number;
  /** Where errors are logged (never sent to clients). Default `console.error`. */
  log?: (message: string, error?: unknown) => void;
}

/** A created server: the Hono app and what it runs on. */
export interface BatonServer {
  /** The Hono app serving `/v1`; mount it or add routes. */
  app: Hono;
  /**
   * The fetch-style handler: `app.fetch`, plus, under `@hono/node-server` (whose environment carries
   * Node's response), event streams written straight to that response instead of through a web stream.
   */
  fetch: (request: Request, env?: unknown) => Response | Promise<Response>;
  /** The store behind the app. */
  store: Store;
  /** Agent accounts (undefined when the agent API is off). */
  agents: AgentStore | undefined;
  /** Ends open event streams, finishes running bot turns and closes the store. */
  close(): Promise<void>;
}

const OPTIONAL_FEATURES: readonly Feature[] = [
  'handoff',
  'cancel',
  'typing',
  'receipts',
  'feedback',
  'progress',
  'citations',
  'suggestions',
];

function socketAddress(c: Context): string {
  const env = c.env as { incoming?: { socket?: { remoteAddress?: string } } } | undefined;
  return env?.incoming?.socket?.remoteAddress ?? 'unknown';
}

/** Opens the store the options describe: PostgreSQL with `databaseUrl`, else PGlite on `dataDir`. */
export async function openStore(
  options: Pick<BatonServerOptions, 'databaseUrl' | 'databasePoolSize' | 'dataDir' | 'retentionEvents'>,
): Promise<Store> {
  return (await openStorage(options)).store;
}

/** Opens the store and, on the same database, the agent accounts and the insights reader. */
export async function openStorage(
  options: Pick<BatonServerOptions, 'databaseUrl' | 'databasePoolSize' | 'dataDir' | 'retentionEvents'>,
): Promise<{ store: Store; agents: AgentStore; insights: InsightsSource }> {
  const client = options.databaseUrl
    ? await createPostgresClient(options.databaseUrl, { max: options.databasePoolSize })
    : await createPgliteClient(options.dataDir ?? '.baton-data');
  try {
    const store = await createSqlStore(client, { retentionEvents: options.retentionEvents ?? 0 });
    return { store, agents: createSqlAgentStore(client), insights: createSqlInsights(client) };
  } catch (error) {
    await client.close().catch(() => undefined);
    throw error;
  }
}

/**
 * Creates the Baton reference server: every customer-side endpoint of protocol v1 on a Hono app, over a
 * durable store (PGlite by default, PostgreSQL with `databaseUrl`).
 *
 * @example
 * const server = await createBatonServer({ dataDir: 'memory://', allowedOrigins: ['https://shop.example'] });
 * // Node: serve(server.fetch) from @hono/node-server, or use startServer() from this package.
 */
export async function createBatonServer(options: BatonServerOptions = {}): Promise<BatonServer> {
  const log =
    options.log ??
    ((message: string, error?: unknown) => console.error(`baton-server: ${message}`, error ?? ''));
  const identitySecret = options.identitySecret || undefined;
  const identityVerification = options.identityVerification ?? (identitySecret ? 'optional' : 'off');
  if (identityVerification !== 'off' && !identitySecret) {
    throw new Error(
      `identityVerification "${identityVerification}" needs an identitySecret (BATON_IDENTITY_SECRET).`,
    );
  }
  const idempotencyTtlMs = Math.max(options.idempotencyTtlMs ?? IDEMPOTENCY_TTL_MS, IDEMPOTENCY_TTL_MS);
  const disabled = new Set(options.disabledFeatures ?? []);
  const features = FEATURES.filter(
    (f) =>
      (OPTIONAL_FEATURES.includes(f) && !disabled.has(f)) ||
      (f === 'verified-identity' && identityVerification !== 'off'),
  );
  const storage = options.store
    ? { store: options.store, agents: options.agents }
    : await openStorage(options);
  const { store } = storage;
  const runner = new BotRunner({
    store,
    bot: options.bot ?? createEchoBot(),
    features,
    ...(options.deltaFlushMs !== undefined && { flushMs: options.deltaFlushMs }),
    log,
  });
  const queue = {
    secondsPerPosition: options.secondsPerQueuePosition ?? 120,
    minUpdateIntervalMs: options.queueUpdateIntervalMs ?? 10_000,
  };
  const refreshQueue = createQueueRefresher(store, queue, log);
  const ctx: ServerContext = {
    store,
    conversationKeys: new ConversationKeys(),
    agents: storage.agents,
    escalation: features.includes('handoff') ? escalationPolicy(options.escalation) : undefined,
    runner,
    features,
    limits: {
      maxBodyBytes: options.maxBodyBytes ?? 65_536,
      maxMessageChars: options.maxMessageChars ?? 4000,
      retentionEvents: options.retentionEvents ?? 0,
    },
    heartbeatMs: options.heartbeatMs ?? DEFAULT_HEARTBEAT_MS,
    identityVerification,
    identitySecret,
    idempotencyTtlMs,
    rateLimits: {
      conversationsPerIp: new RateLimiter(
        options.rateLimits?.conversationsPerIp ?? { perMinute: 60, burst: 30 },
      ),
      commandsPerConversation: new RateLimiter(
        options.rateLimits?.commandsPerConversation ?? { perMinute: 120, burst: 60 },
      ),
    },
    clientIp: options.clientIp ?? socketAddress,
    queue,
    refreshQueue,
    streams: new Set(),
    log,
  };

  // Turns left unfinished by a stopped process: with PGlite this process is the only writer, so every
  // unfinished turn is orphaned; on PostgreSQL only turns silent for two minutes are.
  await recoverTurns(store, store.dialect === 'pglite' ? 0 : 120_000, log);
  // Periodic chores still running when the server closes are awaited before the store closes under them.
  const chores = new Set<Promise<unknown>>();
  const chore = (run: () => Promise<unknown>) => () => {
    const running = run();
    chores.add(running);
    const done = () => chores.delete(running);
    running.then(done, done);
  };
  const sweeper =
    store.dialect === 'postgres'
      ? setInterval(
          chore(() => recoverTurns(store, 120_000, log)),
          30_000,
        )
      : undefined;
  sweeper?.unref();
  const purger = setInterval(
    chore(() => store.purgeExpiredIdempotency().catch((e: unknown) => log('idempotency purge failed', e))),
    3_600_000,
  );
  purger.unref();

  const timeouts: HubTimeouts = {
    acceptMs: 60_000,
    maxQueueWaitMs: 1_800_000,
    agentGoneMs: 120_000,
    ...options.agentApi?.timeouts,
  };
  const hubSweeper = ctx.agents
    ? setInterval(
        chore(() => sweepHandoffs(ctx, timeouts).catch((e: unknown) => log('hub sweep failed', e))),
        Math.min(5_000, Math.max(250, Math.floor(timeouts.acceptMs / 4))),
      )
    : undefined;
  hubSweeper?.unref();

  const allowed = new Set(options.allowedOrigins ?? []);
  const app = new Hono();

  app.onError((error, c) => {
    void c;
    if (isBatonError(error)) return problemResponse(error);
    log('unexpected error', error);
    return internalResponse();
  });
  app.notFound(() =>
    problemResponse(new BatonError('not-found', 'No such endpoint; Baton endpoints live under /v1.')),
  );

  // CORS (section 4) and the version header on every response, errors and streams included.
  app.use('*', async (c, next) => {
    const origin = c.req.header('origin');
    // The agent API is for the console on this origin: no CORS, whatever the site's allow-list says.
    const corsOk = origin !== undefined && allowed.has(origin) && !c.req.path.startsWith('/v1/agent/');
    if (c.req.method === 'OPTIONS' && c.req.header('access-control-request-method') !== undefined) {
      if (!corsOk) {
        c.res = problemResponse(
          new BatonError('forbidden', `Origin ${origin ?? '(none)'} is not allowed to call this server.`),
        );
      } else {
        c.res = new Response(null, {
          status: 204,
          headers: {
            'access-control-allow-origin': origin,
            'access-control-allow-methods': 'GET, POST, OPTIONS',
            'access-control-allow-headers':
              'Authorization, Content-Type, Idempotency-Key, Last-Event-ID, Baton-Protocol',
            'access-control-max-age': '600',
            vary: 'Origin',
          },
        });
      }
    } else {
      await next();
    }
    c.res.headers.set(HEADERS.protocol, PROTOCOL_VERSION);
    if (corsOk) {
      c.res.headers.set('access-control-allow-origin', origin);
      c.res.headers.append('vary', 'Origin');
      c.res.headers.set('access-control-expose-headers', 'Baton-Protocol, Retry-After, Idempotent-Replayed');
    }
  });

  type Route = (ctx: ServerContext, c: Context) => Response | Promise<Response>;
  /** One path, its methods; a known path with another method is 405 with `Allow`. */
  const route = (path: string, methods: Partial<Record<'GET' | 'POST', Route>>, feature?: Feature) => {
    if (feature && !features.includes(feature)) return;
    const handler: Handler = async (c) => {
      const run = methods[c.req.method as 'GET' | 'POST'];
      if (!run) {
        throw new BatonError('method-not-allowed', `Use ${Object.keys(methods).join(' or ')}.`, {
          headers: { allow: Object.keys(methods).join(', ') },
        });
      }
      checkProtocolHeader(c);
      return run(ctx, c);
    };
    app.all(path, handler);
  };
  route('/v1/capabilities', { GET: (x) => routes.capabilities(x) });
  route('/v1/conversations', { POST: routes.createOrResume });
  route('/v1/conversations/:id/messages', { GET: routes.history, POST: routes.send });
  route('/v1/conversations/:id/events', { GET: events });
  route('/v1/conversations/:id/turns/:turnId/cancel', { POST: routes.cancelTurn }, 'cancel');
  route('/v1/conversations/:id/typing', { POST: routes.typing }, 'typing');
  route('/v1/conversations/:id/receipts', { POST: routes.receipts }, 'receipts');
  route('/v1/conversations/:id/feedback', { POST: routes.feedback }, 'feedback');
  route('/v1/conversations/:id/handoff', { POST: routes.requestHandoff }, 'handoff');
  route('/v1/conversations/:id/handoff/:handoffId/cancel', { POST: routes.cancelHandoff }, 'handoff');
  route('/v1/conversations/:id/close', { POST: routes.close });

  const summarizer = options.summarize && cachedSummarizer(options.summarize, log);
  const agentStreams = ctx.agents
    ? new AgentStreams(ctx, {
        heartbeatMs: ctx.heartbeatMs,
        ...(options.agentApi?.pollMs !== undefined && { pollMs: options.agentApi.pollMs }),
      })
    : undefined;
  if (agentStreams) {
    mountAgentApi(app, ctx, agentStreams, {
      sessionTtlMs: options.agentApi?.sessionTtlMs ?? 12 * 3_600_000,
      consoleOrigins: options.agentApi?.consoleOrigins ?? [],
      ...(options.agentApi?.rateLimits && { rateLimits: options.agentApi.rateLimits }),
      ...(options.knowledgeBase && { knowledgeBase: options.knowledgeBase }),
      ...('insights' in storage && { insights: storage.insights }),
      context: (id) =>
        buildContextPackage(
          ctx,
          id,
          options.knowledgeBase && ((query: string) => options.knowledgeBase!.search(query).hits.slice(0, 3)),
          summarizer,
        ),
    });
  }

  if (options.site) mountSite(app, options.site);

  let closing: Promise<void> | undefined;
  return {
    app,
    fetch: async (request, env) => takeOverEventStream(await app.fetch(request, env), env),
    store,
    agents: ctx.agents,
    close() {
      closing ??= (async () => {
        if (sweeper) clearInterval(sweeper);
        if (hubSweeper) clearInterval(hubSweeper);
        agentStreams?.close();
        clearInterval(purger);
        refreshQueue.stop();
        await runner.close();
        for (const end of [...ctx.streams]) end();
        await Promise.allSettled([...chores]);
        await store.close();
      })();
      return closing;
    },
  };
}

async function recoverTurns(
  store: Store,
  olderThanMs: number,
  log: (m: string, e?: unknown) => void,
): Promise<void> {
  try {
    for (const turn of await store.staleTurns(olderThanMs)) {
      await store.withConversation(turn.conversationId, async (tx) => {
        const current = await tx.getTurn(turn.id);
        if (!current || current.status === 'finished' || current.updatedAtMs !== turn.updatedAtMs) return;
        await finishActiveTurn(tx, 'error');
      });
    }
  } catch (error) {
    log('could not recover unfinished bot turns', error);
  }
}
