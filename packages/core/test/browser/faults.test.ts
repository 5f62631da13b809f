/// <reference types="mocha" />
import { expect } from '@esm-bundle/chai';
import { createChat, createIdbPersister, createMemoryPersister } from '@baton-chat/core';
import type { Chat, ChatSnapshot, CreateChatOptions, Persister } from '@baton-chat/core';
import type { HistoryResponse, UserIdentity } from '@baton-chat/protocol';

// Faults are injected by the web-test-runner config's hooks in front of the example backend (see
// web-test-runner.config.mjs): stream requests cut at a byte offset or answered 401/410/5xx, open streams
// dropped, the backend restarted on the same port. Everything else is the real backend on 127.0.0.1.

const backend = async (): Promise<string> => {
  const res = await fetch('/__baton_backend__');
  if (!res.ok) throw new Error(await res.text());
  return ((await res.json()) as { url: string }).url;
};

interface StreamRequest {
  after: string;
  at: number;
  fault: string;
}

const streams = async (conversationId: string): Promise<StreamRequest[]> =>
  (
    (await (await fetch(`/__baton_backend__/streams?conversation=${conversationId}`)).json()) as {
      requests: StreamRequest[];
    }
  ).requests;

/** Arms faults for the next stream requests of a conversation (see the config for the parameters). */
async function faults(conversationId: string, params: Record<string, string>): Promise<void> {
  const query = new URLSearchParams({ conversation: conversationId, ...params });
  const res = await fetch(`/__baton_backend__/faults?${query}`);
  if (!res.ok) throw new Error(await res.text());
}

function waitFor(
  chat: Chat,
  predicate: (s: ChatSnapshot) => boolean,
  ms = 10_000,
  what = '',
): Promise<ChatSnapshot> {
  return new Promise((resolve, reject) => {
    if (predicate(chat.getSnapshot())) return resolve(chat.getSnapshot());
    const timer = setTimeout(() => {
      off();
      reject(new Error(`timeout ${what}: ${JSON.stringify(chat.getSnapshot()).slice(0, 1200)}`));
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

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function serverHistory(server: string, id: string, token: string): Promise<HistoryResponse> {
  const res = await fetch(`${server}/v1/conversations/${id}/messages?limit=200`, {
    headers: { authorization: `Bearer ${token}` },
  });
  return (await res.json()) as HistoryResponse;
}

const transcript = (s: ChatSnapshot) =>
  s.messages.map((m) => ({
    id: m.id,
    role: m.role,
    text: m.text,
    status: m.status === 'sent' ? 'complete' : m.status,
  }));

const serverTranscript = (h: HistoryResponse) =>
  h.messages.map((m) => ({ id: m.id, role: m.role, text: m.text, status: m.status }));

/** Every message applied up to the server's last event and nothing still streaming or sending. */
const settled = (lastSeq: number) => (s: ChatSnapshot) =>
  s.cursor === lastSeq && s.messages.every((m) => m.status !== 'streaming' && m.status !== 'sending');

const answered = (count: number) => (s: ChatSnapshot) =>
  s.messages.length === 2 * count && s.messages.at(-1)!.status === 'complete';

/** A chat of its own (no other tab shares it) with a fresh persister. */
function newChat(server: string, options: Partial<CreateChatOptions> = {}): Chat {
  return createChat({ server, tabs: null, persister: createMemoryPersister(), ...options });
}

/** Creates a conversation with one complete answer to `question`; returns its credentials. */
async function recordedAnswer(server: string, question: string) {
  const persister = createMemoryPersister();
  const chat = newChat(server, { persister });
  await chat.send(question);
  await waitFor(chat, answered(1), 10_000, 'the recorded answer');
  await chat.destroy();
  const stored = (await persister.loadConversation(`${server}|`))!;
  return { id: stored.conversationId, token: stored.token, lastSeq: stored.snapshot.cursor };
}

/** A persister holding a conversation of which the client has applied nothing yet (cursor 0). */
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

/** Bytes of the replay of a conversation from cursor 0 up to and including event `lastSeq`. */
async function replayLength(server: string, id: string, token: string, lastSeq: number): Promise<number> {
  const res = await fetch(`${server}/v1/conversations/${id}/events?after=0`, {
    headers: { authorization: `Bearer ${token}`, 'baton-protocol': '1.0' },
  });
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let text = '';
  let length = 0;
  while (!text.includes(`id: ${lastSeq}\n`) || !text.endsWith('\n\n')) {
    const { value, done } = await reader.read();
    if (done) throw new Error('the replay ended early');
    text += decoder.decode(value, { stream: true });
    length += value.length;
  }
  await reader.cancel();
  return length;
}

describe('fault injection in Chromium: the event stream cut by a server hook', () => {
  it('cut at every byte offset of a recorded multi-event answer: 0 lost, 0 duplicated', async function () {
    this.timeout(540_000);
    const server = await backend();
    const { id, token, lastSeq } = await recordedAnswer(server, 'alpha beta gamma delta epsilon zeta');
    const expected = serverTranscript(await serverHistory(server, id, token));
    expect(lastSeq, 'a multi-event answer').to.be.at.least(9);
    const length = await replayLength(server, id, token, lastSeq);
    expect(length).to.be.greaterThan(1000);
    const before = (await streams(id)).length;

    for (let offset = 0; offset < length; offset++) {
      await faults(id, { clear: '1', next: `cut:${offset}` });
      const chat = newChat(server, { persister: await seeded(server, id, token), random: () => 0 });
      const s = await waitFor(chat, settled(lastSeq), 10_000, `settle after a cut at byte ${offset}`);
      await chat.destroy();
      expect(transcript(s), `cut at byte ${offset}`).to.deep.equal(expected);
      expect(s.cursor).to.equal(lastSeq);
    }

    // Server side: every offset was cut exactly once, and each cut was followed by a resumed request.
    const requests = (await streams(id)).slice(before);
    const cuts = requests.filter((r) => r.fault.startsWith('cut:')).map((r) => Number(r.fault.slice(4)));
    expect(cuts).to.deep.equal(Array.from({ length }, (_, i) => i));
    expect(requests.filter((r) => r.fault === 'pass').length).to.be.at.least(length);
  });

  it('random cuts over many live answers: the transcript equals the server history', async function () {
    this.timeout(180_000);
    const server = await backend();
    const databaseName = `baton-faults-${Math.random().toString(36).slice(2)}`;
    const persister = createIdbPersister({ databaseName });
    const chat = newChat(server, { persister, random: () => 0 });
    try {
      await chat.send('first question, not cut');
      const id = (await waitFor(chat, answered(1), 10_000, 'first answer')).conversationId!;
      // From now on every stream request is cut somewhere in its first 200-3300 bytes.
      await faults(id, { random: '42:200:3300', drop: '1' });
      for (let i = 1; i <= 30; i++) {
        await chat.send(`question ${i} with a few more words to stream back word by word`);
        await waitFor(chat, answered(i + 1), 20_000, `answer ${i}`);
      }
      const stored = (await persister.loadConversation(`${server}|`))!;
      const history = await serverHistory(server, id, stored.token);
      const s = await waitFor(chat, settled(history.lastSeq), 10_000, 'settled');
      expect(transcript(s)).to.deep.equal(serverTranscript(history));
      expect(new Set(s.messages.map((m) => m.id)).size, 'no duplicated messages').to.equal(62);
      for (const m of s.messages.filter((x) => x.role === 'bot')) {
        const question = s.messages.find((q) => q.id === m.replyTo)!;
        expect(m.text).to.equal(`You said: ${question.text}`);
      }
      const cuts = (await streams(id)).filter((r) => r.fault.startsWith('cut:')).length;
      expect(cuts, 'stream connections cut').to.be.greaterThan(30);
    } finally {
      await chat.destroy();
    }
  });
});

describe('server restart, 5xx storm, 401 and 410 on the stream in Chromium', () => {
  it('server restart mid-answer: the client reconnects from its cursor and the answer completes', async function () {
    this.timeout(60_000);
    const server = await backend();
    const databaseName = `baton-restart-${Math.random().toString(36).slice(2)}`;
    const chat = newChat(server, { persister: createIdbPersister({ databaseName }) });
    const connections: string[] = [];
    chat.subscribe(() => {
      const c = chat.getSnapshot().connection;
      if (connections.at(-1) !== c) connections.push(c);
    });
    const question = Array.from({ length: 300 }, (_, i) => `word${i}`).join(' ');
    await chat.send(question);
    const partial = await waitFor(
      chat,
      (s) => s.messages[1]?.status === 'streaming' && s.messages[1].text.length > 20,
      10_000,
      'mid-answer',
    );
    const id = partial.conversationId!;
    const restartedAt = Date.now();
    const restart = await fetch('/__baton_backend__/restart?downMs=500');
    expect(restart.ok).to.equal(true);

    const done = await waitFor(chat, answered(1), 40_000, 'the answer after the restart');
    expect(done.messages[1]!.text).to.equal(`You said: ${question}`);
    expect(partial.messages[1]!.text.length).to.be.lessThan(done.messages[1]!.text.length);
    expect(connections).to.include('reconnecting');
    expect(done.connection).to.equal('open');
    const token = (await createIdbPersister({ databaseName }).loadConversation(`${server}|`))!.token;
    const history = await serverHistory(server, id, token);
    expect(transcript(await waitFor(chat, settled(history.lastSeq)))).to.deep.equal(
      serverTranscript(history),
    );
    // The stream after the restart resumed from the client's cursor, not from the beginning.
    const resumed = (await streams(id)).filter((r) => r.at >= restartedAt);
    expect(resumed.length).to.be.at.least(1);
    expect(Number(resumed[0]!.after)).to.be.at.least(partial.cursor);
    await chat.destroy();
  });

  it('5xx storm on the stream: waits grow as random x min(30 s, 3 s x 2^n), then it recovers', async function () {
    this.timeout(60_000);
    const server = await backend();
    // A fixed jitter draw makes the schedule exact: 750 ms, then 1.5 s, 3 s, 6 s (full jitter would
    // only make the waits shorter at random, never the loop tighter).
    const chat = newChat(server, { random: () => 0.25 });
    await chat.send('before the storm');
    const id = (await waitFor(chat, answered(1), 10_000, 'first answer')).conversationId!;
    const before = (await streams(id)).length;
    const droppedAt = Date.now();
    await faults(id, { next: 'status:500,status:502,status:500', drop: '1' });
    await waitFor(chat, (s) => s.connection === 'reconnecting', 5000, 'reconnecting');
    // An answer produced during the storm must arrive once the stream is back. Sent once the stream has
    // met the first 5xx: a send that gets through cuts short a wait after the server was unreachable,
    // never one after an HTTP error, so the waits below still grow.
    while ((await streams(id)).length === before) await sleep(50);
    await chat.send('during the storm');

    await sleep(8000);
    const storm = (await streams(id)).slice(before);
    expect(storm.map((r) => r.fault)).to.deep.equal(['status:500', 'status:502', 'status:500']);
    expect(chat.getSnapshot().connection).to.equal('reconnecting');
    // Server-side arrival times: each wait at least its floor (100 ms slack for request latency).
    const times = [droppedAt, ...storm.map((r) => r.at)];
    const gaps = times.slice(1).map((t, i) => t - times[i]!);
    expect(gaps[0]).to.be.at.least(750 - 100);
    expect(gaps[1]).to.be.at.least(1500 - 100);
    expect(gaps[2]).to.be.at.least(3000 - 100);

    const done = await waitFor(chat, (s) => s.connection === 'open' && answered(2)(s), 20_000, 'recovery');
    const after = (await streams(id)).slice(before);
    expect(after.length, 'requests from the drop to the recovery').to.equal(4);
    expect(after[3]!.fault).to.equal('pass');
    expect(after[3]!.at - after[2]!.at).to.be.at.least(6000 - 100);
    expect(done.messages[3]!.text).to.equal('You said: during the storm');
    await chat.destroy();
  });

  it('401 on the stream: onUnauthorized is called and the stream resumes', async function () {
    this.timeout(30_000);
    const server = await backend();
    const calls: number[] = [];
    const chat = newChat(server, {
      user: { id: 'ana' },
      random: () => 0,
      onUnauthorized: () => {
        calls.push(Date.now());
        return { id: 'ana', name: 'Ana (refreshed)' };
      },
    });
    await chat.send('one');
    const id = (await waitFor(chat, answered(1), 10_000, 'first answer')).conversationId!;
    const before = (await streams(id)).length;
    await faults(id, { next: 'status:401', drop: '1' });
    await waitFor(chat, () => calls.length === 1, 10_000, 'the refresh hook');
    await chat.send('two');
    const s = await waitFor(chat, (x) => x.connection === 'open' && answered(2)(x), 10_000, 'resumed');
    expect(s.conversationId).to.equal(id);
    expect(s.messages[3]!.text).to.equal('You said: two');
    expect(calls.length).to.equal(1);
    const after = (await streams(id)).slice(before);
    expect(after[0]!.fault).to.equal('status:401');
    expect(after[1]!.fault).to.equal('pass');
    expect(Number(after[1]!.after)).to.be.greaterThan(0);
    await chat.destroy();
  });

  it('401 again after the refresh: the token is dropped and the next send starts a conversation as the refreshed user', async function () {
    this.timeout(30_000);
    const server = await backend();
    let calls = 0;
    const fresh: UserIdentity = { id: 'bea-2' };
    const chat = newChat(server, {
      user: { id: 'bea' },
      random: () => 0,
      onUnauthorized: () => {
        calls++;
        return fresh;
      },
    });
    await chat.send('one');
    const id = (await waitFor(chat, answered(1), 10_000, 'first answer')).conversationId!;
    await faults(id, { next: 'status:401,status:401', drop: '1' });
    await waitFor(chat, (s) => s.conversationId === null && s.connection === 'closed', 10_000, 'dropped');
    await sleep(500);
    expect((await streams(id)).filter((r) => r.fault === 'status:401').length).to.equal(2);
    expect(calls).to.equal(1);
    await chat.send('two');
    const s = await waitFor(chat, (x) => x.connection === 'open' && x.messages.at(-1)?.status === 'complete');
    expect(s.conversationId).not.to.equal(id);
    expect(s.messages[0]!.author.id).to.equal('bea-2');
    await chat.destroy();
  });

  it('410 on the stream: the client stops, says the conversation is closed, and does not reconnect', async function () {
    this.timeout(30_000);
    const server = await backend();
    const chat = newChat(server, { random: () => 0 });
    const connections: string[] = [];
    chat.subscribe(() => {
      const c = chat.getSnapshot().connection;
      if (connections.at(-1) !== c) connections.push(c);
    });
    await chat.send('one');
    const id = (await waitFor(chat, answered(1), 10_000, 'first answer')).conversationId!;
    const before = (await streams(id)).length;
    await faults(id, { next: 'status:410', drop: '1' });
    const s = await waitFor(
      chat,
      (x) => x.connection === 'closed' && x.status === 'closed',
      10_000,
      'stopped, conversation closed',
    );
    expect(s.messages.length).to.equal(2);
    await sleep(2000);
    const after = (await streams(id)).slice(before);
    expect(after.map((r) => r.fault)).to.deep.equal(['status:410']);
    expect(chat.getSnapshot().connection, connections.join(' ')).to.equal('closed');
    await chat.destroy();
  });
});
