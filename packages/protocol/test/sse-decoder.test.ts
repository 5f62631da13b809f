import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { createSseDecoder, decodeSse, encodeSse, readSseStream, type SseMessage } from '@baton-chat/protocol';

// The corpora live next to the repository (/work/main/../shared), never inside it.
const sharedDir = fileURLToPath(new URL('../../../../shared/', import.meta.url));

interface Vector {
  name: string;
  chunksBase64: string[];
  expect: { data: string[]; types?: string[]; ids?: string[]; retry?: number };
}

const vectors = JSON.parse(
  readFileSync(`${sharedDir}corpora/sse-vectors/wpt-derived-vectors.json`, 'utf8'),
) as Vector[];
const blns = JSON.parse(readFileSync(`${sharedDir}corpora/blns/blns.json`, 'utf8')) as string[];

const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);

function byteByByte(chunks: Uint8Array[]): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (const chunk of chunks) for (let i = 0; i < chunk.length; i++) out.push(chunk.subarray(i, i + 1));
  return out;
}

function run(chunks: Iterable<Uint8Array | string>): { messages: SseMessage[]; retry: number | undefined } {
  const decoder = createSseDecoder();
  const messages: SseMessage[] = [];
  for (const chunk of chunks) messages.push(...decoder.push(chunk));
  messages.push(...decoder.end());
  return { messages, retry: decoder.retry };
}

function checkVector(vector: Vector, chunks: Uint8Array[]): void {
  const { messages, retry } = run(chunks);
  assert.deepEqual(
    messages.map((m) => m.data),
    vector.expect.data,
  );
  if (vector.expect.types) {
    assert.deepEqual(
      messages.map((m) => m.event),
      vector.expect.types,
    );
  }
  if (vector.expect.ids) {
    assert.deepEqual(
      messages.map((m) => m.lastEventId),
      vector.expect.ids,
    );
  }
  if (vector.expect.retry !== undefined) assert.equal(retry, vector.expect.retry);
}

describe('SSE decoder: WPT-derived vectors', () => {
  it('has all 16 vectors', () => {
    assert.equal(vectors.length, 16);
  });

  for (const vector of vectors) {
    const chunks = vector.chunksBase64.map((b64) => new Uint8Array(Buffer.from(b64, 'base64')));
    it(`${vector.name} (chunks as given)`, () => checkVector(vector, chunks));
    it(`${vector.name} (byte by byte)`, () => checkVector(vector, byteByByte(chunks)));
  }
});

describe('SSE decoder: parsing rules', () => {
  it('strips a leading BOM split over three chunks, and only the first one', () => {
    const { messages } = run([
      new Uint8Array([0xef]),
      new Uint8Array([0xbb]),
      new Uint8Array([0xbf]),
      bytes('data: a\n\n'),
    ]);
    assert.deepEqual(
      messages.map((m) => m.data),
      ['a'],
    );
    const twice = run(['\uFEFF\uFEFFdata: a\n\ndata: b\n\n']).messages;
    assert.deepEqual(
      twice.map((m) => m.data),
      ['b'],
    );
  });

  it('keeps a BOM that is not at the start of the stream', () => {
    assert.deepEqual(
      run(['data: \uFEFFx\n\n']).messages.map((m) => m.data),
      ['\uFEFFx'],
    );
  });

  it('counts a CR ending one chunk and an LF starting the next as one line break', () => {
    const { messages } = run(['data: a\r', '\ndata: b\r', '\n\r', '\n']);
    assert.deepEqual(
      messages.map((m) => m.data),
      ['a\nb'],
    );
  });

  it('counts CR followed by CR across chunks as two line breaks', () => {
    const { messages } = run(['data: a\r', '\rdata: b\r', '\r']);
    assert.deepEqual(
      messages.map((m) => m.data),
      ['a', 'b'],
    );
  });

  it('dispatches at a CR without waiting for the next chunk', () => {
    const decoder = createSseDecoder();
    assert.deepEqual(decoder.push('data: now\r'), []);
    assert.deepEqual(
      decoder.push('\r').map((m) => m.data),
      ['now'],
    );
  });

  it('treats a bare field name as an empty value', () => {
    const { messages } = run(['data\n\nevent\ndata\ndata\n\n']);
    assert.deepEqual(messages, [
      { event: 'message', data: '', id: undefined, lastEventId: '' },
      { event: 'message', data: '\n', id: undefined, lastEventId: '' },
    ]);
  });

  it('removes exactly one space after the colon', () => {
    const { messages } = run(['data:x\n\ndata: x\n\ndata:  x\n\ndata:\tx\n\nevent:  spaced\ndata: y\n\n']);
    assert.deepEqual(
      messages.map((m) => [m.event, m.data]),
      [
        ['message', 'x'],
        ['message', 'x'],
        ['message', ' x'],
        ['message', '\tx'],
        [' spaced', 'y'],
      ],
    );
  });

  it('keeps colons after the first one in the value', () => {
    assert.equal(run(['data: a:b: c\n\n']).messages[0]?.data, 'a:b: c');
  });

  it('passes comments to onComment and never dispatches them', () => {
    const comments: string[] = [];
    const messages = decodeSse([': hb\n:no space\n:  two\n:\n\n', 'data: x\n: inside\n\n'], {
      onComment: (text) => comments.push(text),
    });
    assert.deepEqual(comments, ['hb', 'no space', ' two', '', 'inside']);
    assert.deepEqual(
      messages.map((m) => m.data),
      ['x'],
    );
  });

  it('ignores an id containing U+0000 and reports the id seen in each block', () => {
    const { messages } = run(['id: 1\ndata: a\n\nid: 2\0\ndata: b\n\ndata: c\n\nid: 3\ndata: d\n\n']);
    assert.deepEqual(
      messages.map((m) => [m.id, m.lastEventId]),
      [
        ['1', '1'],
        [undefined, '1'],
        [undefined, '1'],
        ['3', '3'],
      ],
    );
  });

  it('updates lastEventId from an id-only block without dispatching', () => {
    const decoder = createSseDecoder();
    assert.deepEqual(decoder.push('id: 41\n\n'), []);
    assert.equal(decoder.lastEventId, '41');
    assert.deepEqual(decoder.push('data: x\n\n'), [
      { event: 'message', data: 'x', id: undefined, lastEventId: '41' },
    ]);
  });

  it('resets lastEventId with an empty id field', () => {
    const { messages } = run(['id: 5\ndata: a\n\nid\ndata: b\n\n']);
    assert.deepEqual(
      messages.map((m) => [m.id, m.lastEventId]),
      [
        ['5', '5'],
        ['', ''],
      ],
    );
  });

  it('commits lastEventId only when the block ends', () => {
    const decoder = createSseDecoder();
    decoder.push('id: 9\ndata: a\n');
    assert.equal(decoder.lastEventId, '');
    decoder.push('\n');
    assert.equal(decoder.lastEventId, '9');
  });

  it('accepts retry only when it is all ASCII digits', () => {
    const seen: number[] = [];
    const decoder = createSseDecoder({ onRetry: (ms) => seen.push(ms) });
    assert.equal(decoder.retry, undefined);
    decoder.push('retry: 1500\nretry: 15a0\nretry: -1\nretry: 1.5\nretry: \nretry\nretry: +7\nretry:  8\n\n');
    assert.equal(decoder.retry, 1500);
    decoder.push('retry:0\n');
    assert.equal(decoder.retry, 0);
    assert.deepEqual(seen, [1500, 0]);
  });

  it('does not dispatch a block without data and resets its event type', () => {
    const { messages } = run(['event: ghost\nid: 1\n\ndata: real\n\n']);
    assert.deepEqual(messages, [{ event: 'message', data: 'real', id: undefined, lastEventId: '1' }]);
  });

  it('removes only the last line feed of the data buffer', () => {
    const { messages } = run(['data: a\ndata:\n\ndata:\ndata:\n\n']);
    assert.deepEqual(
      messages.map((m) => m.data),
      ['a\n', '\n'],
    );
  });

  it('drops an unterminated final block at end() and does not commit its id', () => {
    const decoder = createSseDecoder();
    assert.deepEqual(
      decoder.push('id: 1\ndata: kept\n\nid: 2\ndata: lost\n').map((m) => m.data),
      ['kept'],
    );
    assert.deepEqual(decoder.end(), []);
    assert.equal(decoder.lastEventId, '1');
    assert.deepEqual(run(['data: no line end']).messages, []);
  });

  it('reads a new stream after end(), keeping lastEventId and retry like an EventSource', () => {
    const decoder = createSseDecoder();
    decoder.push('retry: 2000\nid: 7\ndata: a\n\ndata: half');
    decoder.end();
    const messages = decoder.push('\uFEFFdata: b\n\n');
    assert.deepEqual(messages, [{ event: 'message', data: 'b', id: undefined, lastEventId: '7' }]);
    assert.equal(decoder.retry, 2000);
  });

  it('ignores unknown fields and compares field names case-sensitively', () => {
    const { messages } = run(['foo: bar\nData: no\nDATA: no\nEvent: no\ndata: yes\n\n']);
    assert.deepEqual(messages, [{ event: 'message', data: 'yes', id: undefined, lastEventId: '' }]);
  });

  it('decodes UTF-8 split at every byte, and replaces invalid bytes with U+FFFD', () => {
    const text = 'data: é€😀 ok\n\n';
    assert.deepEqual(
      run(byteByByte([bytes(text)])).messages.map((m) => m.data),
      ['é€😀 ok'],
    );
    assert.deepEqual(
      run([new Uint8Array([0x64, 0x61, 0x74, 0x61, 0x3a, 0xff, 0xc3, 0x0a, 0x0a])]).messages.map(
        (m) => m.data,
      ),
      ['\uFFFD\uFFFD'],
    );
  });

  it('accepts strings and bytes in the same stream', () => {
    const euro = bytes('€');
    const { messages } = run(['data: a', euro.subarray(0, 2), euro.subarray(2), 'b\n', bytes('\n')]);
    assert.deepEqual(
      messages.map((m) => m.data),
      ['a€b'],
    );
  });

  it('decodes a 1 MB stream fed one byte at a time', { timeout: 10_000 }, () => {
    const line = 'x'.repeat(512 * 1024);
    const small = 'event: e\nid: 1\ndata: y\n\n'.repeat(20_000);
    const stream = bytes(`data: ${line}\r\n\r\n${small}`);
    assert.ok(stream.length > 1_000_000);
    const decoder = createSseDecoder();
    let count = 0;
    let first = '';
    for (let i = 0; i < stream.length; i++) {
      for (const message of decoder.push(stream.subarray(i, i + 1))) {
        if (count === 0) first = message.data;
        count++;
      }
    }
    assert.equal(count, 20_001);
    assert.equal(first, line);
  });
});

describe('SSE decoder: round trip with the encoder', () => {
  it('round-trips the big list of naughty strings as data, event and id', () => {
    const sample = blns.filter((s) => !s.includes('\0'));
    assert.ok(sample.length > 500);
    const multiline = sample
      .slice(0, 60)
      .map((s, i) => `${s}${['\n', '\r\n', '\r'][i % 3]}${sample[i + 60]}`);
    const datas = [...sample, ...multiline];
    const stream = bytes(
      datas
        .map((data, i) =>
          encodeSse({ event: sample[i % sample.length], id: sample[(i + 1) % sample.length], data }),
        )
        .join(''),
    );
    const chunks: Uint8Array[] = [];
    for (let i = 0; i < stream.length; i += 7) chunks.push(stream.subarray(i, i + 7));
    const messages = decodeSse(chunks);
    assert.equal(messages.length, datas.length);
    messages.forEach((message, i) => {
      const event = sample[i % sample.length]!;
      assert.equal(message.data, datas[i]!.replace(/\r\n|\r/g, '\n'));
      assert.equal(message.event, event === '' ? 'message' : event);
      assert.equal(message.id, sample[(i + 1) % sample.length]);
    });
  });
});

describe('readSseStream', () => {
  function streamOf(chunks: string[], onCancel?: (reason: unknown) => void): ReadableStream<Uint8Array> {
    let i = 0;
    return new ReadableStream<Uint8Array>({
      pull(controller) {
        const chunk = chunks[i++];
        if (chunk === undefined) controller.close();
        else controller.enqueue(bytes(chunk));
      },
      cancel(reason) {
        onCancel?.(reason);
      },
    });
  }

  it('yields messages as blocks complete and drops the unterminated tail', async () => {
    const comments: string[] = [];
    const seen: string[] = [];
    const body = streamOf([': hb\n\nid: 1\nda', 'ta: a\n\ndata: b\n\ndata: tail']);
    for await (const message of readSseStream(body, { onComment: (text) => comments.push(text) })) {
      seen.push(`${message.lastEventId}:${message.data}`);
    }
    assert.deepEqual(seen, ['1:a', '1:b']);
    assert.deepEqual(comments, ['hb']);
  });

  it('cancels the body when the loop is left early', async () => {
    let cancelled = false;
    const body = streamOf(['data: 1\n\n', 'data: 2\n\n', 'data: 3\n\n'], () => {
      cancelled = true;
    });
    for await (const message of readSseStream(body)) {
      assert.equal(message.data, '1');
      break;
    }
    assert.equal(cancelled, true);
    assert.equal(body.locked, false);
  });

  it('throws the abort reason and cancels the body when the signal aborts', async () => {
    const controller = new AbortController();
    let cancelReason: unknown;
    const body = new ReadableStream<Uint8Array>({
      start(c) {
        c.enqueue(bytes('data: first\n\n'));
      },
      cancel(reason) {
        cancelReason = reason;
      },
    });
    const reason = new Error('user left');
    const seen: string[] = [];
    await assert.rejects(async () => {
      for await (const message of readSseStream(body, { signal: controller.signal })) {
        seen.push(message.data);
        setTimeout(() => controller.abort(reason), 5);
      }
    }, reason);
    assert.deepEqual(seen, ['first']);
    assert.equal(cancelReason, reason);
  });

  it('throws at once for an already aborted signal', async () => {
    const reason = new Error('too late');
    const iterator = readSseStream(streamOf(['data: x\n\n']), { signal: AbortSignal.abort(reason) });
    await assert.rejects(iterator.next(), reason);
  });
});
