import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeSse, encodeEvent, encodeSse, encodeSseComment, type BatonEvent } from '@baton-chat/protocol';

describe('encodeSse', () => {
  it('encodes data alone as one data line and a blank line', () => {
    assert.equal(encodeSse({ data: 'hello' }), 'data: hello\n\n');
  });

  it('writes retry, event, id and data in that order', () => {
    assert.equal(
      encodeSse({ data: 'x', id: 7, event: 'add', retry: 3000 }),
      'retry: 3000\nevent: add\nid: 7\ndata: x\n\n',
    );
  });

  it('splits data on LF, CRLF and CR into several data lines', () => {
    assert.equal(encodeSse({ data: 'a\nb\r\nc\rd' }), 'data: a\ndata: b\ndata: c\ndata: d\n\n');
  });

  it('keeps empty data and trailing line breaks so they survive decoding', () => {
    assert.equal(encodeSse({ data: '' }), 'data: \n\n');
    assert.equal(encodeSse({ data: 'x\n' }), 'data: x\ndata: \n\n');
    assert.deepEqual(
      decodeSse([encodeSse({ data: '' }), encodeSse({ data: 'x\n' }), encodeSse({ data: ' lead' })]).map(
        (m) => m.data,
      ),
      ['', 'x\n', ' lead'],
    );
  });

  it('accepts string ids, including an empty one', () => {
    assert.equal(encodeSse({ id: 'abc', data: '1' }), 'id: abc\ndata: 1\n\n');
    assert.equal(encodeSse({ id: '', data: '1' }), 'id: \ndata: 1\n\n');
  });

  it('throws a RangeError that says what to fix for line breaks in event or id', () => {
    assert.throws(() => encodeSse({ event: 'a\nb', data: '' }), {
      name: 'RangeError',
      message:
        'SSE event must not contain a line break (CR or LF), got "a\\nb": remove the line break or move the text into data',
    });
    assert.throws(() => encodeSse({ id: 'a\rb', data: '' }), {
      name: 'RangeError',
      message: /^SSE id must not contain a line break/,
    });
    assert.throws(() => encodeSse({ id: '1\r\n', data: '' }), RangeError);
  });

  it('throws a RangeError for an id with U+0000, a non-finite id and a bad retry', () => {
    assert.throws(() => encodeSse({ id: 'a\0b', data: '' }), {
      name: 'RangeError',
      message: 'SSE id must not contain U+0000 (clients ignore such an id): remove the NUL character',
    });
    assert.throws(() => encodeSse({ id: Number.NaN, data: '' }), RangeError);
    assert.throws(() => encodeSse({ retry: -1, data: '' }), RangeError);
    assert.throws(() => encodeSse({ retry: 1.5, data: '' }), RangeError);
  });
});

describe('encodeSseComment', () => {
  it('encodes heartbeat-style comments', () => {
    assert.equal(encodeSseComment('hb'), ': hb\n\n');
    assert.equal(encodeSseComment(), ':\n\n');
  });

  it('turns each line of the text into its own comment line', () => {
    assert.equal(encodeSseComment('a\nb\r\n\rc'), ': a\n: b\n:\n: c\n\n');
  });

  it('is never dispatched, and reaches onComment line by line', () => {
    const comments: string[] = [];
    const messages = decodeSse([encodeSseComment('one\ntwo'), encodeSseComment('hb')], {
      onComment: (text) => comments.push(text),
    });
    assert.deepEqual(messages, []);
    assert.deepEqual(comments, ['one', 'two', 'hb']);
  });
});

describe('encodeEvent', () => {
  const receipt: BatonEvent = {
    type: 'receipt',
    seq: 12,
    conversationId: 'c1',
    ts: '2026-11-24T09:30:00.000Z',
    data: { by: 'user', kind: 'read', upToSeq: 11 },
  };
  const typing: BatonEvent = {
    type: 'typing',
    conversationId: 'c1',
    ts: '2026-11-24T09:30:01.000Z',
    data: { participant: { role: 'agent', name: 'Ana\nSupport' }, isTyping: true },
  };

  it('writes event, id = seq and the JSON envelope for durable events', () => {
    assert.equal(
      encodeEvent(receipt),
      'event: receipt\nid: 12\ndata: {"type":"receipt","seq":12,"conversationId":"c1","ts":"2026-11-24T09:30:00.000Z","data":{"by":"user","kind":"read","upToSeq":11}}\n\n',
    );
  });

  it('writes no id for ephemeral events and keeps the JSON on one line', () => {
    assert.equal(
      encodeEvent(typing),
      'event: typing\ndata: {"type":"typing","conversationId":"c1","ts":"2026-11-24T09:30:01.000Z","data":{"participant":{"role":"agent","name":"Ana\\nSupport"},"isTyping":true}}\n\n',
    );
  });

  it('round-trips through the decoder', () => {
    const messages = decodeSse([encodeEvent(receipt) + encodeEvent(typing)]);
    assert.deepEqual(
      messages.map((m) => [m.event, m.id, m.lastEventId, JSON.parse(m.data) as unknown]),
      [
        ['receipt', '12', '12', receipt],
        ['typing', undefined, '12', typing],
      ],
    );
  });
});
