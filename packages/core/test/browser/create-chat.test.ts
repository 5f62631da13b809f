/// <reference types="mocha" />
import { expect } from '@esm-bundle/chai';
import { createChat, createIdbPersister, createSseTransport } from '@baton-chat/core';
import type { Chat, ChatSnapshot } from '@baton-chat/core';
import type { SseMessage } from '@baton-chat/protocol';

const backend = async (): Promise<string> => {
  const res = await fetch('/__baton_backend__');
  if (!res.ok) throw new Error(await res.text());
  return ((await res.json()) as { url: string }).url;
};

function waitFor(chat: Chat, predicate: (s: ChatSnapshot) => boolean, ms = 5000): Promise<ChatSnapshot> {
  return new Promise((resolve, reject) => {
    if (predicate(chat.getSnapshot())) return resolve(chat.getSnapshot());
    const timer = setTimeout(
      () => reject(new Error(`timeout: ${JSON.stringify(chat.getSnapshot()).slice(0, 800)}`)),
      ms,
    );
    const off = chat.subscribe(() => {
      if (predicate(chat.getSnapshot())) {
        clearTimeout(timer);
        off();
        resolve(chat.getSnapshot());
      }
    });
  });
}

describe('createChat in Chromium against the example backend', () => {
  it('streams an answer exactly once and restores history from IndexedDB before the network answers', async () => {
    const server = await backend();
    const databaseName = `baton-chat-${Math.random().toString(36).slice(2)}`;
    const chat = createChat({ server, persister: createIdbPersister({ databaseName }) });
    await chat.send('hello from chromium');
    const done = await waitFor(chat, (s) => s.messages.length === 2 && s.messages[1]!.status === 'complete');
    expect(done.messages[1]!.text).to.equal('You said: hello from chromium');
    expect(done.connection).to.equal('open');
    await chat.destroy();

    const again = createChat({ server, persister: createIdbPersister({ databaseName }) });
    const firstWithMessages = await waitFor(again, (s) => s.messages.length > 0);
    expect(firstWithMessages.connection).not.to.equal('open');
    expect(firstWithMessages.messages.map((m) => m.text)).to.deep.equal(done.messages.map((m) => m.text));
    await again.send('second');
    const s = await waitFor(again, (x) => x.messages.length === 4 && x.messages[3]!.status === 'complete');
    expect(new Set(s.messages.map((m) => m.id)).size).to.equal(4);
    expect(s.conversationId).to.equal(done.conversationId);
    await again.destroy();
  });

  it('handoff: requestHuman then cancelHandoff', async () => {
    const chat = createChat({ server: await backend() });
    await chat.requestHuman('please');
    await waitFor(chat, (s) => s.handoff?.state === 'queued' && s.control === 'none');
    await chat.cancelHandoff();
    await waitFor(chat, (s) => s.handoff?.state === 'cancelled' && s.control === 'bot');
    await chat.destroy();
  });
});

// Served by the web-test-runner config from ../shared next to the repository.
const vectors = (await (await fetch('/__shared__/corpora/sse-vectors/wpt-derived-vectors.json')).json()) as {
  name: string;
  chunksBase64: string[];
  expect: { data: string[]; types?: string[]; ids?: string[] };
}[];

describe('SSE vectors through the transport in Chromium', () => {
  it('has 16 vectors', () => expect(vectors.length).to.equal(16));
  for (const vector of vectors) {
    it(vector.name, async () => {
      const chunks = vector.chunksBase64.map((b) => Uint8Array.from(atob(b), (c) => c.charCodeAt(0)));
      const fetchVector: typeof fetch = async () =>
        new Response(
          new ReadableStream({
            start(controller) {
              for (const chunk of chunks) controller.enqueue(chunk);
              controller.close();
            },
          }),
          { headers: { 'content-type': 'text/event-stream' } },
        );
      const messages: SseMessage[] = [];
      await new Promise<void>((resolve) => {
        const transport = createSseTransport({
          url: 'https://example.invalid/events',
          fetch: fetchVector,
          getCursor: () => 0,
          onMessage: (m) => messages.push(m),
          onStatus: (status) => {
            if (status === 'reconnecting') {
              transport.stop();
              resolve();
            }
          },
        });
        transport.start();
      });
      expect(messages.map((m) => m.data)).to.deep.equal(vector.expect.data);
      if (vector.expect.types) expect(messages.map((m) => m.event)).to.deep.equal(vector.expect.types);
      if (vector.expect.ids) expect(messages.map((m) => m.lastEventId)).to.deep.equal(vector.expect.ids);
    });
  }
});
