import type { Context } from 'hono';
import { DEFAULT_RETRY_MS, HEADERS, PROTOCOL_VERSION, encodeEvent } from '@baton-chat/protocol';
import type { BatonEvent, SyncResetData } from '@baton-chat/protocol';
import type { ServerContext } from '../context.js';
import { BatonError } from '../errors.js';
import { EventStream } from '../http/event-stream.js';
import { cursorValue } from '../http/http.js';
import { loadConversation } from './conversations.js';

const REPLAY_PAGE = 500;
/**
 * A client that leaves this much unread for `STALL_MS` is dropped (it resumes with its cursor); the
 * replay reads its next page only once the client's queue is below it.
 */
const MAX_QUEUED_BYTES = 1 << 20;
const STALL_MS = 10_000;
const encoder = new TextEncoder();
/** Each live event's frame, encoded once for all the streams of its conversation. */
const frames = new WeakMap<BatonEvent, Uint8Array>();

function frameOf(event: BatonEvent): Uint8Array {
  let frame = frames.get(event);
  if (!frame) frames.set(event, (frame = encoder.encode(encodeEvent(event))));
  return frame;
}

/**
 * `GET .../events` (section 8): subscribe, then `retry`, `hello`, the replay after the cursor, the
 * buffered live events past the replay, then live events; a heartbeat comment when the stream was quiet
 * for `heartbeatMs`. Ends after `sync.reset`, after the `closed` update, and on shutdown.
 */
export async function events(ctx: ServerContext, c: Context): Promise<Response> {
  const conversation = await loadConversation(ctx, c);
  const header = c.req.header(HEADERS.lastEventId);
  const cursor =
    header !== undefined && header.trim() !== ''
      ? cursorValue(header, 'Last-Event-ID')!
      : (cursorValue(c.req.query('after'), 'after') ?? 0);
  const id = conversation.id;

  // 1. Subscribe first: whatever is appended from now on is buffered, then deduplicated by seq.
  let buffer: BatonEvent[] | null = [];
  let deliver: (event: BatonEvent) => void = () => undefined;
  const unsubscribe = ctx.store.subscribe(id, (event) => {
    if (buffer) buffer.push(event);
    else deliver(event);
  });
  let bounds;
  try {
    bounds = await ctx.store.getConversation(id);
  } catch (error) {
    unsubscribe();
    throw error;
  }
  if (!bounds) {
    unsubscribe();
    throw new BatonError('not-found', `No conversation ${id}.`);
  }
  const { lastSeq, oldestSeq } = bounds;
  if (bounds.status === 'closed' && cursor === lastSeq) {
    unsubscribe();
    throw new BatonError('conversation-closed', 'This conversation is closed and you have every event.');
  }

  const stream = new EventStream({
    heartbeatMs: ctx.heartbeatMs,
    maxQueuedBytes: MAX_QUEUED_BYTES,
    stallMs: STALL_MS,
    onEnd: () => {
      unsubscribe();
      ctx.streams.delete(end);
    },
  });
  const end = () => stream.end();
  c.req.raw.signal.addEventListener('abort', end, { once: true });
  ctx.streams.add(end);

  // 2.-4. retry, then hello, then the bounds check.
  stream.write(`retry: ${DEFAULT_RETRY_MS}\n\n`);
  const now = new Date().toISOString();
  stream.write(
    encodeEvent({
      type: 'hello',
      conversationId: id,
      ts: now,
      data: {
        protocol: PROTOCOL_VERSION,
        conversationId: id,
        resumeFrom: cursor,
        lastSeq,
        oldestSeq,
        heartbeatMs: ctx.heartbeatMs,
        features: [...ctx.features],
        serverTime: now,
      },
    }),
  );
  const reset: SyncResetData['reason'] | undefined =
    cursor > lastSeq ? 'cursor_ahead' : cursor < oldestSeq - 1 ? 'retention' : undefined;
  if (reset) {
    stream.write(
      encodeEvent({
        type: 'sync.reset',
        conversationId: id,
        ts: now,
        data: { reason: reset, oldestSeq, lastSeq },
      }),
    );
    end();
    return stream.response;
  }

  let sentUpTo = cursor;
  deliver = (event: BatonEvent) => {
    if (stream.ended) return;
    // The customer's own typing goes to agents only (section 6.7).
    if (event.type === 'typing' && event.data.participant.role === 'user') return;
    if ('seq' in event) {
      if (event.seq <= sentUpTo) return;
      sentUpTo = event.seq;
    }
    stream.write(frameOf(event));
    if (event.type === 'conversation.updated' && event.data.status === 'closed') end();
  };

  // 5.-6. Replay in pages, then drain what arrived meanwhile, then go live. Runs after the headers go out.
  void (async () => {
    try {
      for (;;) {
        await stream.ready();
        if (stream.ended) break;
        const page = await ctx.store.readEvents(id, sentUpTo, REPLAY_PAGE);
        for (const event of page) deliver(event);
        if (page.length < REPLAY_PAGE || stream.ended) break;
      }
      const live = buffer ?? [];
      buffer = null;
      for (const event of live) deliver(event);
    } catch (error) {
      ctx.log(`event stream replay failed for ${id}`, error);
      end();
    }
  })();
  return stream.response;
}
