import { randomUUID } from 'node:crypto';
import type { DurableEvent, EphemeralEvent, HandoffSnapshot, Message } from '@baton-chat/protocol';
import { BatonError } from '../errors.js';
import { LiveFanout } from './fanout.js';
import { migrate } from './migrations.js';
import { CONVERSATION_BODIES } from './procedures.js';
import type { SqlClient } from './sql-client.js';
import {
  MESSAGES_BEFORE,
  readWaiting,
  SqlTx,
  stamp,
  toConversation,
  toEvent,
  toTurn,
  type EphemeralInput,
  type Row,
  withStreamedText,
} from './sql-tx.js';
import type {
  ConversationRecord,
  ConversationTx,
  EventListener,
  HistoryPage,
  IdempotencyClaim,
  NewConversation,
  NewEvent,
  Store,
  TurnAppend,
  TurnRecord,
  WaitingHandoff,
} from './store.js';

const IN_FLIGHT_STALE_MS = 60_000;
const TURN_EVENTS: ReadonlySet<string> = new Set(['message.started', 'message.delta', 'message.completed']);

/** Options of {@link createSqlStore}. */
export interface SqlStoreOptions {
  /** Keep at most this many events per conversation (0 = unlimited, the default). */
  retentionEvents?: number;
  /** The NOTIFY channel shared by the instances of one deployment. Default `baton_events`. */
  channel?: string;
}

function json(value: unknown): string | null {
  return value === undefined ? null : JSON.stringify(value);
}

/**
 * Creates the {@link Store} over a {@link SqlClient}: runs the migrations, then serves every query
 * with the same SQL on PGlite and PostgreSQL. On PostgreSQL it LISTENs so that events committed by
 * other instances reach this instance's subscribers.
 */
export async function createSqlStore(client: SqlClient, options: SqlStoreOptions = {}): Promise<Store> {
  await migrate(client);
  const retention = options.retentionEvents ?? 0;
  const channel = options.channel ?? 'baton_events';
  const instanceId = randomUUID();
  const postgres = client.dialect === 'postgres';

  const readRange = async (conversationId: string, from: number, to: number) =>
    (
      await client.query<Row>(
        'SELECT * FROM events WHERE conversation_id = $1 AND seq >= $2 AND seq <= $3 ORDER BY seq',
        [conversationId, from, to],
      )
    ).map(toEvent);
  const fanout = new LiveFanout(readRange);

  let unlisten: (() => Promise<void>) | undefined;
  if (postgres && client.listen) {
    unlisten = await client.listen(channel, (payload) => {
      let note: { i?: string; c?: string; f?: number; t?: number; e?: EphemeralEvent };
      try {
        note = JSON.parse(payload) as typeof note;
      } catch {
        return;
      }
      if (note.i === instanceId || typeof note.c !== 'string') return;
      if (note.e) fanout.ephemeral(note.e);
      else if (typeof note.f === 'number' && typeof note.t === 'number')
        fanout.committed(note.c, note.f, note.t);
    });
  }

  async function publishEphemeral(event: EphemeralEvent): Promise<void> {
    fanout.ephemeral(event);
    if (postgres) {
      await client.query('SELECT pg_notify($1, $2)', [
        channel,
        JSON.stringify({ i: instanceId, c: event.conversationId, e: event }),
      ]);
    }
  }

  async function withConversation<T>(id: string, fn: (tx: ConversationTx) => Promise<T>): Promise<T> {
    let done: SqlTx | undefined;
    const value = await client.transaction(async (sql) => {
      const [row] = await sql.query<Row>('SELECT * FROM conversations WHERE id = $1 FOR UPDATE', [id]);
      if (!row) throw new BatonError('not-found', `No conversation ${id}.`);
      const tx = new SqlTx(
        sql,
        toConversation(row),
        retention,
        postgres ? { channel, instanceId } : undefined,
      );
      const result = await fn(tx);
      done = tx;
      return result;
    });
    if (done) {
      if (done.appended.length > 0) {
        fanout.committed(id, done.appended[0]!.seq, done.appended.at(-1)!.seq, done.appended);
      }
      for (const event of done.ephemeral) await publishEphemeral(event);
    }
    return value;
  }

  const inConversation: Store['inConversation'] = async (name, id, input) => {
    if (postgres) {
      const body = CONVERSATION_BODIES[name] as (tx: ConversationTx, input: unknown) => Promise<never>;
      return withConversation(id, (tx) => body(tx, input));
    }
    const done = await client.procedure('inConversation', { conversationId: id, retention, name, input });
    if (!done) throw new BatonError('not-found', `No conversation ${id}.`);
    const { appended } = done;
    if (appended.length > 0) fanout.committed(id, appended[0]!.seq, appended.at(-1)!.seq, appended);
    for (const event of done.ephemeral) await publishEphemeral(event);
    return done.value as never;
  };

  async function appendTurns(writes: readonly TurnAppend[]): Promise<(DurableEvent[] | null)[]> {
    if (writes.length === 0) return [];
    const key = (conversationId: string, id: string) => `${conversationId} ${id}`;
    const turnKeys = new Set<string>();
    for (const write of writes) {
      const k = key(write.conversationId, write.turnId);
      if (turnKeys.has(k)) throw new TypeError(`appendTurns got two writes for turn ${write.turnId}.`);
      turnKeys.add(k);
      for (const event of write.events) {
        if (!TURN_EVENTS.has(event.type)) throw new TypeError(`appendTurns cannot append ${event.type}.`);
      }
    }
    const { results, appended: touched } = await client.procedure(
      'appendTurns',
      { writes, retention, ...(postgres && { notify: { channel, instanceId } }) },
      { priority: 'high' },
    );
    for (const c of touched) fanout.committed(c.id, c.events[0]!.seq, c.events.at(-1)!.seq, c.events);
    for (const [i, write] of writes.entries()) {
      if (!results[i] || !write.ephemeral) continue;
      for (const event of write.ephemeral) await publishEphemeral(stamp(write.conversationId, event));
    }
    return results;
  }

  const store: Store = {
    dialect: client.dialect,

    async createConversation(input: NewConversation): Promise<ConversationRecord> {
      const { id: userId, verified, ...profile } = input.user;
      await client.query(
        `INSERT INTO conversations (id, token_hash, user_id, user_verified, user_profile, locale, session, metadata, created_at)
         VALUES ($1, $2, $3, $4, $5::jsonb, $6, $7::jsonb, $8::jsonb, $9)`,
        [
          input.id,
          input.tokenHash,
          userId,
          verified,
          JSON.stringify(profile),
          input.locale ?? null,
          json(input.session),
          json(input.metadata),
          input.createdAt,
        ],
      );
      return (await store.getConversation(input.id))!;
    },

    async getConversation(id: string): Promise<ConversationRecord | null> {
      const [row] = await client.query<Row>('SELECT * FROM conversations WHERE id = $1', [id]);
      return row ? toConversation(row) : null;
    },

    withConversation,
    inConversation,

    append(conversationId: string, events: readonly NewEvent[]): Promise<DurableEvent[]> {
      return withConversation(conversationId, (tx) => tx.append(events));
    },

    appendTurns,

    async readEvents(conversationId: string, afterSeq: number, limit?: number): Promise<DurableEvent[]> {
      const rows = await client.query<Row>(
        `SELECT * FROM events WHERE conversation_id = $1 AND seq > $2 ORDER BY seq${limit ? ' LIMIT $3' : ''}`,
        limit ? [conversationId, afterSeq, limit] : [conversationId, afterSeq],
      );
      return rows.map(toEvent);
    },

    async history(conversationId, { after, before, limit }): Promise<HistoryPage> {
      return client.transaction(async (sql) => {
        // FOR SHARE waits for an append in progress, so the messages read next match last_seq exactly.
        const [row] = await sql.query<Row>('SELECT * FROM conversations WHERE id = $1 FOR SHARE', [
          conversationId,
        ]);
        if (!row) throw new BatonError('not-found', `No conversation ${conversationId}.`);
        const conversation = toConversation(row);
        let rows: Row[];
        if (after !== undefined) {
          rows = await sql.query<Row>(
            'SELECT body FROM messages WHERE conversation_id = $1 AND seq > $2 ORDER BY seq ASC LIMIT $3',
            [conversationId, after, limit + 1],
          );
        } else {
          rows = await sql.query<Row>(MESSAGES_BEFORE, [
            conversationId,
            before ?? Number.MAX_SAFE_INTEGER,
            limit + 1,
          ]);
        }
        const hasMore = rows.length > limit;
        let page = rows.slice(0, limit).map((r) => r.body as Message);
        if (after === undefined) page.reverse();
        page = await withStreamedText(sql, conversationId, page);
        let handoff: HandoffSnapshot | null = null;
        if (conversation.handoffId) {
          const [h] = await sql.query<Row>(
            'SELECT snapshot FROM handoffs WHERE conversation_id = $1 AND id = $2',
            [conversationId, conversation.handoffId],
          );
          handoff = (h?.snapshot as HandoffSnapshot | undefined) ?? null;
        }
        return { conversation, handoff, messages: page, hasMore };
      });
    },

    async getHandoff(conversationId: string, handoffId: string): Promise<HandoffSnapshot | null> {
      const [row] = await client.query<Row>(
        'SELECT snapshot FROM handoffs WHERE conversation_id = $1 AND id = $2',
        [conversationId, handoffId],
      );
      return row ? (row.snapshot as HandoffSnapshot) : null;
    },

    waitingHandoffs(): Promise<WaitingHandoff[]> {
      return readWaiting(client);
    },

    async staleTurns(olderThanMs: number): Promise<TurnRecord[]> {
      const rows = await client.query<Row>(
        `SELECT * FROM turns WHERE status <> 'finished' AND updated_at_ms < $1`,
        [Date.now() - olderThanMs],
      );
      return rows.map(toTurn);
    },

    async claimIdempotency(
      conversationId,
      key,
      bodyHash,
      staleAfterMs = IN_FLIGHT_STALE_MS,
    ): Promise<IdempotencyClaim> {
      for (let attempt = 0; attempt < 3; attempt++) {
        const now = Date.now();
        const inserted = await client.query<Row>(
          `INSERT INTO idempotency_keys (conversation_id, key, body_hash, state, created_at_ms, expires_at_ms)
           VALUES ($1, $2, $3, 'in_flight', $4, $5) ON CONFLICT (conversation_id, key) DO NOTHING RETURNING key`,
          [conversationId, key, bodyHash, now, now + staleAfterMs],
        );
        if (inserted.length > 0) return { state: 'claimed' };
        const [row] = await client.query<Row>(
          'SELECT * FROM idempotency_keys WHERE conversation_id = $1 AND key = $2',
          [conversationId, key],
        );
        if (!row) continue;
        const expires = Number(row.expires_at_ms);
        if (row.state === 'done') {
          if (expires <= now) {
            await client.query(
              'DELETE FROM idempotency_keys WHERE conversation_id = $1 AND key = $2 AND expires_at_ms = $3',
              [conversationId, key, expires],
            );
            continue;
          }
          return row.body_hash === bodyHash
            ? { state: 'replay', status: Number(row.status), response: row.response }
            : { state: 'reused' };
        }
        if (expires > now) return { state: 'in-flight' };
        // A claim whose request never finished (a crash): take it over, unless someone else just did.
        const taken = await client.query<Row>(
          `UPDATE idempotency_keys SET body_hash = $3, created_at_ms = $4, expires_at_ms = $5
           WHERE conversation_id = $1 AND key = $2 AND state = 'in_flight' AND expires_at_ms = $6 RETURNING key`,
          [conversationId, key, bodyHash, now, now + staleAfterMs, expires],
        );
        return taken.length > 0 ? { state: 'claimed' } : { state: 'in-flight' };
      }
      return { state: 'in-flight' };
    },

    async releaseIdempotency(conversationId: string, key: string): Promise<void> {
      await client.query(
        `DELETE FROM idempotency_keys WHERE conversation_id = $1 AND key = $2 AND state = 'in_flight'`,
        [conversationId, key],
      );
    },

    async purgeExpiredIdempotency(nowMs = Date.now()): Promise<number> {
      const rows = await client.query<Row>(
        `DELETE FROM idempotency_keys WHERE state = 'done' AND expires_at_ms <= $1 RETURNING key`,
        [nowMs],
      );
      return rows.length;
    },

    async publish(conversationId: string, event: EphemeralInput): Promise<void> {
      await publishEphemeral(stamp(conversationId, event));
    },

    subscribe(conversationId: string, listener: EventListener): () => void {
      return fanout.subscribe(conversationId, listener);
    },

    async close(): Promise<void> {
      await unlisten?.();
      await client.close();
    },
  };
  return store;
}
