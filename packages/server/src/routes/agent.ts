import type { Context, Hono } from 'hono';
import { getCookie } from 'hono/cookie';
import { HEADERS, isUuid } from '@baton-chat/protocol';
import type { ContextPackage, Message } from '@baton-chat/protocol';
import type { ConversationDetail, KbHit } from '@baton-chat/protocol/agent';
import { createHash } from 'node:crypto';
import { checkCannedReply, type AgentRecord, type AgentStatus } from '../agents/agent-store.js';
import type { AgentStreams } from '../agents/agent-stream.js';
import {
  agentMessage,
  agentTyping,
  claim,
  decline,
  endHandoff,
  transfer,
  type TransferTarget,
} from '../agents/hub.js';
import type { ServerContext } from '../context.js';
import { BatonError } from '../errors.js';
import { cursorValue, invalid, isId, json, noContent, optionalString, readJsonBody } from '../http/http.js';
import { RateLimiter, type RateLimit } from '../http/rate-limit.js';
import type { InsightsSource } from '../insights/insights-query.js';
import { mountInsights, type AgentRoute } from './insights.js';

/** Name of the console's session cookie. */
export const SESSION_COOKIE = 'baton_agent';

/** Settings of the agent API. */
export interface AgentApiOptions {
  /** How long a console session lasts, in ms. Default 12 h. */
  sessionTtlMs: number;
  /**
   * Origins besides the server's own from which the console may send commands (a console served
   * elsewhere). Compared exactly. Default: none.
   */
  consoleOrigins: readonly string[];
  /**
   * Rate limits: sign-in attempts per client IP (default 20/min, burst 10) and per e-mail (10/min,
   * burst 5), requests per signed-in agent (600/min, burst 120).
   */
  rateLimits?: { loginsPerIp?: RateLimit; loginsPerEmail?: RateLimit; requestsPerAgent?: RateLimit };
  /** Knowledge-base search for the console's "insert a passage"; `dir` and `reload` for the KB editor. */
  knowledgeBase?: {
    search(query: string, locale?: string): { hits: { title: string; url: string; snippet: string }[] };
    reload?(): Promise<void>;
    dir?: string;
  };
  /** Insights and the training export (see routes/insights.ts). */
  insights?: InsightsSource;
  /** Builds the context package of a conversation for the console. */
  context?: (conversationId: string) => Promise<ContextPackage | null>;
}

type AgentHandler = (c: Context, agent: AgentRecord) => Response | Promise<Response>;

function sessionCookie(c: Context, token: string, maxAgeS: number): string {
  const secure = new URL(c.req.url).protocol === 'https:' ? '; Secure' : '';
  return `${SESSION_COOKIE}=${token}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${maxAgeS}${secure}`;
}

/**
 * Refuses a state-changing request from another site (CSRF): `Sec-Fetch-Site` must be `same-origin`
 * (or `none`, typed by the user), and `Origin`, when sent, must be this server or a console origin.
 * Requests from non-browser clients carry neither header and pass; they still need the session cookie.
 */
function checkSameOrigin(c: Context, consoleOrigins: readonly string[]): void {
  const site = c.req.header('sec-fetch-site');
  const origin = c.req.header('origin');
  const own = new URL(c.req.url).origin;
  const allowedOrigin = origin === undefined || origin === own || consoleOrigins.includes(origin);
  const allowedSite = site === undefined || site === 'same-origin' || site === 'none';
  if (!allowedOrigin || (!allowedSite && !(origin !== undefined && consoleOrigins.includes(origin)))) {
    throw new BatonError(
      'forbidden',
      'Agent commands are accepted only from the console of this server (cross-site request refused).',
    );
  }
}

function clientMessageIdOf(c: Context, body: Record<string, unknown>): string {
  const header = c.req.header(HEADERS.idempotencyKey);
  const fromBody = body.clientMessageId;
  const key = header ?? fromBody;
  if (typeof key !== 'string' || !isUuid(key) || key !== key.toLowerCase())
    throw new BatonError(
      'idempotency-key-required',
      'Send a lower-case UUIDv7 as clientMessageId and Idempotency-Key.',
    );
  if (header !== undefined && fromBody !== undefined && header !== fromBody)
    throw invalid('Idempotency-Key must equal clientMessageId.');
  return key;
}

/**
 * Mounts the agent API (the console's backend) under `/v1/agent`: sign-in with an HttpOnly,
 * SameSite=Strict session cookie, presence, the open work, an event stream, and the commands that
 * move a handoff (claim, decline, messages, typing, transfer, return to the bot, resolve).
 * Documented in docs/agent-api.md.
 */
export function mountAgentApi(
  app: Hono,
  ctx: ServerContext,
  streams: AgentStreams,
  options: AgentApiOptions,
) {
  const agents = ctx.agents!;
  const limits = options.rateLimits ?? {};
  const loginByIp = new RateLimiter(limits.loginsPerIp ?? { perMinute: 20, burst: 10 });
  const loginByEmail = new RateLimiter(limits.loginsPerEmail ?? { perMinute: 10, burst: 5 });
  const commands = new RateLimiter(limits.requestsPerAgent ?? { perMinute: 600, burst: 120 });

  async function sessionOf(c: Context): Promise<AgentRecord> {
    const token = getCookie(c, SESSION_COOKIE);
    const agent = token && /^[A-Za-z0-9_-]{20,100}$/.test(token) ? await agents.sessionAgent(token) : null;
    if (!agent) throw new BatonError('unauthorized', 'Sign in to the console first (POST /v1/agent/login).');
    return agent;
  }

  /** One agent route: session, CSRF check on writes, role, rate limit. */
  const route: AgentRoute = (method, path, handler: AgentHandler, rules = {}) => {
    const run = async (c: Context) => {
      if (method !== 'GET') checkSameOrigin(c, options.consoleOrigins);
      const agent = await sessionOf(c);
      if (rules.admin && agent.role !== 'admin')
        throw new BatonError('forbidden', 'Only an admin may do this.');
      const wait = commands.take(agent.id);
      if (wait > 0)
        throw new BatonError('rate-limited', `Too many requests; retry in ${wait} s.`, {
          headers: { [HEADERS.retryAfter]: String(wait) },
        });
      return handler(c, agent);
    };
    app.on(method, path, run);
  };

  const conversationId = (c: Context): string => {
    const id = c.req.param('id') ?? '';
    if (!isId(id)) throw new BatonError('not-found', 'No such conversation.');
    return id;
  };
  const body = (c: Context) => readJsonBody(c, ctx.limits.maxBodyBytes);
  const poked = <T>(value: T): T => {
    streams.poke();
    return value;
  };

  app.post('/v1/agent/login', async (c) => {
    checkSameOrigin(c, options.consoleOrigins);
    const input = await body(c);
    const { email, password } = input;
    if (
      typeof email !== 'string' ||
      typeof password !== 'string' ||
      email.length > 320 ||
      password.length > 1024
    )
      throw invalid('Send email and password as strings.');
    const waitIp = loginByIp.take(ctx.clientIp(c));
    const waitEmail = loginByEmail.take(email.trim().toLowerCase());
    const wait = Math.max(waitIp, waitEmail);
    if (wait > 0)
      throw new BatonError('rate-limited', `Too many sign-in attempts; retry in ${wait} s.`, {
        headers: { [HEADERS.retryAfter]: String(wait) },
      });
    const agent = await agents.authenticate(email, password);
    if (!agent) throw new BatonError('unauthorized', 'Wrong e-mail or password.');
    const token = await agents.createSession(agent.id, options.sessionTtlMs);
    const available = await agents.setStatus(agent.id, 'available');
    streams.poke();
    return json(
      200,
      { agent: available },
      { 'set-cookie': sessionCookie(c, token, Math.floor(options.sessionTtlMs / 1000)) },
    );
  });

  app.post('/v1/agent/logout', async (c) => {
    checkSameOrigin(c, options.consoleOrigins);
    const token = getCookie(c, SESSION_COOKIE);
    if (token) {
      const agent = await agents.sessionAgent(token);
      if (agent) await agents.setStatus(agent.id, 'offline');
      await agents.deleteSession(token);
    }
    streams.poke();
    const response = noContent();
    response.headers.set('set-cookie', sessionCookie(c, '', 0));
    return response;
  });

  route('GET', '/v1/agent/me', (_c, agent) => json(200, { agent }));

  route('POST', '/v1/agent/me/status', async (c, agent) => {
    const { status } = await body(c);
    if (status !== 'available' && status !== 'away') throw invalid('status must be available or away.');
    return json(200, { agent: poked(await agents.setStatus(agent.id, status as AgentStatus)) });
  });

  route('GET', '/v1/agent/agents', async () => json(200, { agents: await streams.presence() }));

  route(
    'POST',
    '/v1/agent/agents',
    async (c) => {
      const input = await body(c);
      const created = await agents.createAgent({
        email: input.email as string,
        name: input.name as string,
        password: input.password as string,
        ...(input.role !== undefined && { role: input.role as AgentRecord['role'] }),
        ...(input.skills !== undefined && { skills: input.skills as string[] }),
        ...(input.languages !== undefined && { languages: input.languages as string[] }),
        ...(input.maxConcurrent !== undefined && { maxConcurrent: input.maxConcurrent as number }),
      });
      return json(201, { agent: poked(created) });
    },
    { admin: true },
  );

  route('GET', '/v1/agent/kb/search', (c) => {
    const q = c.req.query('q') ?? '';
    const locale = c.req.query('locale');
    if (q.trim() === '' || q.length > 500) throw invalid('q must be 1 to 500 characters.');
    if (!options.knowledgeBase) return json(200, { hits: [] });
    const result = options.knowledgeBase.search(q, locale);
    const hits: KbHit[] = result.hits
      .slice(0, 8)
      .map((h) => ({ title: h.title, url: h.url, snippet: h.snippet }));
    return json(200, { hits });
  });

  route('GET', '/v1/agent/canned-replies', async () =>
    json(200, { replies: await agents.listCannedReplies() }, { 'cache-control': 'no-store' }),
  );

  route(
    'POST',
    '/v1/agent/canned-replies',
    async (c) => json(201, { reply: await agents.createCannedReply(checkCannedReply(await body(c))) }),
    { admin: true },
  );

  const cannedId = (c: Context): string => {
    const id = c.req.param('id') ?? '';
    if (!isId(id)) throw new BatonError('not-found', 'No such canned reply.');
    return id;
  };

  route(
    'PUT',
    '/v1/agent/canned-replies/:id',
    async (c) =>
      json(200, {
        reply: await agents.updateCannedReply(cannedId(c), checkCannedReply(await body(c))),
      }),
    { admin: true },
  );

  route(
    'DELETE',
    '/v1/agent/canned-replies/:id',
    async (c) => {
      await agents.deleteCannedReply(cannedId(c));
      return noContent();
    },
    { admin: true },
  );

  route('GET', '/v1/agent/work', async () => json(200, { items: await agents.openWork() }));

  route('GET', '/v1/agent/events', (c, agent) => streams.open(agent, c.req.raw.signal));

  route('GET', '/v1/agent/conversations/:id', async (c) => {
    const id = conversationId(c);
    const conversation = await ctx.store.getConversation(id);
    if (!conversation) throw new BatonError('not-found', `No conversation ${id}.`);
    const page = await ctx.store.history(id, { limit: 100 });
    const { tokenHash: _hidden, ...visible } = conversation;
    void _hidden;
    return json(200, {
      conversation: visible,
      handoff: page.handoff,
      messages: page.messages,
      hasMore: page.hasMore,
      earlier:
        conversation.user.id !== null ? await agents.earlierConversations(conversation.user.id, id) : [],
      ...(options.context && { context: await options.context(id) }),
    } satisfies ConversationDetail);
  });

  route('GET', '/v1/agent/conversations/:id/messages', async (c) => {
    const id = conversationId(c);
    const after = cursorValue(c.req.query('after'), 'after');
    const before = cursorValue(c.req.query('before'), 'before');
    const limitRaw = c.req.query('limit');
    const limit = limitRaw === undefined ? 50 : Number(limitRaw);
    if (!Number.isSafeInteger(limit) || limit < 1 || limit > 200) throw invalid('limit must be 1 to 200.');
    if (!(await ctx.store.getConversation(id))) throw new BatonError('not-found', `No conversation ${id}.`);
    const page = await ctx.store.history(id, {
      limit,
      ...(after !== undefined && { after }),
      ...(before !== undefined && { before }),
    });
    return json(200, { messages: page.messages, hasMore: page.hasMore, handoff: page.handoff });
  });

  route('POST', '/v1/agent/conversations/:id/claim', async (c, agent) => {
    await body(c);
    return json(200, { handoff: poked(await claim(ctx, agent, conversationId(c))) });
  });

  route('POST', '/v1/agent/conversations/:id/decline', async (c, agent) => {
    await body(c);
    return json(200, { handoff: poked(await decline(ctx, agent, conversationId(c))) });
  });

  route('POST', '/v1/agent/conversations/:id/messages', async (c, agent) => {
    const id = conversationId(c);
    const input = await body(c);
    const key = clientMessageIdOf(c, input);
    const text = input.text;
    if (typeof text !== 'string' || text.trim() === '')
      throw invalid('text must contain a non-whitespace character.');
    if (text.length > ctx.limits.maxMessageChars)
      throw new BatonError(
        'payload-too-large',
        `Messages are limited to ${ctx.limits.maxMessageChars} characters.`,
      );
    const version = input.controlVersion;
    if (version !== undefined && !(typeof version === 'number' && Number.isSafeInteger(version)))
      throw invalid('controlVersion must be an integer.');
    const hash = createHash('sha256')
      .update(JSON.stringify(['agent', agent.id, text]))
      .digest('hex');
    const claimed = await ctx.store.claimIdempotency(id, key, hash);
    if (claimed.state === 'replay')
      return json(claimed.status, claimed.response, { [HEADERS.idempotentReplayed]: 'true' });
    if (claimed.state === 'reused')
      throw new BatonError('idempotency-key-reused', `Key ${key} was used with another text.`);
    if (claimed.state === 'in-flight')
      throw new BatonError(
        'idempotency-in-flight',
        'The first request with this key is still running; retry shortly.',
      );
    try {
      const message: Message = await agentMessage(ctx, agent, id, {
        clientMessageId: key,
        text,
        ...(version !== undefined && { controlVersion: version }),
      });
      await ctx.store.withConversation(id, (tx) =>
        tx.completeIdempotency(key, 201, { message }, ctx.idempotencyTtlMs),
      );
      return json(201, { message });
    } catch (error) {
      await ctx.store
        .releaseIdempotency(id, key)
        .catch((e: unknown) => ctx.log('could not release a key', e));
      throw error;
    }
  });

  route('POST', '/v1/agent/conversations/:id/typing', async (c, agent) => {
    const { isTyping } = await body(c);
    if (typeof isTyping !== 'boolean') throw invalid('isTyping must be a boolean.');
    await agentTyping(ctx, agent, conversationId(c), isTyping);
    return noContent();
  });

  route('POST', '/v1/agent/conversations/:id/transfer', async (c, agent) => {
    const input = await body(c);
    let target: TransferTarget;
    if (input.agentId !== undefined) {
      if (typeof input.agentId !== 'string' || !isId(input.agentId))
        throw invalid('agentId must be an agent id.');
      target = { agentId: input.agentId };
    } else {
      const skill = optionalString(input, 'skill', 64);
      const language = optionalString(input, 'language', 35);
      target = { ...(skill !== undefined && { skill }), ...(language !== undefined && { language }) };
    }
    return json(200, { handoff: poked(await transfer(ctx, agent, conversationId(c), target)) });
  });

  route('POST', '/v1/agent/conversations/:id/return-to-bot', async (c, agent) => {
    const input = await body(c);
    const summary = optionalString(input, 'summary', ctx.limits.maxMessageChars, 'payload-too-large');
    return json(200, {
      handoff: poked(await endHandoff(ctx, agent, conversationId(c), 'returned_to_bot', summary)),
    });
  });

  route('POST', '/v1/agent/conversations/:id/resolve', async (c, agent) => {
    const input = await body(c);
    const summary = optionalString(input, 'summary', ctx.limits.maxMessageChars, 'payload-too-large');
    return json(200, {
      handoff: poked(await endHandoff(ctx, agent, conversationId(c), 'resolved', summary)),
    });
  });

  mountInsights(route, { ...options, maxBodyBytes: ctx.limits.maxBodyBytes });
}
