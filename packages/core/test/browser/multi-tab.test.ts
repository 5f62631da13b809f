/// <reference types="mocha" />
import { expect } from '@esm-bundle/chai';
import type * as Core from '@baton-chat/core';
import type { Chat, ChatSnapshot, Persister } from '@baton-chat/core';
import type { HistoryResponse, Message } from '@baton-chat/protocol';

// Each "tab" is a same-origin iframe with its own realm: its own copy of core, its own Web Locks client
// and BroadcastChannel objects, so leader election and event sharing cross real browsing contexts.
// Removing the iframe destroys its document, which releases its lock like closing a tab.

const backend = async (): Promise<string> => {
  const res = await fetch('/__baton_backend__');
  if (!res.ok) throw new Error(await res.text());
  return ((await res.json()) as { url: string }).url;
};

const streams = async (conversationId: string): Promise<{ requests: { after: string }[]; open: number }> =>
  (await fetch(`/__baton_backend__/streams?conversation=${encodeURIComponent(conversationId)}`)).json();

interface Tab {
  frame: HTMLIFrameElement;
  core: typeof Core;
}

async function openTab(): Promise<Tab> {
  const frame = document.createElement('iframe');
  frame.src = new URL('./tab.html', import.meta.url).href;
  document.body.append(frame);
  await new Promise((resolve) => frame.addEventListener('load', resolve, { once: true }));
  const core = (frame.contentWindow as unknown as { baton?: typeof Core }).baton;
  if (!core) throw new Error('the tab did not load @baton-chat/core');
  return { frame, core };
}

function waitFor(
  chat: Chat,
  predicate: (s: ChatSnapshot) => boolean,
  ms = 20_000,
  what = '',
): Promise<ChatSnapshot> {
  return new Promise((resolve, reject) => {
    if (predicate(chat.getSnapshot())) return resolve(chat.getSnapshot());
    const timer = setTimeout(() => {
      off();
      reject(new Error(`timeout ${what}: ${JSON.stringify(chat.getSnapshot()).slice(0, 600)}`));
    }, ms);
    const off = chat.subscribe(() => {
      if (predicate(chat.getSnapshot())) {
        clearTimeout(timer);
        off();
        resolve(chat.getSnapshot());
      }
    });
  });
}

async function waitUntil(check: () => Promise<boolean> | boolean, ms = 10_000, what = ''): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timeout: ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** The server's whole transcript, paged forward. */
async function serverMessages(
  server: string,
  id: string,
  token: string,
): Promise<{ messages: Message[]; lastSeq: number }> {
  const messages: Message[] = [];
  let after = 0;
  let lastSeq: number;
  for (;;) {
    const res = await fetch(`${server}/v1/conversations/${id}/messages?limit=200&after=${after}`, {
      headers: { authorization: `Bearer ${token}` },
    });
    const page = (await res.json()) as HistoryResponse;
    messages.push(...page.messages);
    lastSeq = page.lastSeq;
    if (!page.hasMore || page.messages.length === 0) return { messages, lastSeq };
    after = page.messages.at(-1)!.seq;
  }
}

const transcript = (messages: readonly { id: string | null; role: string; text: string; status: string }[]) =>
  messages.map((m) => `${m.id} ${m.role} ${m.status === 'sent' ? 'complete' : m.status} ${m.text}`);

const settled = (s: ChatSnapshot, users: number) =>
  s.messages.filter((m) => m.role === 'user' && m.status === 'sent').length === users &&
  s.messages.every((m) => m.status === 'sent' || m.status === 'complete');

const unique = () => Math.random().toString(36).slice(2);

describe('multi-tab in Chromium (iframes as tabs, Web Locks + BroadcastChannel)', function () {
  this.timeout(60_000);
  const tabs: Tab[] = [];
  const chats: Chat[] = [];
  afterEach(async () => {
    await Promise.all(chats.splice(0).map((c) => c.destroy().catch(() => {})));
    for (const tab of tabs.splice(0)) tab.frame.remove();
  });

  async function chatIn(tab: Tab, server: string, storageKey: string, databaseName: string) {
    const persister: Persister = tab.core.createIdbPersister({ databaseName });
    const chat = tab.core.createChat({ server, storageKey, persister });
    chats.push(chat);
    await chat.ready;
    return { chat, persister };
  }

  it('two tabs: one event stream, the same transcript, 200 of 200 concurrent writes kept exactly once', async () => {
    const server = await backend();
    const storageKey = `multi-${unique()}`;
    const databaseName = `baton-multi-${unique()}`;
    const a = await openTab();
    const b = await openTab();
    tabs.push(a, b);
    const { chat: chatA, persister } = await chatIn(a, server, storageKey, databaseName);
    const { chat: chatB } = await chatIn(b, server, storageKey, databaseName);

    // 100 sends per tab, all started at once, interleaved; neither tab has a conversation yet.
    const sends: Promise<string>[] = [];
    for (let i = 0; i < 100; i++) sends.push(chatA.send(`tab a ${i}`), chatB.send(`tab b ${i}`));
    const ids = await Promise.all(sends);
    expect(new Set(ids).size).to.equal(200);

    const id = chatA.getSnapshot().conversationId!;
    expect(chatB.getSnapshot().conversationId).to.equal(id);
    const token = (await persister.loadConversation(storageKey))!.token;
    let server200: { messages: Message[]; lastSeq: number } | undefined;
    await waitUntil(
      async () => {
        server200 = await serverMessages(server, id, token);
        return server200.messages.every((m) => m.status !== 'streaming');
      },
      20_000,
      'the server finished every answer',
    );
    const final = server200!;
    const a1 = await waitFor(chatA, (s) => s.cursor === final.lastSeq && settled(s, 200), 20_000, 'tab a');
    const b1 = await waitFor(chatB, (s) => s.cursor === final.lastSeq && settled(s, 200), 20_000, 'tab b');

    // The server kept every message exactly once.
    const userTexts = final.messages.filter((m) => m.role === 'user').map((m) => m.text);
    expect(userTexts.length).to.equal(200);
    expect(new Set(userTexts).size).to.equal(200);
    // Both tabs show the server's transcript, in the server's order.
    expect(transcript(a1.messages)).to.deep.equal(transcript(final.messages));
    expect(transcript(b1.messages)).to.deep.equal(transcript(final.messages));
    // One event stream for both tabs, still open.
    const counted = await streams(id);
    expect(counted.requests.length).to.equal(1);
    expect(counted.open).to.equal(1);
    // The shared outbox in IndexedDB is empty: every entry was removed once its message was accepted.
    expect(await persister.loadOutbox(storageKey)).to.deep.equal([]);
  });

  it('the leader tab closes: a follower takes over from its cursor and every tab keeps receiving', async () => {
    const server = await backend();
    const storageKey = `handover-${unique()}`;
    const databaseName = `baton-handover-${unique()}`;
    const a = await openTab();
    const b = await openTab();
    const c = await openTab();
    tabs.push(a, b, c);
    // a asks for the lock first, so it leads.
    const { chat: chatA } = await chatIn(a, server, storageKey, databaseName);
    const { chat: chatB } = await chatIn(b, server, storageKey, databaseName);
    const { chat: chatC } = await chatIn(c, server, storageKey, databaseName);
    await chatB.send('before the hand-over');
    const done = (s: ChatSnapshot, n: number) =>
      s.messages.length === n && s.messages.every((m) => m.status === 'sent' || m.status === 'complete');
    const before = await waitFor(chatC, (s) => done(s, 2), 10_000, 'first answer in c');
    await waitFor(chatA, (s) => done(s, 2), 10_000, 'first answer in a');
    const id = before.conversationId!;
    expect((await streams(id)).requests.length).to.equal(1);

    // Close the leader: its document goes away with its lock and channel.
    a.frame.remove();
    tabs.splice(tabs.indexOf(a), 1);
    chats.splice(chats.indexOf(chatA), 1);
    await waitUntil(async () => (await streams(id)).requests.length === 2, 10_000, 'a second stream');
    const counted = await streams(id);
    // The new leader resumed from the cursor it had applied, not from the start.
    expect(Number(counted.requests[1]!.after)).to.equal(before.cursor);
    await waitUntil(async () => (await streams(id)).open === 1, 5000, 'one open stream');

    await chatC.send('after the hand-over');
    const c2 = await waitFor(chatC, (s) => done(s, 4), 10_000, 'second answer in c');
    const b2 = await waitFor(chatB, (s) => done(s, 4), 10_000, 'second answer in b');
    expect(c2.messages[3]!.text).to.equal('You said: after the hand-over');
    expect(transcript(b2.messages)).to.deep.equal(transcript(c2.messages));
    expect(b2.connection).to.equal('open');
    expect(c2.connection).to.equal('open');
    expect((await streams(id)).requests.length).to.equal(2);
  });
});
