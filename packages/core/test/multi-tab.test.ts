import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createChat, createMemoryPersister } from '@baton-chat/core';
import type { Chat, ChatSnapshot } from '@baton-chat/core';
import { createFakeBrowser } from './helpers/fake-tabs.js';
import {
  serverHistory,
  serverTranscript,
  startExampleBackend,
  startProxy,
  transcript,
  waitFor,
} from './helpers/backend.js';
import type { Proxy, RunningBackend } from './helpers/backend.js';

// Multi-tab coordination against a fake tab platform (in-process locks and channels) and the real
// example backend behind a proxy that counts event-stream requests. Chromium runs the same scenarios with
// the real Web Locks and BroadcastChannel in test/browser/multi-tab.test.ts.

let backend: RunningBackend;
let proxy: Proxy;
const chats: Chat[] = [];

before(async () => {
  backend = await startExampleBackend();
  proxy = await startProxy(backend.url);
});
after(async () => {
  await Promise.all(chats.map((c) => c.destroy()));
  await proxy.close();
  await backend.close();
});

const streamRequests = (id: string) =>
  proxy.requests.filter((r) => r.method === 'GET' && r.path.startsWith(`/v1/conversations/${id}/events`));

const settled = (s: ChatSnapshot, messages: number) =>
  s.messages.length === messages && s.messages.every((m) => m.status === 'sent' || m.status === 'complete');

const tokens = new Map<string, string>();
const recordingFetch: typeof fetch = async (input, init) => {
  const response = await fetch(input, init);
  if (String(input).endsWith('/v1/conversations') && response.ok) {
    const body = (await response.clone().json()) as { conversationId: string; token: string };
    tokens.set(body.conversationId, body.token);
  }
  return response;
};

describe('multi-tab with a fake tab platform', () => {
  it('two tabs: one stream, 40 concurrent sends kept once, the same transcript as the server', async () => {
    const browser = createFakeBrowser();
    const persister = createMemoryPersister(); // shared, like one origin's IndexedDB
    const open = () => {
      const chat = createChat({
        server: proxy.url,
        storageKey: 'two-tabs',
        persister,
        tabs: browser.tabs(),
        fetch: recordingFetch,
      });
      chats.push(chat);
      return chat;
    };
    const a = open();
    const b = open();
    const sends: Promise<string>[] = [];
    for (let i = 0; i < 20; i++) sends.push(a.send(`a${i}`), b.send(`b${i}`));
    assert.equal(new Set(await Promise.all(sends)).size, 40);
    const id = a.getSnapshot().conversationId!;
    assert.equal(b.getSnapshot().conversationId, id, 'both tabs use the conversation the leader created');
    let h = await serverHistory(backend.url, id, tokens.get(id)!);
    for (let i = 0; h.messages.some((m) => m.status === 'streaming') && i < 100; i++) {
      await new Promise((r) => setTimeout(r, 50));
      h = await serverHistory(backend.url, id, tokens.get(id)!);
    }
    const count = h.messages.length;
    const sa = await waitFor(a, (s) => s.cursor === h.lastSeq && settled(s, count), 10_000, 'tab a');
    const sb = await waitFor(b, (s) => s.cursor === h.lastSeq && settled(s, count), 10_000, 'tab b');
    assert.equal(h.messages.filter((m) => m.role === 'user').length, 40);
    assert.deepEqual(transcript(sa), serverTranscript(h));
    assert.deepEqual(transcript(sb), serverTranscript(h));
    assert.equal(streamRequests(id).length, 1, 'one event stream for both tabs');
    assert.deepEqual(await persister.loadOutbox('two-tabs'), []);
  });

  it('hand-over: the leader goes, a follower resumes from its cursor; a follower that left is delivered for', async () => {
    const browser = createFakeBrowser();
    const persister = createMemoryPersister();
    let hangSends = false;
    const open = (fetchFn: typeof fetch = recordingFetch) => {
      const chat = createChat({
        server: proxy.url,
        storageKey: 'hand-over',
        persister,
        tabs: browser.tabs(),
        fetch: fetchFn,
      });
      chats.push(chat);
      return chat;
    };
    const a = open();
    const b = open();
    // c's sends never reach the server: it goes away with its message still in the outbox.
    const c = open((input, init) =>
      hangSends && init?.method === 'POST' && String(input).endsWith('/messages')
        ? new Promise<Response>(() => {})
        : recordingFetch(input, init),
    );
    await a.send('first');
    await waitFor(b, (s) => settled(s, 2), 5000, 'first answer in b');
    await waitFor(c, (s) => settled(s, 2), 5000, 'first answer in c');
    const id = a.getSnapshot().conversationId!;
    assert.equal(streamRequests(id).length, 1);

    const cursor = b.getSnapshot().cursor;
    await a.destroy();
    await waitFor(b, (s) => s.connection === 'open' && streamRequests(id).length === 2, 5000, 'b took over');
    assert.match(streamRequests(id)[1]!.path, new RegExp(`after=${cursor}$`));

    await b.send('second');
    await waitFor(c, (s) => settled(s, 4), 5000, 'second answer in c (follower of the new leader)');

    hangSends = true;
    void c.send('left behind').catch(() => {});
    await new Promise((r) => setTimeout(r, 50));
    assert.equal((await persister.loadOutbox('hand-over')).length, 1);
    await c.destroy();
    const s = await waitFor(
      b,
      (x) => x.messages.some((m) => m.text === 'You said: left behind' && m.status === 'complete'),
      5000,
      'the leader delivered the message c left behind',
    );
    assert.equal(s.messages.filter((m) => m.text === 'left behind').length, 1);
    assert.deepEqual(await persister.loadOutbox('hand-over'), []);
    assert.equal(streamRequests(id).length, 2);
  });

  it('without a tab platform (Node, old webviews) every instance streams on its own', async () => {
    const persister = createMemoryPersister();
    const a = createChat({ server: proxy.url, storageKey: 'solo', persister, tabs: null });
    chats.push(a);
    await a.send('solo');
    const id = a.getSnapshot().conversationId!;
    const b = createChat({ server: proxy.url, storageKey: 'solo', persister, tabs: null });
    chats.push(b);
    await waitFor(b, (s) => s.connection === 'open', 5000, 'b streams');
    assert.equal(streamRequests(id).length, 2);
  });
});
