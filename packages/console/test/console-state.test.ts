// The console's pure state: queue order and split, and the transcript reducer's idempotence.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { BatonEvent, DurableEvent, HandoffSnapshot, Message } from '@baton-chat/protocol';
import {
  AgentApiError,
  addOlder,
  applyEvent,
  connectAgentEvents,
  formatWait,
  newArrivals,
  queueFor,
  sentimentPoints,
  titleWithBadge,
  transcriptFromDetail,
  type AgentApi,
  type ConversationDetail,
  type TranscriptState,
  type WorkItem,
} from '@baton-chat/console';

const TS = '2026-11-24T10:00:00.000Z';

function handoff(over: Partial<HandoffSnapshot> = {}): HandoffSnapshot {
  return {
    id: 'ho_1',
    state: 'queued',
    version: 2,
    reason: 'user_requested',
    requestedBy: 'user',
    createdAt: TS,
    updatedAt: TS,
    ...over,
  };
}

function item(
  id: string,
  priority: number,
  waitingSinceMs: number,
  h: Partial<HandoffSnapshot> = {},
): WorkItem {
  return {
    conversationId: id,
    handoff: handoff(h),
    priority,
    waitingSinceMs,
    customer: { id: null, verified: false },
    preview: '',
  };
}

describe('queue', () => {
  it('orders by priority, then by wait (oldest first), and splits waiting from mine', () => {
    const work = [
      item('cv_a', 0, 100),
      item('cv_b', 2, 300),
      item('cv_c', 2, 200),
      item('cv_d', 1, 50, { state: 'active', agent: { id: 'agt_me', name: 'Me' } }),
      item('cv_e', 5, 10, { state: 'active', agent: { id: 'agt_other', name: 'Other' } }),
      item('cv_f', 0, 5, { state: 'assigned', agent: { id: 'agt_me', name: 'Me' } }),
      item('cv_g', 9, 5, { state: 'assigned', agent: { id: 'agt_other', name: 'Other' } }),
    ];
    const { waiting, mine } = queueFor(work, 'agt_me');
    assert.deepEqual(
      waiting.map((w) => w.conversationId),
      ['cv_c', 'cv_b', 'cv_f', 'cv_a'],
    );
    assert.deepEqual(
      mine.map((w) => w.conversationId),
      ['cv_d'],
    );
  });

  it('finds new arrivals, formats waits and badges the title', () => {
    const fresh = newArrivals(new Set(['cv_a']), [item('cv_a', 0, 0), item('cv_b', 0, 0)]);
    assert.deepEqual(
      fresh.map((w) => w.conversationId),
      ['cv_b'],
    );
    assert.equal(formatWait(42_400), '42\u00a0s');
    assert.equal(formatWait(3 * 60_000 + 5_000), '3\u00a0min');
    assert.equal(formatWait(65 * 60_000), '1\u00a0h 5\u00a0min');
    assert.equal(formatWait(-5), '0\u00a0s');
    assert.equal(titleWithBadge(3), '(3) Baton console');
    assert.equal(titleWithBadge(0), 'Baton console');
  });

  it('draws the sentiment trend from -1 (bottom) to 1 (top)', () => {
    assert.equal(sentimentPoints([1, -1], 100, 20), '0.0,2.0 100.0,18.0');
    assert.equal(sentimentPoints([0], 100, 20), '50.0,10.0');
    assert.equal(sentimentPoints([]), '');
  });
});

const userMessage: Message = {
  id: 'msg_1',
  seq: 1,
  clientMessageId: '01936f2a-7c1e-7a3b-9d42-5f1e8c0a6b21',
  role: 'user',
  author: { role: 'user', name: 'Lena' },
  text: 'Where is my parcel?',
  status: 'complete',
  createdAt: TS,
};

function detail(): ConversationDetail {
  return {
    conversation: {
      id: 'cv_1',
      status: 'open',
      control: 'none',
      controlVersion: 3,
      lastSeq: 4,
      oldestSeq: 1,
      handoffId: 'ho_1',
      user: { id: null, verified: false },
      createdAt: TS,
    },
    handoff: handoff(),
    messages: [userMessage],
    hasMore: false,
    earlier: [],
  };
}

const ev = (seq: number, type: string, data: unknown): BatonEvent =>
  ({ type, seq, conversationId: 'cv_1', ts: TS, data }) as DurableEvent;

function applyAll(state: TranscriptState, events: BatonEvent[]): TranscriptState {
  return events.reduce(applyEvent, state);
}

describe('transcript', () => {
  const live: BatonEvent[] = [
    ev(1, 'message.created', { ...userMessage }),
    ev(5, 'handoff.updated', handoff({ state: 'active', version: 4, agent: { id: 'agt_1', name: 'Ana' } })),
    ev(6, 'conversation.updated', { status: 'open', control: 'human', controlVersion: 5 }),
    ev(7, 'participant.joined', { participant: { id: 'agt_1', role: 'agent', name: 'Ana' } }),
    ev(8, 'message.created', {
      id: 'msg_2',
      role: 'agent',
      author: { id: 'agt_1', role: 'agent', name: 'Ana' },
      text: 'Hi, I am Ana',
      createdAt: TS,
    }),
    {
      type: 'typing',
      conversationId: 'cv_1',
      ts: TS,
      data: { participant: { role: 'user' }, isTyping: true },
    },
  ];

  it('merges live events into the loaded history in seq order, with notes for participants', () => {
    const state = applyAll(transcriptFromDetail(detail()), live);
    assert.deepEqual(
      state.items.map((i) => (i.kind === 'note' ? `note:${i.text}` : `${i.message.role}:${i.message.text}`)),
      ['user:Where is my parcel?', 'note:Ana joined the conversation', 'agent:Hi, I am Ana'],
    );
    assert.equal(state.handoff?.state, 'active');
    assert.equal(state.control, 'human');
    assert.equal(state.controlVersion, 5);
  });

  it('is idempotent: replaying every event changes nothing, and older snapshots never win', () => {
    const once = applyAll(transcriptFromDetail(detail()), live);
    const twice = applyAll(once, live);
    assert.deepEqual(twice, once);
    const stale = applyAll(once, [
      ev(3, 'handoff.updated', handoff({ state: 'queued', version: 3 })),
      ev(4, 'conversation.updated', { status: 'open', control: 'none', controlVersion: 4 }),
    ]);
    assert.equal(stale.handoff?.state, 'active');
    assert.equal(stale.controlVersion, 5);
  });

  it('adds an earlier page of history before the loaded messages, skipping ones already shown', () => {
    const older: Message = { ...userMessage, id: 'msg_0', seq: 0, text: 'Hello?' };
    const state = addOlder(transcriptFromDetail(detail()), [older, userMessage]);
    assert.deepEqual(
      state.items.map((i) => (i.kind === 'message' ? i.message.id : i.kind)),
      ['msg_0', 'msg_1'],
    );
  });

  it('streams bot deltas exactly once and lets the completion replace the text', () => {
    let state = transcriptFromDetail({ ...detail(), messages: [] });
    const started = ev(2, 'message.started', {
      id: 'msg_b',
      role: 'bot',
      author: { role: 'bot', name: 'Bot' },
      turnId: 't1',
      createdAt: TS,
    });
    const d0 = ev(3, 'message.delta', { id: 'msg_b', index: 0, text: 'Hel' });
    const d1 = ev(4, 'message.delta', { id: 'msg_b', index: 1, text: 'lo' });
    state = applyAll(state, [started, d0, d0, d1, d0, d1]);
    const message = (s: TranscriptState) => (s.items[0] as { message: Message }).message;
    assert.equal(message(state).text, 'Hello');
    assert.equal(message(state).status, 'streaming');
    state = applyEvent(
      state,
      ev(5, 'message.completed', { id: 'msg_b', text: 'Hello!', finishReason: 'stop', completedAt: TS }),
    );
    assert.equal(message(state).text, 'Hello!');
    assert.equal(message(state).status, 'complete');
    state = applyEvent(state, ev(6, 'message.retracted', { id: 'msg_b', reason: 'moderation' }));
    assert.equal(message(state).text, '');
    assert.equal(message(state).status, 'retracted');
  });
});

describe('agent event stream', () => {
  const encoder = new TextEncoder();
  const hello = (name: string) =>
    `event: hello\ndata: ${JSON.stringify({ agent: { name }, work: [], agents: [], serverTime: TS })}\n\n`;

  /** A fake agent API whose event streams the test feeds and ends. */
  function fakeApi(responses: (() => Response | Promise<never>)[]) {
    let calls = 0;
    const api = {
      events: async () => {
        const next = responses[Math.min(calls++, responses.length - 1)]!;
        return next();
      },
    } as unknown as AgentApi;
    return { api, calls: () => calls };
  }
  const streamOf = (text: string, end: boolean) =>
    new Response(
      new ReadableStream({
        start(c) {
          c.enqueue(encoder.encode(text));
          if (end) c.close();
        },
      }),
    );

  it('reconnects with backoff when the stream ends, and stops on 401', async () => {
    const events: string[] = [];
    const statuses: string[] = [];
    let unauthorized = 0;
    const { api, calls } = fakeApi([
      () => streamOf(`: hb\n\n${hello('first')}event: work\ndata: {"items":[]}\n\n`, true),
      () => streamOf(hello('second'), true),
      () => Promise.reject(new AgentApiError(401, 'unauthorized', 'Sign in first.')),
    ]);
    const stop = new AbortController();
    connectAgentEvents({
      api,
      signal: stop.signal,
      maxBackoffMs: 20,
      onEvent: (e) => events.push(e.type === 'hello' ? `hello:${e.data.agent.name}` : e.type),
      onStatus: (s) => statuses.push(s),
      onUnauthorized: () => unauthorized++,
    });
    for (let i = 0; i < 200 && unauthorized === 0; i++) await new Promise((r) => setTimeout(r, 10));
    assert.deepEqual(events, ['hello:first', 'work', 'hello:second']);
    assert.deepEqual(statuses, ['connecting', 'live', 'reconnecting', 'live', 'reconnecting', 'closed']);
    assert.equal(unauthorized, 1);
    assert.equal(calls(), 3);
    stop.abort();
  });

  it('reopens a stream that goes silent past the watchdog, and stops when aborted', async () => {
    const { api, calls } = fakeApi([() => streamOf(hello('silent'), false)]);
    const stop = new AbortController();
    const statuses: string[] = [];
    connectAgentEvents({
      api,
      signal: stop.signal,
      watchdogMs: 50,
      maxBackoffMs: 10,
      onEvent: () => undefined,
      onStatus: (s) => statuses.push(s),
    });
    await new Promise((r) => setTimeout(r, 400));
    assert.ok(calls() >= 3, `reopened ${calls()} times`);
    stop.abort();
    await new Promise((r) => setTimeout(r, 100));
    const settled = calls();
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(calls(), settled, 'no reconnect after abort');
    assert.equal(statuses.at(-1), 'closed');
  });
});
