import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { after, describe, it } from 'node:test';
import type { DurableEvent, MessageCompletedData } from '@baton-chat/protocol';
import { createEchoBot, startServer } from '@baton-chat/server';
import { createConversation, history, openStream, send, type TestStream } from './helpers.js';

const dirs: string[] = [];
async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'baton-restart-'));
  dirs.push(dir);
  return dir;
}
after(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

const WORDS = Array.from({ length: 40 }, (_, i) => `word${i}`).join(' ');
const start = (dataDir: string) =>
  startServer({ port: 0, dataDir, bot: createEchoBot({ wordDelayMs: 20 }), deltaFlushMs: 10 });

function seqs(events: readonly DurableEvent[]): number[] {
  return events.map((e) => e.seq);
}

function range(from: number, to: number): number[] {
  return Array.from({ length: to - from + 1 }, (_, i) => from + i);
}

describe('restart on the same PGlite data directory', () => {
  it('stopped mid-answer: the resumed stream completes the transcript, nothing lost, nothing twice', async () => {
    const dataDir = await tempDir();
    const first = await start(dataDir);
    const conversation = await createConversation(first.url);
    const stream: TestStream = await openStream(first.url, conversation);
    const sent = await send(first.url, conversation, WORDS);
    assert.ok(sent.turnId);
    // Wait until the answer is well under way, then stop the server in the middle of it.
    // The client loses its connection at the fourth delta; the server stops a moment later, mid-answer.
    const fourth = (await stream.waitFor(
      (e) => e.type === 'message.delta' && e.data.index === 3,
    )) as DurableEvent;
    stream.close();
    const cursor = fourth.seq;
    const before = stream.durable().filter((e) => e.seq <= cursor);
    assert.deepEqual(seqs(before), range(1, cursor));
    await first.close();

    const second = await start(dataDir);
    try {
      const resumed = await openStream(second.url, conversation, { lastEventId: cursor });
      const botId = (before.find((e) => e.type === 'message.started')!.data as { id: string }).id;
      const completed = await resumed.waitFor((e) => e.type === 'message.completed' && e.data.id === botId);
      const h = await history(second.url, conversation);
      await resumed.waitFor((e) => 'seq' in e && e.seq === h.lastSeq);
      resumed.close();
      const after = resumed.durable();
      // Exactly the rest of the log: cursor+1 .. lastSeq, each once.
      assert.deepEqual(seqs(after), range(cursor + 1, h.lastSeq));
      const all = [...before, ...after];
      const deltas = all.filter((e) => e.type === 'message.delta' && e.data.id === botId);
      assert.deepEqual(
        deltas.map((e) => (e.data as { index: number }).index),
        range(0, deltas.length - 1),
      );
      const data = completed.data as MessageCompletedData;
      // The server stopped the answer: it completes with what was streamed, flagged as an error.
      assert.equal(data.finishReason, 'error');
      assert.equal(data.text, deltas.map((e) => (e.data as { text: string }).text).join(''));
      assert.ok(data.text.startsWith('You said: word0 '), data.text);
      assert.ok(data.text.length < `You said: ${WORDS}`.length);
      const bot = h.messages.find((m) => m.id === botId)!;
      assert.equal(bot.status, 'complete');
      assert.equal(bot.text, data.text);
      assert.equal(resumed.events[0]!.type, 'hello');
      assert.equal((resumed.events[0]!.data as { resumeFrom: number }).resumeFrom, cursor);

      // The conversation goes on after the restart, on the same log.
      const live = await openStream(second.url, conversation, { after: h.lastSeq });
      const next = await send(second.url, conversation, 'still there?');
      const done = await live.waitFor((e) => e.type === 'message.completed');
      live.close();
      assert.equal((done.data as MessageCompletedData).text, 'You said: still there?');
      assert.equal((done.data as MessageCompletedData).finishReason, 'stop');
      assert.equal(next.message.seq, h.lastSeq + 1);
      const full = await history(second.url, conversation);
      assert.deepEqual(
        full.messages.map((m) => [m.role, m.status]),
        [
          ['user', 'complete'],
          ['bot', 'complete'],
          ['user', 'complete'],
          ['bot', 'complete'],
        ],
      );
    } finally {
      await second.close();
    }
  });

  it('stopped after an answer: every cursor replays exactly the rest of the log', async () => {
    const dataDir = await tempDir();
    const first = await start(dataDir);
    const conversation = await createConversation(first.url);
    const stream = await openStream(first.url, conversation);
    await send(first.url, conversation, 'one two three four five six');
    const completed = await stream.waitFor((e) => e.type === 'message.completed');
    stream.close();
    const original = stream.durable();
    const lastSeq = (completed as DurableEvent).seq;
    await first.close();

    const second = await start(dataDir);
    try {
      for (let cursor = 0; cursor < lastSeq; cursor++) {
        const resumed = await openStream(second.url, conversation, { lastEventId: cursor });
        await resumed.waitFor((e) => 'seq' in e && e.seq === lastSeq);
        resumed.close();
        assert.deepEqual(resumed.durable(), original.slice(cursor), `cursor ${cursor}`);
      }
      const h = await history(second.url, conversation);
      assert.equal(h.lastSeq, lastSeq);
      assert.equal(h.messages[1]!.text, 'You said: one two three four five six');
    } finally {
      await second.close();
    }
  });

  it('killed with SIGKILL mid-answer: the next start completes the orphaned answer from the log', async () => {
    const dataDir = await tempDir();
    const bin = fileURLToPath(new URL('../bin/baton-server.js', import.meta.url));
    const launch = async (): Promise<{ child: ChildProcess; url: string }> => {
      const child = spawn(
        process.execPath,
        [bin, '--port', '0', '--data-dir', dataDir, '--bot', 'echo', '--echo-delay-ms', '30'],
        { stdio: ['ignore', 'pipe', 'inherit'] },
      );
      const url = await new Promise<string>((resolve, reject) => {
        let out = '';
        child.stdout!.on('data', (chunk: Buffer) => {
          out += chunk.toString();
          const match = /listening on (http:\/\/\S+)/.exec(out);
          if (match) resolve(match[1]!);
        });
        child.once('exit', (code) => reject(new Error(`baton-server exited with ${code}: ${out}`)));
      });
      return { child, url };
    };
    const first = await launch();
    const conversation = await createConversation(first.url);
    const stream = await openStream(first.url, conversation);
    await send(first.url, conversation, WORDS);
    const third = (await stream.waitFor(
      (e) => e.type === 'message.delta' && e.data.index === 2,
    )) as DurableEvent;
    const exited = new Promise((resolve) => first.child.once('exit', resolve));
    first.child.kill('SIGKILL');
    await exited;
    stream.close();
    const before = stream.durable().filter((e) => e.seq <= third.seq);

    const second = await launch();
    try {
      const resumed = await openStream(second.url, conversation, { lastEventId: third.seq });
      const completed = await resumed.waitFor((e) => e.type === 'message.completed');
      resumed.close();
      const after = resumed.durable();
      assert.deepEqual(seqs(after), range(third.seq + 1, (completed as DurableEvent).seq));
      const deltas = [...before, ...after].filter((e) => e.type === 'message.delta');
      assert.deepEqual(
        deltas.map((e) => (e.data as { index: number }).index),
        range(0, deltas.length - 1),
      );
      const data = completed.data as MessageCompletedData;
      assert.equal(data.finishReason, 'error');
      assert.equal(data.text, deltas.map((e) => (e.data as { text: string }).text).join(''));
      assert.equal((await history(second.url, conversation)).messages[1]!.status, 'complete');
    } finally {
      const gone = new Promise((resolve) => second.child.once('exit', resolve));
      second.child.kill('SIGTERM');
      await gone;
    }
  });
});
