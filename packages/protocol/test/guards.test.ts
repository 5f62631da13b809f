import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  DURABLE_EVENT_TYPES,
  EPHEMERAL_EVENT_TYPES,
  decodeSse,
  eventProblem,
  isBatonEvent,
  isDurableEventType,
  isKnownEventType,
  isProblem,
  responseProblem,
} from '@baton-chat/protocol';
import { loadGoldenTranscripts } from '@baton-chat/protocol/conformance';

const ts = '2026-11-24T10:00:00.000Z';
const golden = (await loadGoldenTranscripts()).filter((g) => g.kind === 'valid');
const goldenEvents = golden.flatMap((g) => decodeSse([g.bytes]).map((m) => JSON.parse(m.data) as unknown));

describe('event guards', () => {
  it('accept every event of the valid golden transcripts, covering most event types', () => {
    for (const event of goldenEvents) assert.equal(eventProblem(event), null, JSON.stringify(event));
    const covered = new Set(goldenEvents.map((e) => (e as { type: string }).type));
    const missing = [...DURABLE_EVENT_TYPES, ...EPHEMERAL_EVENT_TYPES].filter((t) => !covered.has(t));
    assert.deepEqual(missing, ['message.updated', 'message.retracted', 'error']);
  });

  it('name the first wrong field', () => {
    const delta = {
      type: 'message.delta',
      seq: 3,
      conversationId: 'c1',
      ts,
      data: { id: 'm1', index: -1, text: 'x' },
    };
    assert.equal(eventProblem(delta), 'data.index: expected an integer >= 0');
    assert.equal(eventProblem({ ...delta, seq: 0 }), 'seq: expected an integer >= 1');
    assert.equal(eventProblem({ ...delta, ts: 'yesterday' }), 'ts: expected an RFC 3339 timestamp');
    assert.equal(eventProblem({ ...delta, type: 'message.exploded' }), 'type: expected a v1 event type');
    const typing = {
      type: 'typing',
      seq: 4,
      conversationId: 'c1',
      ts,
      data: { participant: { role: 'agent' }, isTyping: true },
    };
    assert.equal(eventProblem(typing), 'seq: typing is ephemeral and must not have a seq');
    const { seq: _seq, ...ephemeral } = typing;
    assert.equal(isBatonEvent(ephemeral), true);
  });

  it('ignore unknown fields (must-ignore) but not wrong types of known ones', () => {
    const created = {
      type: 'message.created',
      seq: 1,
      conversationId: 'c1',
      ts,
      future: { x: 1 },
      data: {
        id: 'm1',
        role: 'agent',
        author: { role: 'agent', badge: 'gold' },
        text: 'Hi',
        createdAt: ts,
        mood: 'happy',
      },
    };
    assert.equal(isBatonEvent(created), true);
    assert.equal(isBatonEvent({ ...created, data: { ...created.data, role: 'robot' } }), false);
    assert.equal(isBatonEvent({ ...created, data: { ...created.data, text: 42 } }), false);
  });

  it('tell durable, ephemeral and unknown types apart', () => {
    assert.deepEqual(
      ['message.delta', 'typing', 'poll.created', 42].map((t) => [
        isDurableEventType(t),
        isKnownEventType(t),
      ]),
      [
        [true, true],
        [false, true],
        [false, false],
        [false, false],
      ],
    );
  });
});

describe('response guards', () => {
  it('check problem+json bodies, including the code list', () => {
    const problem = {
      type: 'https://baton-chat.dev/problems/not-found',
      title: 'Not found',
      status: 404,
      code: 'not-found',
    };
    assert.equal(isProblem(problem), true);
    assert.equal(isProblem({ ...problem, code: 'teapot' }), false);
    assert.equal(isProblem({ ...problem, status: 200 }), false);
  });

  it('describe what is wrong with a history response', () => {
    const history = {
      messages: [
        {
          id: 'm1',
          seq: 1,
          role: 'user',
          author: { role: 'user' },
          text: 'hi',
          status: 'complete',
          createdAt: ts,
        },
      ],
      lastSeq: 1,
      oldestSeq: 1,
      hasMore: false,
      handoff: null,
      status: 'open',
      control: 'bot',
      controlVersion: 1,
    };
    assert.equal(responseProblem('history', history), null);
    assert.equal(
      responseProblem('history', { ...history, messages: [{ ...history.messages[0], status: 'done' }] }),
      'history.messages[0].status: expected one of streaming, complete, retracted',
    );
  });
});
