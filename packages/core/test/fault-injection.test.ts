import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createChat, createMemoryPersister } from '@baton-chat/core';
import type { Chat, Persister } from '@baton-chat/core';
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
let proxy: Proxy;
before(async () => {
  backend = await startExampleBackend();
  proxy = await startProxy(backend.url);
});
after(async () => {
  await proxy.close();
  await backend.close();
});

const isEvents = (path: string | undefined) => /\/events(\?|$)/.test(path ?? '');
const settled = (lastSeq: number) => (s: ReturnType<Chat['getSnapshot']>) =>
  s.cursor === lastSeq && s.messages.every((m) => m.status !== 'streaming' && m.status !== 'sending');

/** Creates a conversation directly on the backend with one complete answer; returns its credentials. */
async function recordedAnswer(question: string): Promise<{ id: string; token: string; lastSeq: number }> {
  const persister = createMemoryPersister();
  const chat = createChat({ server: backend.url, persister });
  await chat.send(question);
  await waitFor(chat, (s) => s.messages.length === 2 && s.messages[1]!.status === 'complete', 5000, 'answer');
  await chat.destroy();
  const stored = (await persister.loadConversation(`${backend.url}|`))!;
  return { id: stored.conversationId, token: stored.token, lastSeq: stored.snapshot.cursor };
}

/** A persister holding a conversation whose client has applied nothing yet (cursor 0). */
async function seeded(server: string, id: string, token: string): Promise<Persister> {
  const persister = createMemoryPersister();
  await persister.saveConversation(`${server}|`, {
    conversationId: id,
    token,
    snapshot: {
      status: 'open',
      messages: [],
      handoff: null,
      control: 'bot',
      controlVersion: 1,
      cursor: 0,
      readUpToSeq: 0,
      features: [],
    },
  });
  return persister;
}

describe('fault injection: the event stream cut by a proxy', () => {
  it('cut at every byte offset of a recorded multi-event answer: 0 lost, 0 duplicated', async (t) => {
    const { id, token, lastSeq } = await recordedAnswer('alpha beta gamma delta epsilon');
    const expected = serverTranscript(await serverHistory(backend.url, id, token));
    assert.ok(lastSeq >= 8, `a multi-event answer (${lastSeq} events)`);

    // Record the replay's length through the proxy once.
    let length = 0;
    {
      const res = await fetch(`${proxy.url}/v1/conversations/${id}/events?after=0`, {
        headers: { authorization: `Bearer ${token}` },
      });
      const reader = res.body!.getReader();
      let text = '';
      while (!text.includes(`id: ${lastSeq}\n`) || !text.endsWith('\n\n')) {
        const { value } = await reader.read();
        text += new TextDecoder().decode(value);
        length += value!.length;
      }
      await reader.cancel();
    }
    assert.ok(length > 1000, `recorded ${length} bytes`);

    let cuts = 0;
    for (let offset = 0; offset < length; offset++) {
      let first = true;
      proxy.rule = (req) => {
        if (!isEvents(req.url) || !first) return undefined;
        first = false;
        cuts++;
        return { cutAfter: offset };
      };
      const chat = createChat({
        server: proxy.url,
        persister: await seeded(proxy.url, id, token),
        random: () => 0,
      });
      const s = await waitFor(chat, settled(lastSeq), 5000, `settle after a cut at byte ${offset}`);
      await chat.destroy();
      assert.deepEqual(transcript(s), expected, `cut at byte ${offset}`);
      assert.equal(s.cursor, lastSeq);
    }
    proxy.rule = () => undefined;
    assert.equal(cuts, length);
    t.diagnostic(`${length} byte offsets of a ${lastSeq}-event replay cut and recovered`);
  });

  it('random cuts over many live answers: transcript equals the server history', async () => {
    let seed = 42;
    const rand = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    let connections = 0;
    proxy.rule = (req) => {
      if (!isEvents(req.url)) return undefined;
      connections++;
      return { cutAfter: 300 + Math.floor(rand() * 3000) };
    };
    const persister = createMemoryPersister();
    const chat = createChat({ server: proxy.url, persister, random: () => 0 });
    try {
      for (let i = 0; i < 25; i++) {
        await chat.send(`question ${i} with a few more words to stream back`);
        await waitFor(
          chat,
          (s) => s.messages.length === 2 * (i + 1) && s.messages.at(-1)!.status === 'complete',
          10_000,
          `answer ${i}`,
        );
      }
      const stored = (await persister.loadConversation(`${proxy.url}|`))!;
      const history = await serverHistory(backend.url, stored.conversationId, stored.token);
      const s = await waitFor(chat, settled(history.lastSeq), 5000, 'settled');
      assert.deepEqual(transcript(s), serverTranscript(history));
      assert.equal(new Set(s.messages.map((m) => m.id)).size, s.messages.length, 'no duplicated messages');
      assert.ok(connections > 25, `${connections} connections were cut`);
    } finally {
      proxy.rule = () => undefined;
      await chat.destroy();
    }
  });

  it('a 5xx storm on the stream: backoff observed, then recovery', async () => {
    const { id, token, lastSeq } = await recordedAnswer('storm please');
    let failing = true;
    proxy.requests.length = 0;
    proxy.rule = (req) => (isEvents(req.url) && failing ? { status: 503, body: '' } : undefined);
    const chat = createChat({ server: proxy.url, persister: await seeded(proxy.url, id, token) });
    await new Promise((r) => setTimeout(r, 2000));
    const storm = proxy.requests.filter((r) => isEvents(r.path)).length;
    assert.ok(storm >= 1 && storm <= 4, `${storm} stream requests in 2 s of 503s`);
    assert.equal(chat.getSnapshot().connection, 'reconnecting');
    failing = false;
    await chat.destroy();
    proxy.rule = () => undefined;
    const again = createChat({ server: proxy.url, persister: await seeded(proxy.url, id, token) });
    await waitFor(again, settled(lastSeq), 5000, 'recovered');
    await again.destroy();
  });

  it('410 on the stream: stops and does not reconnect', async () => {
    const { id, token } = await recordedAnswer('gone soon');
    proxy.requests.length = 0;
    proxy.rule = (req) =>
      isEvents(req.url)
        ? {
            status: 410,
            headers: { 'content-type': 'application/problem+json' },
            body: '{"code":"conversation-closed"}',
          }
        : undefined;
    const chat = createChat({
      server: proxy.url,
      persister: await seeded(proxy.url, id, token),
      random: () => 0,
    });
    await waitFor(
      chat,
      (s) => s.connection === 'closed' && proxy.requests.some((r) => isEvents(r.path)),
      5000,
      'stopped',
    );
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(proxy.requests.filter((r) => isEvents(r.path)).length, 1);
    proxy.rule = () => undefined;
    await chat.destroy();
  });
});
