import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { DurableEvent, MessageCompletedData } from '@baton-chat/protocol';
import { runConformance } from '@baton-chat/protocol/conformance';
import { createEchoBot, createPostgresClient, startServer, type RunningServer } from '@baton-chat/server';
import { call, createConversation, history, openStream, send } from './helpers.js';
import { postgresUnavailable, startPostgres, type TestPostgres } from './postgres.js';

const skip = postgresUnavailable();
const noLimits = { conversationsPerIp: { perMinute: 0 }, commandsPerConversation: { perMinute: 0 } };

describe('the reference server on PostgreSQL', { skip }, () => {
  let postgres: TestPostgres;

  before(async () => {
    postgres = await startPostgres();
  });
  after(async () => {
    await postgres?.stop();
  });

  it('passes the conformance kit', async (t) => {
    const databaseUrl = await postgres.createDatabase('conformance');
    const running = await startServer({
      port: 0,
      databaseUrl,
      bot: createEchoBot({ wordDelayMs: 15 }),
      rateLimits: noLimits,
    });
    try {
      const report = await runConformance({ url: running.url });
      t.diagnostic(
        `conformance (PostgreSQL): ${report.passed} passed, ${report.failed} failed, ${report.skipped} skipped`,
      );
      assert.deepEqual(
        report.results.filter((r) => !r.passed).map((r) => `${r.id}: ${r.error}`),
        [],
      );
      assert.equal(report.passed, report.results.length);
    } finally {
      await running.close();
    }
  });

  it('prepares each statement once per connection, and keeps the number prepared bounded', async () => {
    const client = await createPostgresClient(await postgres.createDatabase('prepared'), { max: 1 });
    try {
      const prepared = async () =>
        (await client.query<{ n: number }>('SELECT count(*)::int AS n FROM pg_prepared_statements'))[0]!.n;
      for (let i = 0; i < 3; i++) {
        const [row] = await client.query<{ n: number; a: string[] }>(
          'SELECT $1::int + 1 AS n, $2::text[] AS a',
          [i, ['x', null]],
        );
        assert.deepEqual(row, { n: i + 1, a: ['x', null] });
      }
      // This statement and the count itself, on the pool's one connection.
      assert.equal(await prepared(), 2);
      for (let k = 0; k < 600; k++) {
        const [row] = await client.query<{ n: number }>(`SELECT $1::int + ${k} AS n`, [1]);
        assert.equal(row!.n, k + 1);
      }
      assert.equal(await prepared(), 500);
    } finally {
      await client.close();
    }
  });

  it('keeps at most databasePoolSize connections for requests, however many arrive at once', async () => {
    const databaseUrl = await postgres.createDatabase('pool');
    const running = await startServer({
      port: 0,
      databaseUrl,
      databasePoolSize: 2,
      bot: createEchoBot({ wordDelayMs: 1 }),
      rateLimits: noLimits,
    });
    const watcher = await createPostgresClient(databaseUrl, { max: 1 });
    try {
      const conversations = await Promise.all(
        Array.from({ length: 8 }, () => createConversation(running.url)),
      );
      let most = 0;
      let busy = true;
      const watching = (async () => {
        while (busy) {
          const [row] = await watcher.query<{ n: number }>(
            'SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()',
          );
          most = Math.max(most, row!.n);
          await new Promise((r) => setTimeout(r, 5));
        }
      })();
      const sent = await Promise.all(
        conversations.flatMap((c) => [send(running.url, c, 'one'), history(running.url, c)]),
      );
      busy = false;
      await watching;
      assert.equal(sent.length, 16);
      // Two for requests, one LISTEN, and at most two for the bots' writes.
      assert.ok(most >= 2 && most <= 5, `${most} connections`);
    } finally {
      await watcher.close();
      await running.close();
    }
  });

  describe('two instances on one database', () => {
    let a: RunningServer;
    let b: RunningServer;

    before(async () => {
      const databaseUrl = await postgres.createDatabase('two_instances');
      const options = { port: 0, databaseUrl, bot: createEchoBot({ wordDelayMs: 10 }), rateLimits: noLimits };
      [a, b] = await Promise.all([startServer(options), startServer(options)]);
    });
    after(async () => {
      await Promise.all([a?.close(), b?.close()]);
    });

    it('streams from A what B appends: in order, exactly once, the same log', async () => {
      const conversation = await createConversation(a.url);
      const streamA = await openStream(a.url, conversation);
      const streamB = await openStream(b.url, conversation);
      for (const text of ['first question', 'second question here', 'third']) {
        await send(b.url, conversation, text);
        await streamA.waitFor((e) => e.type === 'message.completed' && e.data.text === `You said: ${text}`);
      }
      const lastSeq = (await history(a.url, conversation)).lastSeq;
      await streamB.waitFor((e) => 'seq' in e && e.seq === lastSeq);
      streamA.close();
      streamB.close();
      const seen = streamA.durable();
      assert.deepEqual(
        seen.map((e) => e.seq),
        Array.from({ length: lastSeq }, (_, i) => i + 1),
      );
      assert.deepEqual(streamB.durable(), seen);
      const texts = seen
        .filter((e) => e.type === 'message.completed')
        .map((e) => (e.data as MessageCompletedData).text);
      assert.deepEqual(texts, [
        'You said: first question',
        'You said: second question here',
        'You said: third',
      ]);
    });

    it('cancels on A a turn that runs on B: the answer ends as cancelled and B writes nothing after', async () => {
      const conversation = await createConversation(a.url);
      const stream = await openStream(a.url, conversation);
      const words = Array.from({ length: 60 }, (_, i) => `w${i}`).join(' ');
      const sent = await send(b.url, conversation, words);
      await stream.waitFor((e) => e.type === 'message.delta' && e.data.index === 2);
      const res = await call(
        a.url,
        'POST',
        `/v1/conversations/${conversation.id}/turns/${sent.turnId}/cancel`,
        {
          token: conversation.token,
          body: {},
        },
      );
      assert.deepEqual([res.status, res.body], [200, { turnId: sent.turnId, result: 'cancelled' }]);
      const completed = await stream.waitFor((e) => e.type === 'message.completed');
      await new Promise((r) => setTimeout(r, 300));
      stream.close();
      const data = completed.data as MessageCompletedData;
      assert.equal(data.finishReason, 'cancelled');
      const durable = stream.durable();
      assert.equal(durable.at(-1), completed, 'nothing durable after the cancelled completion');
      const deltas = durable.filter((e) => e.type === 'message.delta');
      assert.equal(data.text, deltas.map((e) => (e.data as { text: string }).text).join(''));
      const h = await history(b.url, conversation);
      assert.equal(h.lastSeq, (completed as DurableEvent).seq);
      assert.equal(h.messages[1]!.status, 'complete');
    });
  });
});
