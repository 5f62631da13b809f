import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeSse } from '@baton-chat/protocol';
import { loadGoldenTranscripts } from '@baton-chat/protocol/conformance';
import type { HandoffSnapshot, HistoryResponse } from '@baton-chat/protocol';
import {
  applyConversationState,
  applyEvent,
  applyHandoff,
  applyHistory,
  applyLeaderSnapshot,
  applyMarkRead,
  applyOptimisticSend,
  applySendAccepted,
  applySendFailed,
  initialSnapshot,
} from '@baton-chat/core';
import type { ChatSnapshot } from '@baton-chat/core';

const C = 'c1';
const TS = '2026-11-24T09:30:00.000Z';
const CMID = '0193a6f0-7c1e-7000-8000-000000000001';
const bot = { id: 'b', role: 'bot' as const, name: 'Bot' };
const created = (seq: number, id: string, extra: Record<string, unknown> = {}) => ({
  type: 'message.created',
  seq,
  conversationId: C,
  ts: TS,
  data: {
    id,
    role: 'user',
    author: { role: 'user' },
    text: `text ${id}`,
    createdAt: TS,
    clientMessageId: CMID,
    ...extra,
  },
});
const started = (seq: number, id: string, turnId = 't1') => ({
  type: 'message.started',
  seq,
  conversationId: C,
  ts: TS,
  data: { id, role: 'bot', author: bot, turnId, createdAt: TS },
});
const delta = (seq: number, id: string, index: number, text: string) => ({
  type: 'message.delta',
  seq,
  conversationId: C,
  ts: TS,
  data: { id, index, text },
});
const completed = (seq: number, id: string, text: string, extra: Record<string, unknown> = {}) => ({
  type: 'message.completed',
  seq,
  conversationId: C,
  ts: TS,
  data: { id, text, finishReason: 'stop', completedAt: TS, ...extra },
});
const fold = (events: unknown[], from: ChatSnapshot = initialSnapshot()) =>
  events.reduce<ChatSnapshot>(applyEvent, from);
const view = (s: ChatSnapshot) =>
  s.messages.map((m) => ({ id: m.id, role: m.role, text: m.text, status: m.status }));

describe('applyEvent: cursor', () => {
  it('applies a durable event once and moves the cursor', () => {
    const s1 = applyEvent(initialSnapshot(), created(1, 'm1'));
    assert.equal(s1.cursor, 1);
    assert.equal(s1.messages.length, 1);
    assert.equal(applyEvent(s1, created(1, 'm1')), s1, 'a replay returns the same object');
  });
  it('drops events at or below the cursor even when they differ', () => {
    const s = fold([created(1, 'm1'), started(2, 'm2'), delta(3, 'm2', 0, 'a')]);
    assert.equal(applyEvent(s, delta(2, 'm2', 1, 'zzz')), s);
  });
  it('ignores unknown event types, moving the cursor for a durable-looking one', () => {
    const s = initialSnapshot();
    assert.equal(applyEvent(s, { type: 'future.thing', conversationId: C, ts: TS, data: {} }), s);
    const s2 = applyEvent(s, { type: 'future.durable', seq: 4, conversationId: C, ts: TS, data: {} });
    assert.equal(s2.cursor, 4);
    assert.deepEqual(s2.messages, []);
  });
  it('drops malformed events of known types without moving the cursor', () => {
    const s = initialSnapshot();
    assert.equal(
      applyEvent(s, { type: 'message.delta', seq: 1, conversationId: C, ts: TS, data: { id: 'm' } }),
      s,
    );
    assert.equal(applyEvent(s, null), s);
    assert.equal(applyEvent(s, 'x'), s);
  });
  it('ephemeral events never move the cursor', () => {
    const s = applyEvent(initialSnapshot(), {
      type: 'progress',
      conversationId: C,
      ts: TS,
      data: { turnId: 't1', stage: 's', label: 'Searching' },
    });
    assert.equal(s.cursor, 0);
    assert.equal(s.progress?.label, 'Searching');
  });
});

describe('applyEvent: streaming', () => {
  it('appends deltas only at the next index and lets completed overwrite', () => {
    let s = fold([started(1, 'm'), delta(2, 'm', 0, 'Hel'), delta(3, 'm', 1, 'lo')]);
    assert.equal(s.messages[0]!.text, 'Hello');
    assert.equal(s.messages[0]!.status, 'streaming');
    s = applyEvent(s, delta(4, 'm', 1, 'lo')); // duplicate index, new seq
    assert.equal(s.messages[0]!.text, 'Hello');
    s = applyEvent(s, completed(5, 'm', 'Hello world', { suggestions: [{ label: 'x' }] }));
    assert.deepEqual(view(s), [{ id: 'm', role: 'bot', text: 'Hello world', status: 'complete' }]);
    assert.equal(s.messages[0]!.finishReason, 'stop');
    assert.equal(s.messages[0]!.nextDeltaIndex, undefined);
    assert.deepEqual(s.messages[0]!.suggestions, [{ label: 'x' }]);
    const late = applyEvent(s, delta(6, 'm', 2, '!!'));
    assert.equal(late.messages[0]!.text, 'Hello world', 'late deltas are dropped');
    assert.equal(
      applyEvent(late, completed(7, 'm', 'other')).messages[0]!.text,
      'Hello world',
      'completed twice',
    );
  });
  it('stops appending after a gap until completed', () => {
    let s = fold([started(1, 'm'), delta(2, 'm', 0, 'a'), delta(3, 'm', 2, 'c')]);
    assert.equal(s.messages[0]!.gap, true);
    s = applyEvent(s, delta(4, 'm', 1, 'b'));
    assert.equal(s.messages[0]!.text, 'a');
    s = applyEvent(s, completed(5, 'm', 'abc'));
    assert.equal(s.messages[0]!.text, 'abc');
    assert.equal(s.messages[0]!.gap, undefined);
  });
  it('matches deltas by id, never to the last bot message', () => {
    const s = fold([
      started(1, 'a', 't1'),
      started(2, 'b', 't2'),
      delta(3, 'a', 0, 'A'),
      delta(4, 'b', 0, 'B'),
    ]);
    assert.deepEqual(
      s.messages.map((m) => m.text),
      ['A', 'B'],
    );
  });
  it('ignores deltas for unknown messages but moves the cursor', () => {
    const s = applyEvent(initialSnapshot(), delta(3, 'nope', 0, 'x'));
    assert.equal(s.cursor, 3);
    assert.deepEqual(s.messages, []);
  });
  it('keeps a completed answer whose start it never saw', () => {
    const s = applyEvent(initialSnapshot(), completed(9, 'm', 'final'));
    assert.deepEqual(view(s), [{ id: 'm', role: 'bot', text: 'final', status: 'complete' }]);
  });
  it('clears progress when the turn starts', () => {
    let s = applyEvent(initialSnapshot(), {
      type: 'progress',
      conversationId: C,
      ts: TS,
      data: { turnId: 't1', stage: 's', label: 'l' },
    });
    s = applyEvent(s, started(1, 'm', 't1'));
    assert.equal(s.progress, null);
  });
  it('updates and retractions: retraction wins', () => {
    let s = fold([
      created(1, 'u'),
      started(2, 'm'),
      completed(3, 'm', 'x', { citations: [{ title: 't', url: 'u' }] }),
    ]);
    s = applyEvent(s, {
      type: 'message.updated',
      seq: 4,
      conversationId: C,
      ts: TS,
      data: { id: 'm', text: 'edited', updatedAt: TS },
    });
    assert.equal(s.messages[1]!.text, 'edited');
    s = applyEvent(s, {
      type: 'message.retracted',
      seq: 5,
      conversationId: C,
      ts: TS,
      data: { id: 'm', reason: 'moderation' },
    });
    assert.equal(s.messages[1]!.text, '');
    assert.equal(s.messages[1]!.retracted, true);
    assert.equal(s.messages[1]!.citations, undefined);
    s = applyEvent(s, {
      type: 'message.updated',
      seq: 6,
      conversationId: C,
      ts: TS,
      data: { id: 'm', text: 'again', updatedAt: TS },
    });
    assert.equal(s.messages[1]!.text, '');
  });
});

describe('optimistic sends', () => {
  it('the echo replaces the bubble, keeping its key; server messages in seq order, unsent ones last', () => {
    let s = applyOptimisticSend(initialSnapshot(), { clientMessageId: CMID, text: 'hi', createdAt: TS });
    s = applyEvent(s, created(1, 'other', { clientMessageId: '0193a6f0-7c1e-7000-8000-0000000000ff' }));
    assert.equal(s.messages.length, 2);
    assert.deepEqual(
      s.messages.map((m) => m.status),
      ['sent', 'sending'],
    );
    s = applyEvent(s, created(2, 'm1', { text: 'hi' }));
    assert.equal(s.messages.length, 2);
    assert.equal(s.messages[1]!.id, 'm1');
    assert.equal(s.messages[1]!.key, CMID);
    assert.equal(s.messages[1]!.status, 'sent');
  });
  it('a send response with a lower seq than messages already shown moves into seq order', () => {
    let s = applyOptimisticSend(initialSnapshot(), { clientMessageId: CMID, text: 'hi', createdAt: TS });
    s = applyEvent(s, created(3, 'later', { clientMessageId: '0193a6f0-7c1e-7000-8000-0000000000fe' }));
    s = applySendAccepted(s, {
      id: 'm1',
      seq: 2,
      clientMessageId: CMID,
      role: 'user',
      author: { role: 'user' },
      text: 'hi',
      status: 'complete',
      createdAt: TS,
    });
    assert.deepEqual(
      s.messages.map((m) => [m.seq, m.key]),
      [
        [2, CMID],
        [3, '0193a6f0-7c1e-7000-8000-0000000000fe'],
      ],
    );
  });
  it('the send response and the echo in either order give one message', () => {
    const response = {
      id: 'm1',
      seq: 1,
      clientMessageId: CMID,
      role: 'user' as const,
      author: { role: 'user' as const },
      text: 'hi',
      status: 'complete' as const,
      createdAt: TS,
    };
    const bubble = applyOptimisticSend(initialSnapshot(), {
      clientMessageId: CMID,
      text: 'hi',
      createdAt: TS,
    });
    const a = applyEvent(applySendAccepted(bubble, response), created(1, 'm1', { text: 'hi' }));
    const b = applySendAccepted(applyEvent(bubble, created(1, 'm1', { text: 'hi' })), response);
    assert.deepEqual(view(a), view(b));
    assert.equal(a.messages.length, 1);
    assert.equal(a.cursor, 1);
    assert.equal(applySendAccepted(bubble, response).cursor, 0, 'the response does not move the cursor');
  });
  it('send failed, then retry goes back to sending; a server message is never failed', () => {
    let s = applyOptimisticSend(initialSnapshot(), {
      clientMessageId: CMID,
      text: 'hi',
      createdAt: TS,
      status: 'queued',
    });
    assert.equal(s.messages[0]!.status, 'queued');
    s = applySendFailed(s, CMID);
    assert.equal(s.messages[0]!.status, 'failed');
    s = applyOptimisticSend(s, { clientMessageId: CMID, text: 'hi', createdAt: TS });
    assert.equal(s.messages.length, 1);
    assert.equal(s.messages[0]!.status, 'sending');
    s = applyEvent(s, created(1, 'm1'));
    assert.equal(applySendFailed(s, CMID), s);
  });
  it('another tab, with no bubble, simply inserts the echo', () => {
    const s = applyEvent(initialSnapshot(), created(1, 'm1'));
    assert.equal(s.messages[0]!.key, CMID);
    assert.equal(s.messages[0]!.status, 'sent');
  });
});

describe('applyLeaderSnapshot (multi-tab followers)', () => {
  const CMID2 = '0193a6f0-7c1e-7000-8000-000000000002';
  const other = { clientMessageId: undefined };
  const accepted = (seq: number, id: string, clientMessageId: string) => ({
    id,
    seq,
    clientMessageId,
    role: 'user' as const,
    author: { role: 'user' as const },
    text: id,
    status: 'complete' as const,
    createdAt: TS,
  });

  it("takes the leader's messages and state, keeping own messages the leader has not seen, in seq order", () => {
    // The leader has applied seq 1-2 and got its own send accepted at seq 5 (echo not yet streamed).
    let leader = applyEvent(initialSnapshot(), created(1, 'm1', other));
    leader = applyEvent(leader, created(2, 'm2', other));
    leader = applySendAccepted(leader, accepted(5, 'leader-own', CMID2));
    leader = { ...leader, connection: 'open', conversationId: C };
    // The follower is behind (cursor 0), has one of its sends accepted at seq 3, and one unsent.
    let follower = applyOptimisticSend(initialSnapshot(), {
      clientMessageId: CMID,
      text: 'own',
      createdAt: TS,
    });
    follower = applySendAccepted(follower, accepted(3, 'follower-own', CMID));
    follower = applyOptimisticSend(follower, {
      clientMessageId: '0193a6f0-7c1e-7000-8000-000000000003',
      text: 'unsent',
      createdAt: TS,
    });
    const s = applyLeaderSnapshot(follower, leader);
    assert.deepEqual(
      s.messages.map((m) => [m.seq, m.text]),
      [
        [1, 'text m1'],
        [2, 'text m2'],
        [3, 'follower-own'],
        [5, 'leader-own'],
        [undefined, 'unsent'],
      ],
    );
    assert.equal(s.cursor, 2);
    assert.equal(s.connection, 'open');
    assert.equal(s.conversationId, C);
  });

  it('ignores a leader snapshot older than what the follower has applied', () => {
    const follower = applyEvent(
      applyEvent(initialSnapshot(), created(1, 'm1', other)),
      created(2, 'm2', other),
    );
    const leader = applyEvent(initialSnapshot(), created(1, 'm1', other));
    assert.equal(applyLeaderSnapshot(follower, leader), follower);
  });

  it('drops own messages the leader already has (same key), whatever the follower thought', () => {
    const follower = applyOptimisticSend(initialSnapshot(), {
      clientMessageId: CMID,
      text: 'x',
      createdAt: TS,
    });
    const leader = applySendAccepted(
      applyEvent(initialSnapshot(), created(1, 'm1', other)),
      accepted(2, 'echoed', CMID),
    );
    const s = applyLeaderSnapshot(follower, { ...leader, cursor: 2 });
    assert.deepEqual(
      s.messages.map((m) => [m.key, m.status]),
      [
        ['m1', 'sent'],
        [CMID, 'sent'],
      ],
    );
  });
});

describe('history, handoff, unread', () => {
  const history: HistoryResponse = {
    messages: [
      {
        id: 'u',
        seq: 1,
        clientMessageId: CMID,
        role: 'user',
        author: { role: 'user' },
        text: 'q',
        status: 'complete',
        createdAt: TS,
      },
      {
        id: 'm',
        seq: 2,
        role: 'bot',
        author: bot,
        text: 'Your parcel left our ',
        status: 'streaming',
        nextDeltaIndex: 2,
        turnId: 't',
        createdAt: TS,
      },
    ],
    lastSeq: 4,
    oldestSeq: 1,
    hasMore: false,
    handoff: null,
    status: 'open',
    control: 'bot',
    controlVersion: 1,
  };
  it('a streaming history message continues at nextDeltaIndex', () => {
    let s = applyHistory(initialSnapshot(), history);
    assert.equal(s.cursor, 4);
    s = fold([delta(4, 'm', 1, 'DUP'), delta(5, 'm', 1, 'DUP'), delta(6, 'm', 2, 'warehouse.')], s);
    assert.equal(s.messages[1]!.text, 'Your parcel left our warehouse.');
  });
  it('keeps unsent own messages and moves the cursor backwards on reset', () => {
    let s = applyOptimisticSend(
      { ...initialSnapshot(), cursor: 40 },
      {
        clientMessageId: '0193a6f0-7c1e-7000-8000-000000000009',
        text: 'later',
        createdAt: TS,
        status: 'queued',
      },
    );
    s = applyHistory(s, history);
    assert.equal(s.cursor, 4);
    assert.deepEqual(
      s.messages.map((m) => m.text),
      ['q', 'Your parcel left our ', 'later'],
    );
  });
  const snap = (
    version: number,
    state: HandoffSnapshot['state'],
    id = 'h1',
    createdAt = TS,
  ): HandoffSnapshot => ({
    id,
    state,
    version,
    reason: 'user_requested',
    requestedBy: 'user',
    createdAt,
    updatedAt: TS,
  });
  it('handoff snapshots apply by version; command responses and events in any order', () => {
    let s = applyHandoff(initialSnapshot(), snap(2, 'queued'));
    assert.equal(applyHandoff(s, snap(1, 'requested')), s);
    s = applyEvent(s, {
      type: 'handoff.updated',
      seq: 1,
      conversationId: C,
      ts: TS,
      data: snap(1, 'requested'),
    });
    assert.equal(s.handoff?.state, 'queued');
    assert.equal(s.cursor, 1);
    s = applyHandoff(s, snap(3, 'cancelled'));
    s = applyHandoff(s, snap(1, 'requested', 'h2', '2026-11-24T09:31:00.000Z'));
    assert.equal(s.handoff?.id, 'h2');
    assert.equal(applyHandoff(s, snap(3, 'cancelled')), s, 'an older handoff never replaces a newer one');
  });
  it('conversation.updated applies unless its controlVersion is lower', () => {
    let s = applyConversationState(initialSnapshot(), {
      status: 'open',
      control: 'bot',
      controlVersion: 1,
      handoff: null,
      conversationId: 'c1',
    });
    s = applyEvent(s, {
      type: 'conversation.updated',
      seq: 1,
      conversationId: C,
      ts: TS,
      data: { status: 'open', control: 'none', controlVersion: 3 },
    });
    assert.equal(s.control, 'none');
    s = applyConversationState(s, { status: 'open', control: 'bot', controlVersion: 2, handoff: null });
    assert.equal(s.control, 'none');
    s = applyEvent(s, {
      type: 'conversation.updated',
      seq: 2,
      conversationId: C,
      ts: TS,
      data: { status: 'closed', control: 'none', controlVersion: 3 },
    });
    assert.equal(s.status, 'closed');
  });
  it('counts unread bot messages until markRead or a user read receipt', () => {
    let s = fold([created(1, 'u'), started(2, 'm'), completed(3, 'm', 'x')]);
    assert.equal(s.unread, 1);
    s = applyMarkRead(s);
    assert.equal(s.unread, 0);
    assert.equal(applyMarkRead(s), s);
    s = applyEvent(s, {
      type: 'message.created',
      seq: 4,
      conversationId: C,
      ts: TS,
      data: { id: 'a', role: 'agent', author: { role: 'agent' }, text: 'hi', createdAt: TS },
    });
    assert.equal(s.unread, 1);
    s = applyEvent(s, {
      type: 'receipt',
      seq: 5,
      conversationId: C,
      ts: TS,
      data: { by: 'user', kind: 'read', upToSeq: 4 },
    });
    assert.equal(s.unread, 0);
  });
  it('typing adds and removes participants', () => {
    const ana = { id: 'a7', role: 'agent' as const, name: 'Ana' };
    let s = applyEvent(initialSnapshot(), {
      type: 'typing',
      conversationId: C,
      ts: TS,
      data: { participant: ana, isTyping: true },
    });
    assert.deepEqual(s.typing, [ana]);
    s = applyEvent(s, {
      type: 'typing',
      conversationId: C,
      ts: TS,
      data: { participant: ana, isTyping: false },
    });
    assert.deepEqual(s.typing, []);
  });
  it('shares unchanged parts between snapshots', () => {
    const s = fold([created(1, 'u'), started(2, 'm')]);
    const s2 = applyEvent(s, delta(3, 'm', 0, 'x'));
    assert.notEqual(s2, s);
    assert.notEqual(s2.messages, s.messages);
    assert.equal(s2.messages[0], s.messages[0]);
    assert.equal(s2.features, s.features);
  });
});

describe('golden transcripts', async () => {
  const transcripts = (await loadGoldenTranscripts()).filter((t) => t.kind === 'valid');
  for (const transcript of transcripts) {
    const events = decodeSse([transcript.bytes]).map((m) => JSON.parse(m.data) as unknown);
    const once = fold(events);
    it(`${transcript.name}: every event twice gives the same transcript`, () => {
      assert.ok(events.length > 1);
      const twice = fold(events.flatMap((e) => [e, e]));
      assert.deepEqual(twice, once);
    });
    it(`${transcript.name}: resumed fragments (reconnect replays from an older cursor) give the same transcript`, () => {
      for (let cut = 0; cut <= events.length; cut++) {
        for (const back of [0, 1, 3, cut]) {
          const state = fold(events.slice(0, cut));
          // A reconnect replays everything after an older cursor; the client must drop what it has.
          const replayed = fold(events.slice(Math.max(0, cut - back)), state);
          assert.deepEqual(view(replayed), view(once), `cut ${cut}, back ${back}`);
          assert.equal(replayed.cursor, once.cursor);
        }
      }
    });
  }
  it('answer.sse ends with the authoritative text', () => {
    const answer = transcripts.find((t) => t.name === 'answer')!;
    const s = fold(decodeSse([answer.bytes]).map((m) => JSON.parse(m.data) as unknown));
    assert.equal(
      s.messages.at(-1)!.text,
      'Orders usually ship within **2 business days**. You can track yours under *My orders*.',
    );
    assert.equal(s.messages.at(-1)!.feedback, 'up');
    assert.equal(s.cursor, 11);
  });
});
