import { randomUUID } from 'node:crypto';
import type {
  DurableEvent,
  EphemeralEvent,
  EventDataMap,
  HandoffSnapshot,
  Message,
} from '@baton-chat/protocol';
import { projectMessage } from '@baton-chat/protocol';
import { BatonError } from '../errors.js';
import { LiveFanout } from './fanout.js';
import { migrate } from './migrations.js';
import type { SqlClient, SqlExecutor } from './sql-client.js';
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

/** Options of {@link createSqlStore}. */
export interface SqlStoreOptions {
  /** Keep at most this many events per conversation (0 = unlimited, the default). */
  retentionEvents?: number;
  /** The NOTIFY channel shared by the instances of one deployment. Default `baton_events`. */
  channel?: string;
}

type Row = Record<string, unknown>;
type EphemeralInput = Omit<EphemeralEvent, 'conversationId' | 'ts'> & { ts?: string };

const IN_FLIGHT_STALE_MS = 60_000;
const TURN_EVENTS: ReadonlySet<string> = new Set(['message.started', 'message.delta', 'message.completed']);

function toConversation(row: Row): ConversationRecord {
  const profile = (row.user_profile ?? {}) as Omit<ConversationRecord['user'], 'id' | 'verified'>;
  return {
    id: row.id as string,
    tokenHash: row.token_hash as string,
    status: row.status as ConversationRecord['status'],
    control: row.control as ConversationRecord['control'],
    controlVersion: Number(row.control_version),
    lastSeq: Number(row.last_seq),
    oldestSeq: Number(row.oldest_seq),
    handoffId: (row.handoff_id as string | null) ?? null,
    user: { id: (row.user_id as string | null) ?? null, verified: Boolean(row.user_verified), ...profile },
    ...(row.locale != null && { locale: row.locale as string }),
    ...(row.session != null && { session: row.session as ConversationRecord['session'] }),
    ...(row.metadata != null && { metadata: row.metadata as Record<string, unknown> }),
    createdAt: row.created_at as string,
  };
}

function toEvent(row: Row): DurableEvent {
  return {
    type: row.type,
    seq: Number(row.seq),
    conversationId: row.conversation_id,
    ts: row.ts,
    data: row.data,
  } as DurableEvent;
}

function toTurn(row: Row): TurnRecord {
  return {
    id: row.id as string,
    conversationId: row.conversation_id as string,
    messageId: row.message_id as string,
    ...(row.reply_to != null && { replyTo: row.reply_to as string }),
    status: row.status as TurnRecord['status'],
    controlVersion: Number(row.control_version),
    updatedAtMs: Number(row.updated_at_ms),
  };
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

  function stamp(conversationId: string, event: EphemeralInput): EphemeralEvent {
    return { ...event, conversationId, ts: event.ts ?? new Date().toISOString() } as EphemeralEvent;
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

  async function readWaiting(sql: SqlExecutor): Promise<WaitingHandoff[]> {
    const rows = await sql.query<Row>(
      `SELECT * FROM handoffs WHERE state IN ('requested', 'queued') ORDER BY priority DESC, waiting_since_ms ASC, id ASC`,
    );
    return rows.map((r) => ({
      conversationId: r.conversation_id as string,
      snapshot: r.snapshot as HandoffSnapshot,
      ...(r.skill != null && { skill: r.skill as string }),
      ...(r.language != null && { language: r.language as string }),
      priority: Number(r.priority),
      waitingSinceMs: Number(r.waiting_since_ms),
    }));
  }

  class Tx implements ConversationTx {
    conversation: ConversationRecord;
    readonly appended: DurableEvent[] = [];
    readonly ephemeral: EphemeralEvent[] = [];
    readonly #sql: SqlExecutor;
    /** Messages this transaction wrote, so reading one back (the send route does) costs no query. */
    readonly #written = new Map<string, Message>();

    constructor(sql: SqlExecutor, conversation: ConversationRecord) {
      this.#sql = sql;
      this.conversation = conversation;
    }

    async append(input: readonly NewEvent[]): Promise<DurableEvent[]> {
      if (input.length === 0) return [];
      const id = this.conversation.id;
      const [row] = await this.#sql.query<Row>(
        'UPDATE conversations SET last_seq = last_seq + $2 WHERE id = $1 RETURNING last_seq',
        [id, input.length],
      );
      const last = Number(row!.last_seq);
      const first = last - input.length + 1;
      const now = new Date().toISOString();
      const events = input.map(
        (e, i) =>
          ({
            type: e.type,
            seq: first + i,
            conversationId: id,
            ts: e.ts ?? now,
            data: e.data,
          }) as DurableEvent,
      );
      const values: unknown[] = [];
      const tuples = events.map((e, i) => {
        values.push(id, e.seq, e.type, e.ts, JSON.stringify(e.data));
        const b = i * 5;
        return `($${b + 1}, $${b + 2}, $${b + 3}, $${b + 4}, $${b + 5}::jsonb)`;
      });
      await this.#sql.query(
        `INSERT INTO events (conversation_id, seq, type, ts, data) VALUES ${tuples.join(', ')}`,
        values,
      );
      this.conversation = { ...this.conversation, lastSeq: last };
      await this.#project(events);
      if (retention > 0 && last - retention + 1 > this.conversation.oldestSeq) {
        const oldest = last - retention + 1;
        await this.#sql.query('DELETE FROM events WHERE conversation_id = $1 AND seq < $2', [id, oldest]);
        await this.#sql.query('UPDATE conversations SET oldest_seq = $2 WHERE id = $1', [id, oldest]);
        this.conversation = { ...this.conversation, oldestSeq: oldest };
      }
      this.appended.push(...events);
      return events;
    }

    async #project(events: readonly DurableEvent[]): Promise<void> {
      const id = this.conversation.id;
      const dirty = new Map<string, Message>();
      const load = async (messageId: string) =>
        dirty.get(messageId) ?? (await this.getMessage(messageId)) ?? undefined;
      for (const event of events) {
        switch (event.type) {
          case 'message.created': {
            const message = projectMessage(undefined, event)!;
            await this.#sql.query(
              'INSERT INTO messages (conversation_id, id, seq, role, status, body) VALUES ($1, $2, $3, $4, $5, $6::jsonb)',
              [id, message.id, event.seq, message.role, 'complete', JSON.stringify(message)],
            );
            this.#written.set(message.id, message);
            break;
          }
          case 'message.started': {
            const message = projectMessage(undefined, event)!;
            await this.#sql.query(
              'INSERT INTO messages (conversation_id, id, seq, role, status, body) VALUES ($1, $2, $3, $4, $5, $6::jsonb)',
              [id, message.id, event.seq, 'bot', 'streaming', JSON.stringify(message)],
            );
            this.#written.set(message.id, message);
            await this.#sql.query(
              `UPDATE turns SET status = 'streaming', updated_at_ms = $3 WHERE conversation_id = $1 AND id = $2`,
              [id, event.data.turnId, Date.now()],
            );
            break;
          }
          case 'message.delta':
          case 'message.completed':
          case 'message.updated':
          case 'message.retracted': {
            const message = await load(event.data.id);
            if (message) dirty.set(message.id, projectMessage(message, event)!);
            if (event.type === 'message.completed') {
              await this.#sql.query(
                `UPDATE turns SET status = 'finished', updated_at_ms = $3 WHERE conversation_id = $1 AND message_id = $2`,
                [id, event.data.id, Date.now()],
              );
            }
            break;
          }
          case 'handoff.updated': {
            const snapshot = event.data;
            await this.#sql.query(
              `INSERT INTO handoffs (conversation_id, id, state, snapshot, waiting_since_ms)
               VALUES ($1, $2, $3, $4::jsonb, $5)
               ON CONFLICT (conversation_id, id) DO UPDATE SET state = EXCLUDED.state, snapshot = EXCLUDED.snapshot`,
              [
                id,
                snapshot.id,
                snapshot.state,
                JSON.stringify(snapshot),
                Date.parse(snapshot.createdAt) || Date.now(),
              ],
            );
            await this.#sql.query('UPDATE conversations SET handoff_id = $2 WHERE id = $1', [
              id,
              snapshot.id,
            ]);
            this.conversation = { ...this.conversation, handoffId: snapshot.id };
            break;
          }
          case 'conversation.updated': {
            const { status, control, controlVersion } = event.data;
            await this.#sql.query(
              'UPDATE conversations SET status = $2, control = $3, control_version = $4 WHERE id = $1',
              [id, status, control, controlVersion],
            );
            this.conversation = { ...this.conversation, status, control, controlVersion };
            break;
          }
          default:
            break;
        }
      }
      for (const message of dirty.values()) {
        await this.#sql.query(
          'UPDATE messages SET status = $3, body = $4::jsonb WHERE conversation_id = $1 AND id = $2',
          [id, message.id, message.status, JSON.stringify(message)],
        );
        this.#written.set(message.id, message);
      }
    }

    emit(event: EphemeralInput): void {
      this.ephemeral.push(stamp(this.conversation.id, event));
    }

    async getMessage(messageId: string): Promise<Message | null> {
      const written = this.#written.get(messageId);
      if (written) return structuredClone(written);
      const [row] = await this.#sql.query<Row>(
        'SELECT body FROM messages WHERE conversation_id = $1 AND id = $2',
        [this.conversation.id, messageId],
      );
      return row ? (row.body as Message) : null;
    }

    async getHandoff(handoffId: string): Promise<HandoffSnapshot | null> {
      const [row] = await this.#sql.query<Row>(
        'SELECT snapshot FROM handoffs WHERE conversation_id = $1 AND id = $2',
        [this.conversation.id, handoffId],
      );
      return row ? (row.snapshot as HandoffSnapshot) : null;
    }

    currentHandoff(): Promise<HandoffSnapshot | null> {
      return this.conversation.handoffId
        ? this.getHandoff(this.conversation.handoffId)
        : Promise.resolve(null);
    }

    async getTurn(turnId: string): Promise<TurnRecord | null> {
      const [row] = await this.#sql.query<Row>('SELECT * FROM turns WHERE conversation_id = $1 AND id = $2', [
        this.conversation.id,
        turnId,
      ]);
      return row ? toTurn(row) : null;
    }

    async activeTurn(): Promise<TurnRecord | null> {
      const [row] = await this.#sql.query<Row>(
        `SELECT * FROM turns WHERE conversation_id = $1 AND status <> 'finished' ORDER BY updated_at_ms DESC LIMIT 1`,
        [this.conversation.id],
      );
      return row ? toTurn(row) : null;
    }

    async insertTurn(turn: Omit<TurnRecord, 'conversationId' | 'updatedAtMs'>): Promise<void> {
      await this.#sql.query(
        `INSERT INTO turns (conversation_id, id, message_id, reply_to, status, control_version, updated_at_ms)
         VALUES ($1, $2, $3, $4, $5, $6, $7)`,
        [
          this.conversation.id,
          turn.id,
          turn.messageId,
          turn.replyTo ?? null,
          turn.status,
          turn.controlVersion,
          Date.now(),
        ],
      );
    }

    async setTurnStatus(turnId: string, status: TurnRecord['status']): Promise<void> {
      await this.#sql.query(
        'UPDATE turns SET status = $3, updated_at_ms = $4 WHERE conversation_id = $1 AND id = $2',
        [this.conversation.id, turnId, status, Date.now()],
      );
    }

    async completeIdempotency(key: string, status: number, response: unknown, ttlMs: number): Promise<void> {
      await this.#sql.query(
        `UPDATE idempotency_keys SET state = 'done', status = $3, response = $4::jsonb, expires_at_ms = $5
         WHERE conversation_id = $1 AND key = $2`,
        [this.conversation.id, key, status, JSON.stringify(response), Date.now() + ttlMs],
      );
    }

    async receipt(by: 'user' | 'agent', kind: 'read' | 'delivered'): Promise<number> {
      const [row] = await this.#sql.query<Row>(
        'SELECT up_to_seq FROM receipts WHERE conversation_id = $1 AND by_role = $2 AND kind = $3',
        [this.conversation.id, by, kind],
      );
      return row ? Number(row.up_to_seq) : 0;
    }

    async setReceipt(by: 'user' | 'agent', kind: 'read' | 'delivered', upToSeq: number): Promise<void> {
      await this.#sql.query(
        `INSERT INTO receipts (conversation_id, by_role, kind, up_to_seq) VALUES ($1, $2, $3, $4)
         ON CONFLICT (conversation_id, by_role, kind) DO UPDATE SET up_to_seq = EXCLUDED.up_to_seq`,
        [this.conversation.id, by, kind, upToSeq],
      );
    }

    async insertFeedback(data: EventDataMap['feedback.recorded'], afterClose: boolean): Promise<void> {
      await this.#sql.query(
        'INSERT INTO feedback (conversation_id, id, data, after_close, created_at) VALUES ($1, $2, $3::jsonb, $4, $5)',
        [this.conversation.id, data.id, JSON.stringify(data), afterClose, new Date().toISOString()],
      );
    }

    waitingHandoffs(): Promise<WaitingHandoff[]> {
      return readWaiting(this.#sql);
    }

    async setUser(user: ConversationRecord['user']): Promise<void> {
      const { id: userId, verified, ...profile } = user;
      await this.#sql.query(
        'UPDATE conversations SET user_id = $2, user_verified = $3, user_profile = $4::jsonb WHERE id = $1',
        [this.conversation.id, userId, verified, JSON.stringify(profile)],
      );
      this.conversation = { ...this.conversation, user };
    }

    async setHandoffRouting(
      handoffId: string,
      routing: { skill?: string; language?: string; priority?: number },
    ): Promise<void> {
      await this.#sql.query(
        'UPDATE handoffs SET skill = $3, language = $4, priority = $5 WHERE conversation_id = $1 AND id = $2',
        [
          this.conversation.id,
          handoffId,
          routing.skill ?? null,
          routing.language ?? null,
          routing.priority ?? 0,
        ],
      );
    }
  }

  async function withConversation<T>(id: string, fn: (tx: ConversationTx) => Promise<T>): Promise<T> {
    let done: Tx | undefined;
    const value = await client.transaction(async (sql) => {
      const [row] = await sql.query<Row>('SELECT * FROM conversations WHERE id = $1 FOR UPDATE', [id]);
      if (!row) throw new BatonError('not-found', `No conversation ${id}.`);
      const tx = new Tx(sql, toConversation(row));
      const result = await fn(tx);
      if (postgres && tx.appended.length > 0) {
        // Delivered at commit, in commit order, to every instance (this one ignores its own).
        await sql.query('SELECT pg_notify($1, $2)', [
          channel,
          JSON.stringify({ i: instanceId, c: id, f: tx.appended[0]!.seq, t: tx.appended.at(-1)!.seq }),
        ]);
      }
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

    append(conversationId: string, events: readonly NewEvent[]): Promise<DurableEvent[]> {
      return withConversation(conversationId, (tx) => tx.append(events));
    },

    appendTurns,

    async recentMessages(conversationId: string, beforeSeq: number, limit: number): Promise<Message[]> {
      const rows = await client.query<Row>(
        'SELECT body FROM messages WHERE conversation_id = $1 AND seq < $2 ORDER BY seq DESC LIMIT $3',
        [conversationId, beforeSeq, limit],
        { priority: 'high' },
      );
      return rows.map((r) => r.body as Message).reverse();
    },

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
          rows = await sql.query<Row>(
            'SELECT body FROM messages WHERE conversation_id = $1 AND seq < $2 ORDER BY seq DESC LIMIT $3',
            [conversationId, before ?? Number.MAX_SAFE_INTEGER, limit + 1],
          );
        }
        const hasMore = rows.length > limit;
        const page = rows.slice(0, limit).map((r) => r.body as Message);
        if (after === undefined) page.reverse();
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
