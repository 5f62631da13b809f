import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { projectMessage, type BatonEvent, type DurableEvent, type Message } from '@baton-chat/protocol';
import {
  createPgliteClient,
  createSqlStore,
  MIGRATIONS,
  migrate,
  type NewEvent,
  type SqlClient,
  type Store,
} from '@baton-chat/server';

const at = '2026-11-24T09:30:00.000Z';

function userMessage(n: number): NewEvent {
  return {
    type: 'message.created',
    data: {
      id: `msg_${n}`,
      clientMessageId: `k${n}`,
      role: 'user',
      author: { role: 'user' },
      text: `message ${n}`,
      createdAt: at,
    },
  };
}

async function newConversation(store: Store, id = 'cv_test'): Promise<string> {
  await store.createConversation({
    id,
    tokenHash: 'ab'.repeat(32),
    user: { id: null, verified: false },
    createdAt: at,
  });
  return id;
}

describe('the SQL store on PGlite', () => {
  let client: SqlClient;
  let store: Store;

  beforeEach(async () => {
    client = await createPgliteClient('memory://');
    store = await createSqlStore(client);
  });
  afterEach(async () => {
    await store.close();
  });

  it('runs PGlite in its own thread: a long statement leaves timers and sockets running', async () => {
    let ticks = 0;
    const timer = setInterval(() => ticks++, 5);
    const started = performance.now();
    const [row] = await client.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM generate_series(1, 3000000) AS g(i) WHERE i % 7 = 0',
    );
    const elapsed = performance.now() - started;
    clearInterval(timer);
    assert.equal(row!.n, 428571);
    // With the database on this thread the interval could not fire until the statement was done.
    assert.ok(elapsed > 50, `the statement took ${elapsed.toFixed(0)} ms, too short to tell`);
    assert.ok(ticks >= Math.floor(elapsed / 5 / 4), `${ticks} ticks in ${elapsed.toFixed(0)} ms`);
  });

  it('keeps every answer with its statement when transactions, procedures and queries interleave', async () => {
    await client.exec('CREATE TABLE n (k int PRIMARY KEY, v int NOT NULL)');
    const work: Promise<unknown>[] = [];
    for (let i = 0; i < 300; i++) {
      if (i % 3 === 0) {
        work.push(
          client.transaction(async (sql) => {
            await sql.query('INSERT INTO n VALUES ($1, $2)', [i, i * 2]);
            await new Promise((resolve) => setImmediate(resolve));
            const [row] = await sql.query<{ v: number; pad: string }>(
              "SELECT v, repeat('x', 200000) AS pad FROM n WHERE k = $1",
              [i],
            );
            assert.equal(row!.v, i * 2);
            assert.equal(row!.pad.length, 200000);
            return row!.v;
          }),
        );
      } else {
        const priority = i % 3 === 1 ? 'high' : 'normal';
        work.push(
          client
            .query<{ x: number }>('SELECT $1::int + 1 AS x', [i], { priority })
            .then(([row]) => assert.equal(row!.x, i + 1)),
        );
      }
    }
    await Promise.all(work);
    const [count] = await client.query<{ c: number }>('SELECT count(*)::int AS c FROM n');
    assert.equal(count!.c, 100);
  });

  it('reports database errors with their code, rolls back failed transactions, and keeps working', async () => {
    await client.exec('CREATE TABLE t (k int PRIMARY KEY)');
    await client.query('INSERT INTO t VALUES (1)');
    await assert.rejects(client.query('INSERT INTO t VALUES (1)'), (error: Error & { code?: string }) => {
      assert.match(error.message, /duplicate key/);
      assert.equal(error.code, '23505');
      return true;
    });
    await assert.rejects(
      client.transaction(async (sql) => {
        await sql.query('INSERT INTO t VALUES (2)');
        await sql.query('INSERT INTO t VALUES (1)');
      }),
      /duplicate key/,
    );
    await assert.rejects(
      client.transaction(async (sql) => {
        await sql.query('INSERT INTO t VALUES (3)');
        throw new Error('changed my mind');
      }),
      /changed my mind/,
    );
    const value = await client.transaction(async (sql) => {
      await sql.query('INSERT INTO t VALUES (4)');
      return (await sql.query<{ k: number }>('SELECT k FROM t ORDER BY k')).map((r) => r.k);
    });
    assert.deepEqual(value, [1, 4]);
  });

  it('commits nothing of a transaction whose failed statement was caught, and says so', async () => {
    await client.exec('CREATE TABLE t (k int PRIMARY KEY)');
    await client.query('INSERT INTO t VALUES (1)');
    await assert.rejects(
      client.transaction(async (sql) => {
        await sql.query('INSERT INTO t VALUES (5)');
        await sql.query('INSERT INTO t VALUES (1)').catch(() => undefined);
      }),
      /rolled back instead of committed/,
    );
    const rows = await client.query<{ k: number }>('SELECT k FROM t ORDER BY k');
    assert.deepEqual(
      rows.map((r) => r.k),
      [1],
    );
  });

  it('answers every statement right past its cache of prepared statements, which stays bounded', async () => {
    const distinct = (k: number) => `SELECT $1::int + ${k} AS n, $2::jsonb AS j, $3::text[] AS a`;
    const run = async (k: number) => {
      const [row] = await client.query<{ n: number; j: unknown; a: string[] }>(distinct(k), [
        1,
        { k, nested: [k, null, 'x'] },
        ['a "quoted", {braced}', `${k}`],
      ]);
      assert.deepEqual(row, {
        n: k + 1,
        j: { k, nested: [k, null, 'x'] },
        a: ['a "quoted", {braced}', `${k}`],
      });
    };
    for (let k = 0; k < 600; k++) await run(k);
    // The first ones were closed to make room; they are prepared again.
    for (let k = 0; k < 20; k++) await run(k);
    const [count] = await client.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM pg_prepared_statements',
    );
    assert.ok(count!.n <= 501, `${count!.n} statements prepared`);
    assert.ok(count!.n >= 100, `${count!.n} statements prepared: are statements prepared at all?`);
  });

  it('keeps a leading U+FEFF in text values (user id, message text)', async () => {
    const id = '\ufeffuser-with-bom';
    await store.createConversation({
      id: 'cv_bom',
      tokenHash: 'ab'.repeat(32),
      user: { id, verified: false },
      createdAt: at,
    });
    assert.equal((await store.getConversation('cv_bom'))?.user.id, id);
    const [row] = await client.query<{ user_id: string }>('SELECT user_id FROM conversations WHERE id = $1', [
      'cv_bom',
    ]);
    assert.equal(row!.user_id, id);
  });

  it('records migrations once, in schema_migrations', async () => {
    const rows = await client.query<{ version: number }>(
      'SELECT version FROM schema_migrations ORDER BY version',
    );
    assert.deepEqual(
      rows.map((r) => r.version),
      MIGRATIONS.map((m) => m.version),
    );
    assert.equal(await migrate(client), 0);
    // Migration 4: the tables every bot delta writes carry no foreign-key checks (ADR 0019).
    const keys = await client.query<{ t: string }>(
      `SELECT conrelid::regclass::text AS t FROM pg_constraint
       WHERE contype = 'f' AND conrelid::regclass::text IN ('events', 'messages', 'turns')`,
    );
    assert.deepEqual(keys, []);
  });

  it('assigns contiguous seqs to concurrent batch appends, each batch in one block', async () => {
    const id = await newConversation(store);
    const batches = await Promise.all(
      Array.from({ length: 20 }, (_, b) =>
        store.append(id, [userMessage(b * 3), userMessage(b * 3 + 1), userMessage(b * 3 + 2)]),
      ),
    );
    for (const batch of batches) {
      assert.equal(batch.length, 3);
      assert.equal(batch[1]!.seq, batch[0]!.seq + 1);
      assert.equal(batch[2]!.seq, batch[0]!.seq + 2);
    }
    const all = batches
      .flat()
      .map((e) => e.seq)
      .sort((a, b) => a - b);
    assert.deepEqual(
      all,
      Array.from({ length: 60 }, (_, i) => i + 1),
    );
    const stored = await store.readEvents(id, 0);
    assert.deepEqual(
      stored.map((e) => e.seq),
      all,
    );
    assert.equal((await store.getConversation(id))!.lastSeq, 60);
  });

  it('walks an idempotency key through claimed, in-flight, replay, reused, released and expired', async () => {
    const id = await newConversation(store);
    assert.deepEqual(await store.claimIdempotency(id, 'key-1', 'hash-a'), { state: 'claimed' });
    assert.deepEqual(await store.claimIdempotency(id, 'key-1', 'hash-a'), { state: 'in-flight' });
    assert.deepEqual(await store.claimIdempotency(id, 'key-1', 'hash-b'), { state: 'in-flight' });
    await store.withConversation(id, (tx) => tx.completeIdempotency('key-1', 201, { ok: 1 }, 86_400_000));
    assert.deepEqual(await store.claimIdempotency(id, 'key-1', 'hash-a'), {
      state: 'replay',
      status: 201,
      response: { ok: 1 },
    });
    assert.deepEqual(await store.claimIdempotency(id, 'key-1', 'hash-b'), { state: 'reused' });
    // Keys are scoped per conversation.
    const other = await newConversation(store, 'cv_other');
    assert.deepEqual(await store.claimIdempotency(other, 'key-1', 'hash-b'), { state: 'claimed' });
    // A failed request releases its claim; a corrected retry is evaluated afresh.
    assert.deepEqual(await store.claimIdempotency(id, 'key-2', 'hash-a'), { state: 'claimed' });
    await store.releaseIdempotency(id, 'key-2');
    assert.deepEqual(await store.claimIdempotency(id, 'key-2', 'hash-c'), { state: 'claimed' });
    // A claim whose request died is taken over once it is stale.
    assert.deepEqual(await store.claimIdempotency(id, 'key-3', 'hash-a', 1), { state: 'claimed' });
    await new Promise((r) => setTimeout(r, 5));
    assert.deepEqual(await store.claimIdempotency(id, 'key-3', 'hash-a', 1), { state: 'claimed' });
    // An expired key is forgotten and purged.
    await store.withConversation(id, (tx) => tx.completeIdempotency('key-2', 201, { ok: 2 }, 1));
    await new Promise((r) => setTimeout(r, 5));
    assert.equal(await store.purgeExpiredIdempotency(), 1);
    assert.deepEqual(await store.claimIdempotency(id, 'key-2', 'hash-z'), { state: 'claimed' });
  });

  it("opens a turn, stores the send's response and reads the bot's context in one call", async () => {
    const id = await newConversation(store);
    for (let n = 1; n <= 4; n++) await store.append(id, [userMessage(n)]);
    assert.deepEqual(await store.claimIdempotency(id, 'k4', 'hash'), { state: 'claimed' });
    const context = await store.withConversation(id, (tx) =>
      tx.openTurn(
        { id: 'turn_1', messageId: 'bot_1', replyTo: 'msg_4', status: 'pending', controlVersion: 1 },
        {
          context: { beforeSeq: 4, limit: 2 },
          idempotency: { key: 'k4', status: 201, response: { turnId: 'turn_1' }, ttlMs: 60_000 },
        },
      ),
    );
    // The two messages before the question, oldest first.
    assert.deepEqual(
      context.map((m) => m.text),
      ['message 2', 'message 3'],
    );
    assert.deepEqual(await store.claimIdempotency(id, 'k4', 'hash'), {
      state: 'replay',
      status: 201,
      response: { turnId: 'turn_1' },
    });
    const turn = await store.withConversation(id, (tx) => tx.activeTurn());
    assert.equal(turn?.id, 'turn_1');
    assert.equal(turn?.replyTo, 'msg_4');
    // Without context or key it only opens the turn.
    await store.withConversation(id, (tx) => tx.setTurnStatus('turn_1', 'finished'));
    assert.deepEqual(
      await store.withConversation(id, (tx) =>
        tx.openTurn({ id: 'turn_2', messageId: 'bot_2', status: 'pending', controlVersion: 1 }),
      ),
      [],
    );
    assert.equal((await store.withConversation(id, (tx) => tx.activeTurn()))?.id, 'turn_2');
  });

  it('pages history forward, backward and from the end, with hasMore', async () => {
    const id = await newConversation(store);
    await store.append(id, [1, 2, 3, 4, 5].map(userMessage));
    const seqsOf = (page: { messages: { seq: number }[] }) => page.messages.map((m) => m.seq);
    const newest = await store.history(id, { limit: 2 });
    assert.deepEqual([seqsOf(newest), newest.hasMore], [[4, 5], true]);
    const back = await store.history(id, { before: 4, limit: 2 });
    assert.deepEqual([seqsOf(back), back.hasMore], [[2, 3], true]);
    const first = await store.history(id, { before: 2, limit: 2 });
    assert.deepEqual([seqsOf(first), first.hasMore], [[1], false]);
    const forward = await store.history(id, { after: 3, limit: 2 });
    assert.deepEqual([seqsOf(forward), forward.hasMore], [[4, 5], false]);
    const partial = await store.history(id, { after: 0, limit: 4 });
    assert.deepEqual([seqsOf(partial), partial.hasMore], [[1, 2, 3, 4], true]);
    assert.equal(newest.conversation.lastSeq, 5);
  });

  it('projects a streaming bot message: text so far and nextDeltaIndex, then the completed text', async () => {
    const id = await newConversation(store);
    await store.append(id, [
      userMessage(1),
      {
        type: 'message.started',
        data: {
          id: 'msg_bot',
          role: 'bot',
          author: { role: 'bot', id: 'b' },
          turnId: 't1',
          replyTo: 'msg_1',
          createdAt: at,
        },
      },
      { type: 'message.delta', data: { id: 'msg_bot', index: 0, text: 'Hello ' } },
    ]);
    await store.append(id, [{ type: 'message.delta', data: { id: 'msg_bot', index: 1, text: 'there' } }]);
    const mid = (await store.history(id, { limit: 10 })).messages[1]!;
    assert.deepEqual([mid.status, mid.text, mid.nextDeltaIndex, mid.seq], ['streaming', 'Hello there', 2, 2]);
    await store.append(id, [
      {
        type: 'message.completed',
        data: { id: 'msg_bot', text: 'Hello there!', finishReason: 'stop', completedAt: at },
      },
    ]);
    const done = (await store.history(id, { limit: 10 })).messages[1]!;
    assert.deepEqual(
      [done.status, done.text, done.nextDeltaIndex, done.finishReason],
      ['complete', 'Hello there!', undefined, 'stop'],
    );
  });

  it('delivers committed events to subscribers in seq order, once, with ephemeral events in between', async () => {
    const id = await newConversation(store);
    const seen: BatonEvent[] = [];
    const unsubscribe = store.subscribe(id, (e) => seen.push(e));
    await Promise.all([
      store.append(id, [userMessage(1), userMessage(2)]),
      store.append(id, [userMessage(3)]),
    ]);
    await store.publish(id, {
      type: 'typing',
      data: { participant: { role: 'agent', id: 'a1' }, isTyping: true },
    });
    await store.append(id, [userMessage(4)]);
    await new Promise((r) => setTimeout(r, 20));
    unsubscribe();
    await store.append(id, [userMessage(5)]);
    await new Promise((r) => setTimeout(r, 20));
    assert.deepEqual(
      seen.map((e) => ('seq' in e ? (e as DurableEvent).seq : e.type)),
      [1, 2, 3, 'typing', 4],
    );
  });

  it("runs a customer's send whole in the worker: message, turn and idempotent response, heard after commit", async () => {
    const id = await newConversation(store);
    const seen: BatonEvent[] = [];
    const unsubscribe = store.subscribe(id, (e) => seen.push(e));
    const key = '019a0000-0000-7000-8000-000000000001';
    assert.equal((await store.claimIdempotency(id, key, 'h1')).state, 'claimed');
    const input = { key, text: 'Where is my parcel?', priority: 0, idempotencyTtlMs: 60_000 };
    const result = await store.inConversation('recordUserMessage', id, input);
    assert.equal(result.closed, false);
    if (result.closed) return;
    assert.equal(result.message.text, 'Where is my parcel?');
    assert.equal(result.message.clientMessageId, key);
    assert.equal(result.turn?.replyTo, result.message.id);
    assert.equal(result.conversation.lastSeq, 1);
    await new Promise((r) => setTimeout(r, 20));
    unsubscribe();
    assert.deepEqual(
      seen.map((e) => [e.type, (e as DurableEvent).seq]),
      [['message.created', 1]],
    );
    // The stored response is what a retry with the same key gets.
    const replay = await store.claimIdempotency(id, key, 'h1');
    assert.equal(replay.state, 'replay');
    assert.deepEqual(replay.state === 'replay' && replay.response, result.response);
    // A second send ends the first turn (never started: nothing written) and opens its own.
    const second = await store.inConversation('recordUserMessage', id, {
      ...input,
      key: '019a0000-0000-7000-8000-000000000002',
      text: 'Hello?',
    });
    assert.ok(!second.closed && second.turn && second.turn.id !== result.turn!.id);
    assert.equal((await store.getConversation(id))?.lastSeq, 2);
    await assert.rejects(
      store.inConversation('recordUserMessage', 'cv_nope', input),
      /No conversation cv_nope/,
    );
  });

  it('group-commits the deltas of many turns: contiguous seqs per conversation, stale turns refused', async () => {
    const ids = ['cv_a', 'cv_b', 'cv_c', 'cv_d'];
    const seen = new Map<string, BatonEvent[]>();
    for (const [n, id] of ids.entries()) {
      await newConversation(store, id);
      await store.append(id, [userMessage(n)]);
      await store.withConversation(id, (tx) =>
        tx.openTurn({ id: `turn_${id}`, messageId: `bot_${id}`, status: 'pending', controlVersion: 1 }),
      );
      const events: BatonEvent[] = [];
      seen.set(id, events);
      store.subscribe(id, (e) => events.push(e));
    }
    const started = (id: string): NewEvent => ({
      type: 'message.started',
      data: {
        id: `bot_${id}`,
        role: 'bot',
        author: { role: 'bot', id: 'b' },
        turnId: `turn_${id}`,
        createdAt: at,
      },
    });
    const delta = (id: string, index: number, text: string): NewEvent => ({
      type: 'message.delta',
      data: { id: `bot_${id}`, index, text },
    });
    // What each turn's deltas add up to, as the bot runner tracks it.
    const streamed = new Map<string, string>();
    const write = (id: string, events: NewEvent[]) => {
      for (const e of events) {
        if (e.type === 'message.delta') streamed.set(id, (streamed.get(id) ?? '') + e.data.text);
      }
      return {
        conversationId: id,
        turnId: `turn_${id}`,
        controlVersion: 1,
        events,
        streamed: streamed.get(id) ?? '',
      };
    };

    const first = await store.appendTurns(ids.map((id) => write(id, [started(id), delta(id, 0, 'Hello ')])));
    assert.deepEqual(
      first.map((events) => events?.map((e) => e.seq)),
      ids.map(() => [2, 3]),
    );
    // Meanwhile a person takes over cv_b, cv_c's turn is cancelled and a user message lands in cv_d.
    await store.append('cv_b', [
      { type: 'conversation.updated', data: { status: 'open', control: 'human', controlVersion: 2 } },
    ]);
    await store.append('cv_c', [
      {
        type: 'message.completed',
        data: { id: 'bot_cv_c', text: 'Hello ', finishReason: 'cancelled', completedAt: at },
      },
    ]);
    const [second] = await Promise.all([
      store.appendTurns(
        ids.map((id) =>
          write(id, [
            delta(id, 1, 'world'),
            ...(id === 'cv_a'
              ? [
                  {
                    type: 'message.completed',
                    data: { id: 'bot_cv_a', text: 'Hello world', finishReason: 'stop', completedAt: at },
                  } as NewEvent,
                ]
              : []),
          ]),
        ),
      ),
      store.append('cv_d', [userMessage(9)]),
    ]);
    assert.deepEqual(
      second.map((events) => (events ? events.map((e) => e.type) : null)),
      [['message.delta', 'message.completed'], null, null, ['message.delta']],
    );
    await new Promise((r) => setTimeout(r, 20));

    for (const id of ids) {
      const stored = await store.readEvents(id, 0);
      const seqs = stored.map((e) => e.seq);
      assert.deepEqual(
        seqs,
        Array.from({ length: seqs.length }, (_, i) => i + 1),
        `${id} seqs are contiguous`,
      );
      // Listeners got exactly the durable events, in order, once.
      const live = seen.get(id)!.map((e) => (e as DurableEvent).seq);
      assert.deepEqual(live, seqs.slice(1), `${id} live events`);
      const deltas = stored
        .filter((e) => e.type === 'message.delta')
        .map((e) => (e.data as { text: string }).text);
      assert.deepEqual(
        deltas,
        id === 'cv_b' || id === 'cv_c' ? ['Hello '] : ['Hello ', 'world'],
        `${id} deltas`,
      );
    }
    const history = async (id: string) => (await store.history(id, { limit: 10 })).messages;
    const a = (await history('cv_a')).find((m) => m.id === 'bot_cv_a')!;
    assert.deepEqual([a.status, a.text], ['complete', 'Hello world']);
    const d = (await history('cv_d')).find((m) => m.id === 'bot_cv_d')!;
    assert.deepEqual([d.status, d.text, d.nextDeltaIndex], ['streaming', 'Hello world', 2]);
    // The stored projection is what projectMessage makes of the log (deltas are applied in SQL).
    let replayed: Message | undefined;
    for (const e of await store.readEvents('cv_d', 0)) {
      if ('id' in e.data && e.data.id === 'bot_cv_d') replayed = projectMessage(replayed, e);
    }
    assert.deepEqual(d, replayed);
    const b = (await history('cv_b')).find((m) => m.id === 'bot_cv_b')!;
    assert.deepEqual([b.status, b.text], ['streaming', 'Hello ']);
    const turns = await store.withConversation('cv_a', async (tx) => [
      (await tx.getTurn('turn_cv_a'))?.status,
      await tx.activeTurn(),
    ]);
    assert.deepEqual(turns, ['finished', null]);
    // A finished turn takes no more writes, and an unknown conversation is refused, not an error.
    assert.deepEqual(
      await store.appendTurns([
        write('cv_a', [delta('cv_a', 2, '!')]),
        write('cv_none', [delta('cv_none', 0, 'x')]),
      ]),
      [null, null],
    );
    assert.equal((await store.getConversation('cv_a'))!.lastSeq, 5);
  });

  it("reads a streaming answer's exact text while its stored body lags, and keeps it when the log is trimmed", async () => {
    const retained = await createSqlStore(client, { retentionEvents: 10 });
    const id = await newConversation(retained, 'cv_lag');
    await retained.append(id, [userMessage(1)]);
    await retained.withConversation(id, (tx) =>
      tx.openTurn({ id: 'turn_lag', messageId: 'bot_lag', status: 'pending', controlVersion: 1 }),
    );
    const words = [
      'Your ',
      'parcel ',
      'left ',
      'the ',
      'warehouse ',
      'this ',
      'morning ',
      'and ',
      'arrives ',
    ];
    let text = '';
    const write = (events: NewEvent[]) => ({
      conversationId: id,
      turnId: 'turn_lag',
      controlVersion: 1,
      events,
      streamed: text,
    });
    const delta = (index: number): NewEvent => {
      text += words[index];
      return { type: 'message.delta', data: { id: 'bot_lag', index, text: words[index]! } };
    };
    const started: NewEvent = {
      type: 'message.started',
      data: {
        id: 'bot_lag',
        role: 'bot',
        author: { role: 'bot', id: 'b' },
        turnId: 'turn_lag',
        createdAt: at,
      },
    };
    // One commit per word, well within a second: the stored body keeps the first word only.
    const firstEvents = [started, delta(0)];
    await retained.appendTurns([write(firstEvents)]);
    for (let i = 1; i < 8; i++) {
      const events = [delta(i)];
      assert.ok((await retained.appendTurns([write(events)]))[0], `word ${i} accepted`);
    }
    const [raw] = await client.query<{ body: Message }>(
      `SELECT body FROM messages WHERE conversation_id = $1 AND id = 'bot_lag'`,
      [id],
    );
    assert.equal(raw!.body.text, 'Your ', 'the body is refreshed about once a second, not per commit');
    const streaming = async () =>
      (await retained.history(id, { limit: 10 })).messages.find((m) => m.id === 'bot_lag')!;
    let m = await streaming();
    assert.deepEqual([m.status, m.text, m.nextDeltaIndex], ['streaming', text, 8]);
    assert.equal((await retained.withConversation(id, (tx) => tx.getMessage('bot_lag')))?.text, text);
    // Customer messages push the log past retentionEvents: the first words' deltas are trimmed, and
    // their text was written into the body first.
    await retained.append(id, [2, 3, 4, 5].map(userMessage));
    const c = (await retained.getConversation(id))!;
    assert.ok(c.oldestSeq > 4, `the deltas of the first words are gone (oldestSeq ${c.oldestSeq})`);
    m = await streaming();
    assert.deepEqual([m.status, m.text, m.nextDeltaIndex], ['streaming', text, 8]);
    // A group commit that trims the log writes the whole text too.
    await retained.append(id, [6, 7].map(userMessage));
    assert.ok((await retained.appendTurns([write([delta(8)])]))[0]);
    m = await streaming();
    assert.deepEqual([m.text, m.nextDeltaIndex], [text, 9]);
    const [after] = await client.query<{ body: Message }>(
      `SELECT body FROM messages WHERE conversation_id = $1 AND id = 'bot_lag'`,
      [id],
    );
    assert.equal(after!.body.text, text);
  });

  it('keeps only the newest retentionEvents events and raises oldestSeq', async () => {
    const retained = await createSqlStore(await createPgliteClient('memory://'), { retentionEvents: 3 });
    try {
      const id = await newConversation(retained);
      await retained.append(id, [1, 2, 3, 4, 5].map(userMessage));
      const c = (await retained.getConversation(id))!;
      assert.deepEqual([c.oldestSeq, c.lastSeq], [3, 5]);
      assert.deepEqual(
        (await retained.readEvents(id, 0)).map((e) => e.seq),
        [3, 4, 5],
      );
      // History keeps messages older than oldestSeq.
      assert.equal((await retained.history(id, { limit: 10 })).messages.length, 5);
    } finally {
      await retained.close();
    }
  });
});
