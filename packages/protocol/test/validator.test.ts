import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { VALIDATION_RULES, decodeSse, validateStream, type ValidationRule } from '@baton-chat/protocol';
import { loadGoldenTranscripts } from '@baton-chat/protocol/conformance';

const golden = await loadGoldenTranscripts();
const errorRules = (bytes: Uint8Array) => {
  const result = validateStream(decodeSse([bytes]));
  return {
    result,
    rules: [...new Set(result.issues.filter((i) => i.severity === 'error').map((i) => i.rule))],
  };
};

describe('golden transcripts', () => {
  it('ship at least five valid transcripts and one broken transcript per BP rule', () => {
    const valid = golden.filter((g) => g.kind === 'valid');
    assert.ok(valid.length >= 5, `only ${valid.length} valid transcripts`);
    const covered = new Set(golden.filter((g) => g.kind === 'invalid').map((g) => g.rule));
    const bpRules = Object.keys(VALIDATION_RULES).filter((r) => r.startsWith('BP'));
    assert.deepEqual(
      bpRules.filter((r) => !covered.has(r as ValidationRule)),
      [],
      'rules without a broken transcript',
    );
  });

  for (const transcript of golden.filter((g) => g.kind === 'valid')) {
    it(`valid/${transcript.name} passes every rule without warnings`, () => {
      const { result } = errorRules(transcript.bytes);
      assert.deepEqual(result.issues, []);
      assert.equal(result.ok, true);
      assert.ok(result.events.length >= 2);
    });
  }

  for (const transcript of golden.filter((g) => g.kind === 'invalid')) {
    it(`invalid/${transcript.name} is rejected by ${transcript.rule} and nothing else`, () => {
      const { result, rules } = errorRules(transcript.bytes);
      assert.equal(result.ok, false);
      assert.deepEqual(rules, [transcript.rule]);
    });
  }
});

describe('validateStream', () => {
  const frame = (type: string, data: unknown, seq?: number) => ({
    event: type,
    id: seq === undefined ? undefined : String(seq),
    data: JSON.stringify({
      type,
      ...(seq === undefined ? {} : { seq }),
      conversationId: 'c1',
      ts: '2026-11-24T10:00:00Z',
      data,
    }),
  });
  const hello = (resumeFrom = 0) =>
    frame('hello', {
      protocol: '1.0',
      conversationId: 'c1',
      resumeFrom,
      lastSeq: resumeFrom,
      oldestSeq: 1,
      heartbeatMs: 15000,
      features: [],
      serverTime: '2026-11-24T10:00:00Z',
    });
  const started = (seq: number, id = 'm1') =>
    frame(
      'message.started',
      { id, role: 'bot', author: { role: 'bot' }, turnId: 't1', createdAt: '2026-11-24T10:00:00Z' },
      seq,
    );

  it('reports an empty stream under BP001', () => {
    assert.deepEqual(
      validateStream([]).issues.map((i) => i.rule),
      ['BP001'],
    );
  });

  it('starts contiguity at hello.resumeFrom + 1', () => {
    assert.equal(validateStream([hello(4), started(5)]).ok, true);
    const late = validateStream([hello(4), started(7)]);
    assert.deepEqual(
      late.issues.map((i) => [i.rule, i.message]),
      [['BP004', 'seq 7, expected 5']],
    );
  });

  it('continues a message started before the cursor when given the history', () => {
    const delta = frame('message.delta', { id: 'm1', index: 1, text: 'b' }, 3);
    const history = [
      {
        type: 'message.started',
        seq: 1,
        conversationId: 'c1',
        ts: '2026-11-24T10:00:00Z',
        data: JSON.parse(started(1).data).data,
      },
      {
        type: 'message.delta',
        seq: 2,
        conversationId: 'c1',
        ts: '2026-11-24T10:00:00Z',
        data: { id: 'm1', index: 0, text: 'a' },
      },
    ] as const;
    assert.equal(validateStream([hello(2), delta], { history: [...history] }).ok, true);
    const skipped = frame('message.delta', { id: 'm1', index: 2, text: 'c' }, 3);
    assert.deepEqual(
      validateStream([hello(2), skipped], { history: [...history] }).issues.map((i) => i.rule),
      ['BP007'],
    );
  });

  it('accepts, without history, a resumed stream that continues a message and a handoff begun earlier', () => {
    const delta = frame('message.delta', { id: 'm1', index: 4, text: 'b' }, 3);
    const completed = frame(
      'message.completed',
      { id: 'm1', text: 'ab', finishReason: 'stop', completedAt: '2026-11-24T10:00:01Z' },
      4,
    );
    const handoff = frame(
      'handoff.updated',
      {
        id: 'h1',
        state: 'active',
        version: 5,
        reason: 'user_requested',
        requestedBy: 'user',
        agent: { id: 'a1', name: 'Ana' },
        createdAt: '2026-11-24T10:00:00Z',
        updatedAt: '2026-11-24T10:00:00Z',
      },
      5,
    );
    const control = frame('conversation.updated', { status: 'open', control: 'human', controlVersion: 6 }, 6);
    const result = validateStream([hello(2), delta, completed, handoff, control]);
    assert.deepEqual(result.issues, []);
    const fromStart = validateStream([
      hello(0),
      frame('message.delta', { id: 'm1', index: 0, text: 'a' }, 1),
    ]);
    assert.deepEqual(
      fromStart.issues.map((i) => i.rule),
      ['BP006'],
    );
  });

  it('warns about unknown event types without failing, and still counts their seq', () => {
    const result = validateStream([hello(), frame('poll.created', { id: 'p1' }, 1), started(2)]);
    assert.equal(result.ok, true);
    assert.deepEqual(
      result.issues.map((i) => i.rule),
      ['W001'],
    );
  });

  it('warns when a stop answer completes with text that differs from its deltas', () => {
    const result = validateStream([
      hello(),
      started(1),
      frame('message.delta', { id: 'm1', index: 0, text: 'Hello' }, 2),
      frame(
        'message.completed',
        { id: 'm1', text: 'Hi', finishReason: 'stop', completedAt: '2026-11-24T10:00:01Z' },
        3,
      ),
    ]);
    assert.equal(result.ok, true);
    assert.deepEqual(
      result.issues.map((i) => i.rule),
      ['W002'],
    );
  });

  it('rejects an SSE event field that disagrees with the envelope type', () => {
    const mislabelled = { ...started(1), event: 'message.delta' };
    assert.deepEqual(
      validateStream([hello(), mislabelled]).issues.map((i) => i.rule),
      ['BP002'],
    );
  });

  it('rejects an id on an ephemeral event', () => {
    const typing = { ...frame('typing', { participant: { role: 'agent' }, isTyping: true }), id: '1' };
    assert.deepEqual(
      validateStream([hello(), typing]).issues.map((i) => i.rule),
      ['BP003'],
    );
  });
});
