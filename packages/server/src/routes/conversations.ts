import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Context } from 'hono';
import {
  HANDOFF_REASONS,
  HEADERS,
  PROTOCOL_VERSION,
  hmacSha256Hex,
  isTerminalHandoff,
  isUuid,
} from '@baton-chat/protocol';
import type {
  CancelTurnResponse,
  CapabilitiesResponse,
  CloseResponse,
  CreateConversationResponse,
  FeedbackRecordedData,
  HandoffReason,
  HandoffRequester,
  HandoffResponse,
  HandoffSnapshot,
  HistoryResponse,
  SessionInfo,
} from '@baton-chat/protocol';
import type { ServerContext } from '../context.js';
import { BatonError } from '../errors.js';
import { applyHandoff, queueInfoFor } from '../handoffs.js';
import {
  authorize,
  cursorValue,
  hashToken,
  invalid,
  isId,
  isObject,
  json,
  noContent,
  optionalString,
  readJsonBody,
} from '../http/http.js';
import { decideAfter } from '../agents/escalation.js';
import type { ConversationRecord, ConversationTx } from '../store/store.js';
import { finishActiveTurn } from '../turns.js';
import { newId } from '../ids.js';
import { recordUserMessage, type UserMessageInput } from '../send-message.js';

const SHORT = 256;
const MAX_ATTRIBUTES = 50;

/** Loads the conversation of the path (404 before 401) and checks the bearer token. */
export async function loadConversation(ctx: ServerContext, c: Context): Promise<ConversationRecord> {
  const id = c.req.param('id') ?? '';
  const conversation = isId(id) ? await ctx.store.getConversation(id) : null;
  if (!conversation)
    throw new BatonError('not-found', `No conversation ${isId(id) ? id : ''}; start a new one.`);
  authorize(c, conversation);
  ctx.conversationKeys.set(id, {
    tokenHash: conversation.tokenHash,
    ...(conversation.locale !== undefined && { locale: conversation.locale }),
  });
  return conversation;
}

/**
 * Like {@link loadConversation} for a route whose transaction reads the row itself: checks the token
 * against the remembered hash when this instance has served the conversation before (no read), and
 * returns only what never changes.
 */
async function authorizeConversation(
  ctx: ServerContext,
  c: Context,
): Promise<{ id: string; locale?: string }> {
  const id = c.req.param('id') ?? '';
  const known = isId(id) ? ctx.conversationKeys.get(id) : undefined;
  if (!known) return loadConversation(ctx, c);
  authorize(c, known);
  return { id, ...(known.locale !== undefined && { locale: known.locale }) };
}

function rateLimit(ctx: ServerContext, conversationId: string): void {
  const wait = ctx.rateLimits.commandsPerConversation.take(conversationId);
  if (wait > 0) {
    throw new BatonError('rate-limited', `Too many requests on this conversation; retry in ${wait} s.`, {
      headers: { [HEADERS.retryAfter]: String(wait) },
    });
  }
}

function closedError(): BatonError {
  return new BatonError('conversation-closed', 'This conversation is closed; start a new one to write.');
}

/** `GET /v1/capabilities`. */
export function capabilities(ctx: ServerContext): Response {
  const body: CapabilitiesResponse = {
    protocol: 'baton',
    versions: [PROTOCOL_VERSION],
    features: [...ctx.features],
    limits: ctx.limits,
    heartbeatMs: ctx.heartbeatMs,
    identityVerification: ctx.identityVerification,
  };
  return json(200, body);
}

type StoredUser = ConversationRecord['user'];

/** Validates `user` and applies the identity mode (section 3.4). Undefined: no user was sent. */
async function identify(ctx: ServerContext, raw: unknown): Promise<StoredUser | undefined> {
  if (raw === undefined) {
    if (ctx.identityVerification === 'required') {
      throw new BatonError(
        'invalid-identity',
        'This site requires a verified user: send user.id and user.hash.',
      );
    }
    return undefined;
  }
  if (!isObject(raw)) throw invalid('user must be an object.');
  const { id, hash } = raw;
  if (typeof id !== 'string' || id === '' || id.length > SHORT)
    throw invalid(`user.id must be a non-empty string of at most ${SHORT} characters.`);
  if (hash !== undefined && typeof hash !== 'string') throw invalid('user.hash must be a string.');
  const name = optionalString(raw, 'name', SHORT);
  const email = optionalString(raw, 'email', SHORT);
  let attributes: Record<string, string | number | boolean> | undefined;
  if (raw.attributes !== undefined) {
    if (!isObject(raw.attributes)) throw invalid('user.attributes must be an object.');
    const entries = Object.entries(raw.attributes);
    if (entries.length > MAX_ATTRIBUTES)
      throw invalid(`user.attributes holds at most ${MAX_ATTRIBUTES} entries.`);
    for (const [key, value] of entries) {
      const ok =
        (typeof value === 'string' && value.length <= 1024) ||
        typeof value === 'boolean' ||
        (typeof value === 'number' && Number.isFinite(value));
      if (!ok || key.length > SHORT)
        throw invalid(`user.attributes.${key.slice(0, 40)} must be a short string, a number or a boolean.`);
    }
    attributes = raw.attributes as Record<string, string | number | boolean>;
  }
  let verified = false;
  if (ctx.identityVerification !== 'off') {
    if (hash === undefined) {
      if (ctx.identityVerification === 'required') {
        throw new BatonError(
          'invalid-identity',
          'This site requires user.hash, the HMAC-SHA256 of user.id signed by its backend.',
        );
      }
    } else {
      const expected = Buffer.from(await hmacSha256Hex(ctx.identitySecret!, id));
      const given = Buffer.from(hash.toLowerCase());
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
        throw new BatonError(
          'invalid-identity',
          "user.hash is not the HMAC-SHA256 of user.id with this site's secret; sign it on your backend.",
        );
      }
      verified = true;
    }
  }
  return {
    id,
    verified,
    ...(name !== undefined && { name }),
    ...(email !== undefined && { email }),
    ...(attributes !== undefined && { attributes }),
  };
}

function sessionOf(raw: unknown): SessionInfo | undefined {
  if (raw === undefined) return undefined;
  if (!isObject(raw)) throw invalid('session must be an object.');
  const session: SessionInfo = {};
  for (const key of ['pageUrl', 'pageTitle', 'referrer', 'userAgent', 'locale', 'timezone'] as const) {
    const value = optionalString(raw, key, 2048);
    if (value !== undefined) session[key] = value;
  }
  return session;
}

async function describe(
  ctx: ServerContext,
  conversation: ConversationRecord,
  token: string,
): Promise<CreateConversationResponse> {
  const handoff = conversation.handoffId
    ? await ctx.store.getHandoff(conversation.id, conversation.handoffId)
    : null;
  return {
    conversationId: conversation.id,
    token,
    status: conversation.status,
    control: conversation.control,
    controlVersion: conversation.controlVersion,
    lastSeq: conversation.lastSeq,
    oldestSeq: conversation.oldestSeq,
    handoff,
    user: { id: conversation.user.id, verified: conversation.user.verified },
    features: [...ctx.features],
    createdAt: conversation.createdAt,
  };
}

/** `POST /v1/conversations`: create (201) or resume (200). */
export async function createOrResume(ctx: ServerContext, c: Context): Promise<Response> {
  const body = await readJsonBody(c, ctx.limits.maxBodyBytes);
  if (body.conversationId !== undefined) {
    if (typeof body.conversationId !== 'string') throw invalid('conversationId must be a string.');
    const id = body.conversationId;
    const found = isId(id) ? await ctx.store.getConversation(id) : null;
    if (!found) throw new BatonError('not-found', `No conversation ${isId(id) ? id : ''}; start a new one.`);
    const token = authorize(c, found);
    const user = body.user === undefined ? undefined : await identify(ctx, body.user);
    let conversation = found;
    if (user) {
      if (found.user.verified && user.id !== found.user.id) {
        throw new BatonError(
          'forbidden',
          'This conversation belongs to another verified user; start a new conversation.',
        );
      }
      if (user.verified && !found.user.verified) {
        conversation = await ctx.store.withConversation(id, async (tx) => {
          await tx.setUser(user);
          return tx.conversation;
        });
      }
    }
    return json(200, await describe(ctx, conversation, token));
  }
  const wait = ctx.rateLimits.conversationsPerIp.take(ctx.clientIp(c));
  if (wait > 0) {
    throw new BatonError(
      'rate-limited',
      `Too many new conversations from this address; retry in ${wait} s.`,
      {
        headers: { [HEADERS.retryAfter]: String(wait) },
      },
    );
  }
  const user = (await identify(ctx, body.user)) ?? { id: null, verified: false };
  const locale = optionalString(body, 'locale', 64);
  const session = sessionOf(body.session);
  if (body.metadata !== undefined && !isObject(body.metadata)) throw invalid('metadata must be an object.');
  const token = `bt_${randomBytes(32).toString('base64url')}`;
  const conversation = await ctx.store.createConversation({
    id: `cv_${randomBytes(16).toString('base64url')}`,
    tokenHash: hashToken(token),
    user,
    ...(locale !== undefined && { locale }),
    ...(session !== undefined && { session }),
    ...(body.metadata !== undefined && { metadata: body.metadata as Record<string, unknown> }),
    createdAt: new Date().toISOString(),
  });
  return json(201, await describe(ctx, conversation, token));
}

/** `GET .../messages`. */
export async function history(ctx: ServerContext, c: Context): Promise<Response> {
  const conversation = await loadConversation(ctx, c);
  const after = cursorValue(c.req.query('after'), 'after');
  const before = cursorValue(c.req.query('before'), 'before');
  const limitValue = cursorValue(c.req.query('limit'), 'limit');
  if (after !== undefined && before !== undefined)
    throw new BatonError('bad-request', 'Send after or before, not both.');
  if (limitValue !== undefined && limitValue < 1)
    throw new BatonError('bad-request', 'limit must be at least 1.');
  const limit = Math.min(limitValue ?? 50, 200);
  const page = await ctx.store.history(conversation.id, {
    ...(after !== undefined && { after }),
    ...(before !== undefined && { before }),
    limit,
  });
  const body: HistoryResponse = {
    messages: page.messages,
    lastSeq: page.conversation.lastSeq,
    oldestSeq: page.conversation.oldestSeq,
    hasMore: page.hasMore,
    handoff: page.handoff,
    status: page.conversation.status,
    control: page.conversation.control,
    controlVersion: page.conversation.controlVersion,
  };
  return json(200, body);
}

/** `POST .../messages`: idempotent send (sections 6.4 and 7). */
export async function send(ctx: ServerContext, c: Context): Promise<Response> {
  const conversation = await authorizeConversation(ctx, c);
  const body = await readJsonBody(c, ctx.limits.maxBodyBytes);
  const headerKey = c.req.header(HEADERS.idempotencyKey);
  const bodyKey = body.clientMessageId;
  if (bodyKey !== undefined && typeof bodyKey !== 'string')
    throw invalid('clientMessageId must be a string.');
  const key = headerKey ?? bodyKey;
  if (key === undefined) {
    throw new BatonError(
      'idempotency-key-required',
      'Send the clientMessageId (a UUIDv7) in the body and as Idempotency-Key.',
    );
  }
  if (bodyKey !== undefined && headerKey !== undefined && bodyKey !== headerKey) {
    throw invalid('Idempotency-Key must equal clientMessageId.');
  }
  if (!isUuid(key) || key !== key.toLowerCase())
    throw invalid('clientMessageId must be a lower-case UUID (UUIDv7).');
  const text = body.text;
  if (typeof text !== 'string' || text.trim() === '')
    throw invalid('text must contain a non-whitespace character.');
  if (text.length > ctx.limits.maxMessageChars) {
    throw new BatonError(
      'payload-too-large',
      `Messages are limited to ${ctx.limits.maxMessageChars} characters.`,
    );
  }
  if (body.attachments !== undefined && !(Array.isArray(body.attachments) && body.attachments.length === 0)) {
    throw invalid('This server accepts no attachments.');
  }
  if (body.metadata !== undefined && !isObject(body.metadata)) throw invalid('metadata must be an object.');
  rateLimit(ctx, conversation.id);

  const bodyHash = createHash('sha256')
    .update(JSON.stringify([text, []]))
    .digest('hex');
  const claim = await ctx.store.claimIdempotency(conversation.id, key, bodyHash);
  if (claim.state === 'replay')
    return json(claim.status, claim.response, { [HEADERS.idempotentReplayed]: 'true' });
  if (claim.state === 'reused') {
    throw new BatonError('idempotency-key-reused', `Key ${key} was first used with a different text.`);
  }
  if (claim.state === 'in-flight') {
    throw new BatonError(
      'idempotency-in-flight',
      'The first request with this key is still being processed; retry shortly with the same key.',
    );
  }
  try {
    // A closed conversation is found closed by the transaction (410, the key released).
    // The escalation analyzer reads the transcript before the transaction (one connection on PGlite).
    const decision = await decideAfter(ctx, conversation.id, text, conversation.locale);
    // One turn at a time: the running answer stops (its buffered text written) before the new message.
    await ctx.runner.interrupt(conversation.id);
    const input: UserMessageInput = {
      key,
      text,
      priority: decision?.priority ?? 0,
      idempotencyTtlMs: ctx.idempotencyTtlMs,
    };
    const result =
      decision?.action === 'handoff'
        ? await ctx.store.withConversation(conversation.id, (tx) =>
            recordUserMessage(tx, input, async () => {
              // The analyzer hands over instead of letting the bot answer (not again right after a
              // handoff failed, unless the customer asked).
              if (decision.reason !== 'user_requested' && failedRecently(await tx.currentHandoff()))
                return false;
              await openHandoff(ctx, tx, {
                reason: decision.reason,
                requestedBy: 'system',
                routing: { priority: decision.priority },
              });
              return true;
            }),
          )
        : // The common case needs nothing but the transaction: PGlite's worker runs it whole.
          await ctx.store.inConversation('recordUserMessage', conversation.id, input);
    if (result.closed) throw closedError();
    if (result.turn) ctx.runner.start(result.conversation, result.turn, result.message, result.history);
    if (decision && (decision.priority > 0 || decision.action === 'handoff')) void ctx.refreshQueue();
    return json(201, result.response);
  } catch (error) {
    await ctx.store
      .releaseIdempotency(conversation.id, key)
      .catch((e: unknown) => ctx.log('could not release an idempotency key', e));
    throw error;
  }
}

/**
 * After a handoff failed (no agent came), the policy does not hand over again on its own for this long:
 * the customer would only meet the same empty queue. The bot answers meanwhile; the customer can still
 * ask for a person, and their priority is still raised.
 */
const POLICY_RETRY_AFTER_FAILURE_MS = 15 * 60_000;

function failedRecently(handoff: HandoffSnapshot | null): boolean {
  return (
    handoff?.state === 'failed' && Date.now() - Date.parse(handoff.updatedAt) < POLICY_RETRY_AFTER_FAILURE_MS
  );
}

/** `POST .../turns/{turnId}/cancel`. */
export async function cancelTurn(ctx: ServerContext, c: Context): Promise<Response> {
  const conversation = await loadConversation(ctx, c);
  await readJsonBody(c, ctx.limits.maxBodyBytes);
  rateLimit(ctx, conversation.id);
  const turnId = c.req.param('turnId') ?? '';
  const turnOf = (result: CancelTurnResponse['result']) =>
    json(200, { turnId, result } satisfies CancelTurnResponse);
  const known =
    isId(turnId) && (await ctx.store.withConversation(conversation.id, (tx) => tx.getTurn(turnId)));
  if (!known)
    throw new BatonError('not-found', `No turn ${isId(turnId) ? turnId : ''} in this conversation.`);
  if (known.status === 'finished' || conversation.status === 'closed') return turnOf('finished');
  await ctx.runner.interrupt(conversation.id, turnId);
  const result = await ctx.store.withConversation(conversation.id, async (tx) => {
    const turn = await tx.getTurn(turnId);
    if (!turn || turn.status === 'finished') return 'finished' as const;
    await finishActiveTurn(tx, 'cancelled');
    return 'cancelled' as const;
  });
  return turnOf(result);
}

/**
 * `POST .../typing`: forwarded to agents as an ephemeral `typing` event while a handoff is open (the
 * customer's own stream never receives it, section 6.7); stored nowhere.
 */
export async function typing(ctx: ServerContext, c: Context): Promise<Response> {
  const conversation = await loadConversation(ctx, c);
  const body = await readJsonBody(c, ctx.limits.maxBodyBytes);
  if (typeof body.isTyping !== 'boolean') throw invalid('isTyping must be a boolean.');
  rateLimit(ctx, conversation.id);
  if (conversation.status === 'closed') throw closedError();
  if (conversation.control !== 'bot') {
    const u = conversation.user;
    await ctx.store.publish(conversation.id, {
      type: 'typing',
      data: {
        participant: {
          role: 'user',
          ...(u.id !== null && { id: u.id }),
          ...(u.name !== undefined && { name: u.name }),
        },
        isTyping: body.isTyping,
      },
    });
  }
  return noContent();
}

/** `POST .../receipts`: moves the user's watermark forward, with a durable `receipt` event. */
export async function receipts(ctx: ServerContext, c: Context): Promise<Response> {
  const conversation = await loadConversation(ctx, c);
  const body = await readJsonBody(c, ctx.limits.maxBodyBytes);
  const kind = body.kind ?? 'read';
  if (kind !== 'read' && kind !== 'delivered') throw invalid('kind must be read or delivered.');
  const upToSeq = body.upToSeq;
  if (typeof upToSeq !== 'number' || !Number.isSafeInteger(upToSeq) || upToSeq < 0) {
    throw invalid('upToSeq must be a non-negative integer.');
  }
  rateLimit(ctx, conversation.id);
  await ctx.store.withConversation(conversation.id, async (tx) => {
    if (upToSeq > tx.conversation.lastSeq)
      throw invalid(`upToSeq is beyond the newest event (${tx.conversation.lastSeq}).`);
    if (tx.conversation.status === 'closed') throw closedError();
    if (upToSeq <= (await tx.receipt('user', kind))) return;
    await tx.setReceipt('user', kind, upToSeq);
    await tx.append([{ type: 'receipt', data: { by: 'user', kind, upToSeq } }]);
  });
  return noContent();
}

/** `POST .../feedback`: thumbs on a bot answer or CSAT; after close stored without an event. */
export async function feedback(ctx: ServerContext, c: Context): Promise<Response> {
  const conversation = await loadConversation(ctx, c);
  const body = await readJsonBody(c, ctx.limits.maxBodyBytes);
  const { kind, value, messageId } = body;
  const data: FeedbackRecordedData = { id: newId('fb'), kind: 'csat', value: 1 };
  if (kind === 'thumbs') {
    if (typeof messageId !== 'string' || messageId === '')
      throw invalid('thumbs feedback needs the messageId of a bot message.');
    if (value !== 'up' && value !== 'down') throw invalid('value must be up or down.');
    Object.assign(data, { kind, messageId, value });
  } else if (kind === 'csat') {
    if (value !== 1 && value !== 2 && value !== 3 && value !== 4 && value !== 5)
      throw invalid('value must be an integer from 1 to 5.');
    Object.assign(data, { kind, value });
  } else {
    throw invalid('kind must be thumbs or csat.');
  }
  const comment = optionalString(body, 'comment', ctx.limits.maxMessageChars, 'payload-too-large');
  if (comment !== undefined) data.comment = comment;
  rateLimit(ctx, conversation.id);
  await ctx.store.withConversation(conversation.id, async (tx) => {
    if (data.kind === 'thumbs') {
      const rated = isId(data.messageId!) ? await tx.getMessage(data.messageId!) : null;
      if (rated?.role !== 'bot')
        throw new BatonError('not-found', 'messageId is not a bot message of this conversation.');
    }
    const closed = tx.conversation.status === 'closed';
    await tx.insertFeedback(data, closed);
    if (!closed) await tx.append([{ type: 'feedback.recorded', data }]);
  });
  return json(201, { feedback: data });
}

/** `POST .../handoff`: request a human; queued across conversations with a position and estimate. */
export async function requestHandoff(ctx: ServerContext, c: Context): Promise<Response> {
  const conversation = await loadConversation(ctx, c);
  const body = await readJsonBody(c, ctx.limits.maxBodyBytes);
  const reason = body.reason ?? 'user_requested';
  if (typeof reason !== 'string' || !(HANDOFF_REASONS as readonly string[]).includes(reason)) {
    throw invalid(`reason must be one of ${HANDOFF_REASONS.join(', ')}.`);
  }
  const note = optionalString(body, 'note', ctx.limits.maxMessageChars, 'payload-too-large');
  const skill = optionalString(body, 'skill', 64);
  const language = optionalString(body, 'language', 35);
  rateLimit(ctx, conversation.id);
  if (conversation.status === 'closed') throw closedError();
  const existing = conversation.handoffId
    ? await ctx.store.getHandoff(conversation.id, conversation.handoffId)
    : null;
  if (existing && !isTerminalHandoff(existing.state))
    return json(200, { handoff: existing } satisfies HandoffResponse);

  // Frustration so far sets the priority of the new handoff.
  const decision = await decideAfter(ctx, conversation.id, undefined, conversation.locale);
  await ctx.runner.interrupt(conversation.id);
  const outcome = await ctx.store.withConversation(conversation.id, async (tx) => {
    if (tx.conversation.status === 'closed') throw closedError();
    const current = await tx.currentHandoff();
    if (current && !isTerminalHandoff(current.state)) return { status: 200, handoff: current };
    const queued = await openHandoff(ctx, tx, {
      reason: reason as HandoffReason,
      requestedBy: 'user',
      ...(note !== undefined && { note }),
      routing: {
        ...(skill !== undefined && { skill }),
        ...(language !== undefined && { language }),
        priority: decision?.priority ?? 0,
      },
    });
    return { status: 201, handoff: queued };
  });
  return json(outcome.status, { handoff: outcome.handoff } satisfies HandoffResponse);
}

/**
 * Opens a handoff inside `tx`: finishes the running bot turn (`finishReason: "handoff"`), requests,
 * stores the routing and enqueues with the queue position. The conversation must have none open.
 */
async function openHandoff(
  ctx: ServerContext,
  tx: ConversationTx,
  input: {
    reason: HandoffReason;
    requestedBy: HandoffRequester;
    note?: string;
    routing: { skill?: string; language?: string; priority?: number };
  },
): Promise<HandoffSnapshot> {
  await finishActiveTurn(tx, 'handoff');
  const requested = await applyHandoff(tx, await tx.currentHandoff(), {
    type: 'request',
    id: newId('ho'),
    reason: input.reason,
    requestedBy: input.requestedBy,
    ...(input.note !== undefined && { note: input.note }),
    at: new Date().toISOString(),
  });
  await tx.setHandoffRouting(requested.id, input.routing);
  const queue = queueInfoFor(await tx.waitingHandoffs(), requested.id, input.routing, ctx.queue);
  return applyHandoff(tx, requested, { type: 'enqueue', queue, at: new Date().toISOString() });
}

/** `POST .../handoff/{handoffId}/cancel`: leave the queue (or end an active handoff, back to the bot). */
export async function cancelHandoff(ctx: ServerContext, c: Context): Promise<Response> {
  const conversation = await loadConversation(ctx, c);
  await readJsonBody(c, ctx.limits.maxBodyBytes);
  rateLimit(ctx, conversation.id);
  const handoffId = c.req.param('handoffId') ?? '';
  const snapshot = await ctx.store.withConversation(conversation.id, async (tx): Promise<HandoffSnapshot> => {
    const handoff = isId(handoffId) ? await tx.getHandoff(handoffId) : null;
    if (!handoff)
      throw new BatonError(
        'not-found',
        `No handoff ${isId(handoffId) ? handoffId : ''} in this conversation.`,
      );
    if (tx.conversation.status === 'closed') throw closedError();
    if (isTerminalHandoff(handoff.state)) {
      throw new BatonError(
        'handoff-terminal',
        `The handoff is already ${handoff.state}; nothing to cancel.`,
        { extras: { handoff } },
      );
    }
    const at = new Date().toISOString();
    return applyHandoff(
      tx,
      handoff,
      handoff.state === 'active' ? { type: 'end', outcome: 'returned_to_bot', at } : { type: 'cancel', at },
    );
  });
  void ctx.refreshQueue();
  return json(200, { handoff: snapshot } satisfies HandoffResponse);
}

/** `POST .../close`: ends the conversation (idempotent). */
export async function close(ctx: ServerContext, c: Context): Promise<Response> {
  const conversation = await loadConversation(ctx, c);
  await readJsonBody(c, ctx.limits.maxBodyBytes);
  rateLimit(ctx, conversation.id);
  if (conversation.status !== 'closed') await ctx.runner.interrupt(conversation.id);
  const { lastSeq, changed } = await ctx.store.withConversation(conversation.id, async (tx) => {
    if (tx.conversation.status === 'closed') return { lastSeq: tx.conversation.lastSeq, changed: false };
    await finishActiveTurn(tx, 'cancelled');
    const handoff = await tx.currentHandoff();
    if (handoff && !isTerminalHandoff(handoff.state)) {
      const at = new Date().toISOString();
      await applyHandoff(
        tx,
        handoff,
        handoff.state === 'active' ? { type: 'end', outcome: 'abandoned', at } : { type: 'cancel', at },
      );
    }
    const c1 = tx.conversation;
    await tx.append([
      {
        type: 'conversation.updated',
        data: { status: 'closed', control: c1.control, controlVersion: c1.controlVersion },
      },
    ]);
    return { lastSeq: tx.conversation.lastSeq, changed: true };
  });
  if (changed) void ctx.refreshQueue();
  return json(200, { status: 'closed', lastSeq } satisfies CloseResponse);
}
