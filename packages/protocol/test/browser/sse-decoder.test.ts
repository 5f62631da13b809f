/// <reference types="mocha" />
import { expect } from '@esm-bundle/chai';
import { createSseDecoder, readSseStream, type SseMessage } from '@baton-chat/protocol';

interface Vector {
  name: string;
  chunksBase64: string[];
  expect: { data: string[]; types?: string[]; ids?: string[]; retry?: number };
}

// Served by the web-test-runner config from ../shared next to the repository.
const vectors = (await (
  await fetch('/__shared__/corpora/sse-vectors/wpt-derived-vectors.json')
).json()) as Vector[];

function fromBase64(b64: string): Uint8Array {
  return Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
}

function byteByByte(chunks: Uint8Array[]): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (const chunk of chunks) for (let i = 0; i < chunk.length; i++) out.push(chunk.subarray(i, i + 1));
  return out;
}

function check(vector: Vector, messages: SseMessage[], retry: number | undefined): void {
  expect(messages.map((m) => m.data)).to.deep.equal(vector.expect.data);
  if (vector.expect.types) expect(messages.map((m) => m.event)).to.deep.equal(vector.expect.types);
  if (vector.expect.ids) expect(messages.map((m) => m.lastEventId)).to.deep.equal(vector.expect.ids);
  if (vector.expect.retry !== undefined) expect(retry).to.equal(vector.expect.retry);
}

function decode(chunks: Uint8Array[]): { messages: SseMessage[]; retry: number | undefined } {
  const decoder = createSseDecoder();
  const messages: SseMessage[] = [];
  for (const chunk of chunks) messages.push(...decoder.push(chunk));
  messages.push(...decoder.end());
  return { messages, retry: decoder.retry };
}

describe('SSE decoder in Chromium: WPT-derived vectors', () => {
  it('loads all 16 vectors', () => {
    expect(vectors).to.have.length(16);
  });

  for (const vector of vectors) {
    const chunks = vector.chunksBase64.map(fromBase64);

    it(`${vector.name} (chunks as given)`, () => {
      const { messages, retry } = decode(chunks);
      check(vector, messages, retry);
    });

    it(`${vector.name} (byte by byte)`, () => {
      const { messages, retry } = decode(byteByByte(chunks));
      check(vector, messages, retry);
    });

    it(`${vector.name} (through a fetch Response body)`, async () => {
      const blob = new Blob(chunks as BlobPart[]);
      const response = new Response(blob.stream());
      const retries: number[] = [];
      const messages: SseMessage[] = [];
      for await (const message of readSseStream(response.body!, { onRetry: (ms) => retries.push(ms) })) {
        messages.push(message);
      }
      check(vector, messages, retries.at(-1));
    });
  }
});
