import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { BatonError, createChat, createMemoryPersister } from '@baton-chat/core';
import type { Chat } from '@baton-chat/core';
import {
  serverHistory,
  serverTranscript,
  startExampleBackend,
  startProxy,
  transcript,
  waitFor,
} from './helpers/backend.js';
import type { Proxy, RunningBackend } from './helpers/backend.js';

let backend: RunningBackend;
const chats: Chat[] = [];
const open = (o: Partial<Parameters<typeof createChat>[0]> = {}) => {
  const chat = createChat({ server: backend.url, ...o });
  chats.push(chat);
  return chat;
};

before(async () => {
  backend = await startExampleBackend();
});
after(async () => {
  await Promise.all(chats.map((c) => c.destroy()));
  await backend.close();
});

const lastBot = (chat: Chat) =>
  chat
    .getSnapshot()
    .messages.filter((m) => m.role === 'bot')
    .at(-1);

describe('createChat against the example backend', () => {
  it('send: optimistic bubble, then the streamed answer complete exactly once', async () => {
    const chat = open();
    const seen: string[] = [];
    chat.subscribe(() =>
      seen.push(
        chat
          .getSnapshot()
          .messages.map((m) => m.status)
          .join(','),
      ),
    );
    const sending = chat.send('hello there');
    // Shown synchronously, before storage or the network answer.
    assert.equal(chat.getSnapshot().messages[0]?.status, 'sending');
    assert.equal(chat.getSnapshot().messages[0]?.text, 'hello there');
    const clientMessageId = await sending;
    const s = await waitFor(chat, () => lastBot(chat)?.status === 'complete', 5000, 'answer');
    assert.equal(s.messages.length, 2);
    assert.equal(s.messages[0]!.clientMessageId, clientMessageId);
    assert.equal(s.messages[0]!.key, clientMessageId);
    assert.equal(s.messages[0]!.status, 'sent');
    assert.equal(s.messages[1]!.text, 'You said: hello there');
    assert.equal(s.messages[1]!.finishReason, 'stop');
    assert.equal(s.connection, 'open');
    assert.ok(
      seen.some((x) => x.includes('streaming')),
      'the answer was seen streaming',
    );
    const h = await serverHistory(backend.url, s.conversationId!, await tokenOf(chat));
    assert.deepEqual(transcript(s), serverTranscript(h));
    assert.equal(s.cursor, h.lastSeq);
  });

  it('stop() cancels the streaming answer', async () => {
    const slow = await startExampleBackend({ wordDelayMs: 100 });
    try {
      const chat = open({ server: slow.url });
      await chat.send('one two three four five six seven eight nine ten eleven twelve');
      await waitFor(chat, () => (lastBot(chat)?.text.length ?? 0) > 0, 5000, 'first delta');
      await chat.stop();
      const s = await waitFor(chat, () => lastBot(chat)?.status === 'complete', 5000, 'cancelled');
      assert.equal(lastBot(chat)!.finishReason, 'cancelled');
      assert.ok(
        lastBot(chat)!.text.length <
          'You said: one two three four five six seven eight nine ten eleven twelve'.length,
      );
      await chat.destroy();
      assert.equal(s.messages.length, 2);
    } finally {
      await slow.close();
    }
  });

  it('requestHuman and cancelHandoff are reflected in handoff and control', async () => {
    const chat = open();
    const handoff = await chat.requestHuman('I was charged twice');
    assert.ok(['requested', 'queued'].includes(handoff.state));
    let s = await waitFor(chat, (x) => x.handoff?.state === 'queued' && x.control === 'none', 5000, 'queued');
    assert.equal(s.handoff!.note, 'I was charged twice');
    await chat.cancelHandoff();
    s = await waitFor(
      chat,
      (x) => x.handoff?.state === 'cancelled' && x.control === 'bot',
      5000,
      'cancelled',
    );
    assert.equal(s.handoff!.id, handoff.id);
    await chat.cancelHandoff(); // terminal: nothing to do
  });

  it('resumes from a persisted cursor after destroy() without duplicates', async () => {
    const persister = createMemoryPersister();
    const first = open({ persister });
    await first.send('first question');
    await waitFor(first, () => lastBot(first)?.status === 'complete', 5000, 'first answer');
    const before = first.getSnapshot();
    await first.destroy();

    const second = open({ persister });
    // Stored history is in the snapshot before the network answers.
    await new Promise((r) => setTimeout(r, 0));
    await Promise.resolve();
    const early = second.getSnapshot();
    assert.deepEqual(transcript(early), transcript(before));
    await second.ready;
    await second.send('second question');
    const s = await waitFor(
      second,
      (x) => x.messages.length === 4 && x.messages[3]!.status === 'complete',
      5000,
      'second answer',
    );
    assert.equal(s.conversationId, before.conversationId);
    const h = await serverHistory(backend.url, s.conversationId!, await tokenOf(second));
    assert.deepEqual(transcript(s), serverTranscript(h));
    assert.equal(new Set(s.messages.map((m) => m.id)).size, 4);
  });

  it('sync.reset (stored cursor ahead of the server): refetches history, then continues live', async () => {
    const persister = createMemoryPersister();
    const first = open({ persister });
    await first.send('before the restore');
    await waitFor(first, () => lastBot(first)?.status === 'complete', 5000, 'answer');
    await first.destroy();
    const key = `${backend.url}|`;
    const stored = (await persister.loadConversation(key))!;
    // As if the server's log was restored from an older backup: our copy is ahead and has a ghost message.
    const ghost = { ...stored.snapshot.messages[1]!, id: 'ghost', key: 'ghost', text: 'ghost' };
    await persister.saveConversation(key, {
      ...stored,
      snapshot: { ...stored.snapshot, cursor: 999, messages: [...stored.snapshot.messages, ghost] },
    });
    const second = open({ persister });
    const s = await waitFor(
      second,
      (x) => x.cursor < 999 && x.connection === 'open' && !x.messages.some((m) => m.id === 'ghost'),
      5000,
      'reset',
    );
    const h = await serverHistory(backend.url, stored.conversationId, stored.token);
    assert.deepEqual(transcript(s), serverTranscript(h));
    assert.equal(s.cursor, h.lastSeq);
    await second.send('after the restore');
    await waitFor(
      second,
      (x) => x.messages.length === 4 && x.messages[3]!.status === 'complete',
      5000,
      'live',
    );
  });

  it('listener exceptions are isolated', async () => {
    const errors: unknown[] = [];
    const chat = open({ onError: (e) => errors.push(e) });
    chat.subscribe(() => {
      throw new Error('listener bug');
    });
    let calls = 0;
    chat.subscribe(() => calls++);
    await chat.send('ping');
    await waitFor(chat, () => lastBot(chat)?.status === 'complete', 5000, 'answer');
    await chat.destroy();
    assert.ok(calls > 2);
    assert.ok(errors.length > 2 && errors.every((e) => (e as Error).message === 'listener bug'));
  });

  it('rejects empty text with a BatonError and a brand', async () => {
    const chat = open();
    await assert.rejects(
      chat.send('   '),
      (e: unknown) => BatonError.is(e) && e.code === 'validation-failed',
    );
    assert.equal(
      (new BatonError('x', 'y') as unknown as Record<symbol, unknown>)[Symbol.for('baton.error')],
      true,
    );
  });

  it('send: the outbox is written before the POST; network errors queue, then deliver exactly once', async () => {
    const persister = createMemoryPersister();
    const outboxAtPost: number[] = [];
    let failures = 2;
    const keys: string[] = [];
    const chat = open({
      persister,
      random: () => 0,
      fetch: async (input, init) => {
        if (init?.method === 'POST' && String(input).endsWith('/messages')) {
          outboxAtPost.push((await persister.loadOutbox(`${backend.url}|`)).length);
          keys.push(new Headers(init.headers).get('idempotency-key')!);
          if (failures-- > 0) throw new TypeError('fetch failed');
        }
        return globalThis.fetch(input, init);
      },
    });
    const statuses = new Set<string>();
    chat.subscribe(() => {
      const m = chat.getSnapshot().messages[0];
      if (m) statuses.add(m.status);
    });
    const id = await chat.send('offline first');
    const s = await waitFor(chat, () => lastBot(chat)?.status === 'complete', 5000, 'answer');
    assert.deepEqual(outboxAtPost, [1, 1, 1]);
    assert.deepEqual(keys, [id, id, id], 'every attempt carries the same Idempotency-Key');
    assert.ok(statuses.has('queued'));
    assert.deepEqual(await persister.loadOutbox(`${backend.url}|`), []);
    assert.equal(s.messages.filter((m) => m.role === 'user').length, 1);
  });

  it('send: while navigator.onLine is false the bubble stays queued through the failed attempts', async () => {
    const original = Object.getOwnPropertyDescriptor(globalThis, 'navigator');
    const navigator = { onLine: false };
    Object.defineProperty(globalThis, 'navigator', { value: navigator, configurable: true });
    try {
      let failures = 3;
      const chat = open({
        random: () => 0,
        fetch: async (input, init) => {
          if (init?.method === 'POST' && String(input).endsWith('/messages') && failures-- > 0) {
            // The network comes back after the third failed attempt.
            if (failures === 0) navigator.onLine = true;
            throw new TypeError('fetch failed');
          }
          return globalThis.fetch(input, init);
        },
      });
      const statuses: string[] = [];
      chat.subscribe(() => {
        const status = chat.getSnapshot().messages[0]?.status;
        if (status && status !== statuses.at(-1)) statuses.push(status);
      });
      await chat.send('typed in a tunnel');
      await waitFor(chat, () => lastBot(chat)?.status === 'complete', 5000, 'answer');
      assert.deepEqual(statuses.slice(0, 3), ['queued', 'sending', 'sent']);
      assert.equal(failures, -1, 'three attempts failed, the fourth was sent');
    } finally {
      if (original) Object.defineProperty(globalThis, 'navigator', original);
      else delete (globalThis as { navigator?: unknown }).navigator;
    }
  });

  it('send: a 503, then a response lost after the server acted: same key, one message', async () => {
    const proxy = await startProxy(backend.url);
    try {
      let posts = 0;
      proxy.rule = (req) => {
        if (req.method !== 'POST' || !req.url?.endsWith('/messages')) return undefined;
        posts++;
        if (posts === 1) return { status: 503, headers: { 'retry-after': '0' } };
        if (posts === 2) return { cutAfter: 0 };
        return undefined;
      };
      const chat = open({ server: proxy.url, random: () => 0 });
      await chat.send('exactly once please');
      const s = await waitFor(chat, () => lastBot(chat)?.status === 'complete', 5000, 'answer');
      assert.equal(posts, 3);
      const users = s.messages.filter((m) => m.role === 'user');
      assert.equal(users.length, 1);
      const h = await serverHistory(backend.url, s.conversationId!, await tokenOf(chat));
      assert.equal(h.messages.filter((m) => m.role === 'user').length, 1);
    } finally {
      await proxy.close();
    }
  });

  // After an outage the first part to reach the server again tells the other, so a customer never
  // waits out a backoff (up to 30 s) with the server already back. `random: () => 0.999` makes every
  // backoff wait its whole ceiling: the stream (retry 3 s) at 3, 9, 21 s after the cut, a send (1 s)
  // at 1, 3, 7, 15 s after its first try. Returns a chat through `proxy` that has had one answer and
  // has just lost the server.
  const afterOneAnswerTheServerGoes = async (proxy: Proxy): Promise<Chat> => {
    const chat = open({ server: proxy.url, random: () => 0.999 });
    await chat.send('before the outage');
    await waitFor(chat, () => lastBot(chat)?.status === 'complete', 5000, 'first answer');
    proxy.rule = () => ({ drop: true });
    proxy.cutAll();
    return chat;
  };

  it('after an outage, a queued send goes as soon as the stream is back, not at the end of its backoff', async () => {
    const proxy = await startProxy(backend.url);
    try {
      const chat = await afterOneAnswerTheServerGoes(proxy);
      await waitFor(chat, (s) => s.connection === 'reconnecting', 2000, 'the stream to notice');
      const posts = () => proxy.requests.filter((r) => r.method === 'POST' && r.path.endsWith('/messages'));
      const before = posts().length;
      const sending = chat.send('during the outage');
      // Its fourth try (7 s in) fails too; the next is 8 s later. The stream's next try is about 2 s later.
      while (posts().length < before + 4) await new Promise((r) => setTimeout(r, 20));
      await waitFor(chat, (s) => s.messages.at(-1)?.status === 'queued', 1000, 'the fourth try to fail');
      proxy.rule = () => undefined;
      await waitFor(chat, (s) => s.connection === 'open', 8000, 'the stream back');
      const reopened = Date.now();
      await sending;
      assert.ok(Date.now() - reopened < 1500, `sent ${Date.now() - reopened} ms after the stream was back`);
      await waitFor(chat, () => lastBot(chat)?.text === 'You said: during the outage', 5000, 'its answer');
      // A send on an open stream leaves the stream alone.
      const streams = () => proxy.requests.filter((r) => r.path.includes('/events')).length;
      const opened = streams();
      await chat.send('and after it');
      await waitFor(chat, () => lastBot(chat)?.text === 'You said: and after it', 5000, 'the next answer');
      assert.equal(streams(), opened);
    } finally {
      await proxy.close();
    }
  });

  it('after an outage, a send that gets through brings the stream back at once', async () => {
    const proxy = await startProxy(backend.url);
    try {
      const chat = await afterOneAnswerTheServerGoes(proxy);
      // The stream's first retry (3 s) fails; its next is 6 s later.
      await new Promise((r) => setTimeout(r, 3500));
      assert.equal(chat.getSnapshot().connection, 'reconnecting');
      proxy.rule = () => undefined;
      const sent = Date.now();
      await chat.send('right after the outage');
      await waitFor(
        chat,
        () =>
          lastBot(chat)?.status === 'complete' && lastBot(chat)?.text === 'You said: right after the outage',
        2000,
        'the answer within 2 s',
      );
      assert.ok(Date.now() - sent < 2000);
    } finally {
      await proxy.close();
    }
  });

  it('setTyping is throttled to one true per 3 s', async () => {
    let typingPosts = 0;
    const chat = open({
      fetch: (input, init) => {
        if (String(input).endsWith('/typing')) typingPosts++;
        return globalThis.fetch(input, init);
      },
    });
    await chat.send('typing test');
    await waitFor(chat, (x) => x.features.includes('typing'), 5000, 'hello');
    for (let i = 0; i < 10; i++) chat.setTyping(true);
    chat.setTyping(false);
    chat.setTyping(false);
    assert.equal(typingPosts, 2);
  });

  it('close() closes the conversation and the stream stops', async () => {
    const chat = open();
    await chat.send('bye');
    await waitFor(chat, () => lastBot(chat)?.status === 'complete', 5000, 'answer');
    await chat.close();
    const s = await waitFor(chat, (x) => x.status === 'closed' && x.connection === 'closed', 5000, 'closed');
    assert.equal(s.status, 'closed');
  });
});

/** Reads the token the chat stored (through a persister round trip). */
async function tokenOf(chat: Chat): Promise<string> {
  const snapshot = chat.getSnapshot();
  const res = tokens.get(snapshot.conversationId!);
  if (res) return res;
  throw new Error('token unknown');
}
const tokens = new Map<string, string>();
const realFetch = globalThis.fetch;
globalThis.fetch = async (input, init) => {
  const response = await realFetch(input, init);
  if (String(input).endsWith('/v1/conversations') && response.ok) {
    const body = (await response.clone().json()) as { conversationId: string; token: string };
    tokens.set(body.conversationId, body.token);
  }
  return response;
};
