import type {
  DurableEvent,
  EphemeralEvent,
  EventDataMap,
  HandoffSnapshot,
  Message,
} from '@baton-chat/protocol';
import { projectMessage } from '@baton-chat/protocol';
import type { SqlExecutor } from './sql-client.js';
import type {
  ConversationRecord,
  ConversationTx,
  NewEvent,
  OpenTurnAlso,
  TurnRecord,
  WaitingHandoff,
} from './store.js';

export type Row = Record<string, unknown>;
export type EphemeralInput = Omit<EphemeralEvent, 'conversationId' | 'ts'> & { ts?: string };

export function toConversation(row: Row): ConversationRecord {
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

export function toEvent(row: Row): DurableEvent {
  return {
    type: row.type,
    seq: Number(row.seq),
    conversationId: row.conversation_id,
    ts: row.ts,
    data: row.data,
  } as DurableEvent;
}

export function toTurn(row: Row): TurnRecord {
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

/** An ephemeral event of `conversationId`, stamped now unless it carries a time. */
export function stamp(conversationId: string, event: EphemeralInput): EphemeralEvent {
  return { ...event, conversationId, ts: event.ts ?? new Date().toISOString() } as EphemeralEvent;
}

/** Every handoff in `requested` or `queued`, in queue order. */
export async function readWaiting(sql: SqlExecutor): Promise<WaitingHandoff[]> {
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

/** The newest messages of a conversation before a seq, newest first: `$1` id, `$2` before, `$3` limit. */
export const MESSAGES_BEFORE =
  'SELECT body FROM messages WHERE conversation_id = $1 AND seq < $2 ORDER BY seq DESC LIMIT $3';

/**
 * Brings streaming messages read from the messages table up to date. The group commit refreshes a
 * streaming message's stored body about once a second (ADR 0019); the deltas logged since then, those
 * from its `nextDeltaIndex` on, are added here from the event log, in the reader's snapshot, so the
 * text matches the conversation's `last_seq` exactly. Messages not streaming are returned as they are.
 */
export async function withStreamedText(
  sql: SqlExecutor,
  conversationId: string,
  messages: Message[],
): Promise<Message[]> {
  const streaming = messages.filter((m) => m.status === 'streaming');
  if (streaming.length === 0) return messages;
  const rows = await sql.query<Row>(
    `SELECT * FROM events WHERE conversation_id = $1 AND seq > $2 AND type = 'message.delta' ORDER BY seq`,
    [conversationId, Math.min(...streaming.map((m) => m.seq))],
  );
  const current = new Map(streaming.map((m) => [m.id, m]));
  for (const event of rows.map(toEvent)) {
    if (event.type !== 'message.delta') continue;
    const message = current.get(event.data.id);
    if (message && event.data.index === message.nextDeltaIndex) {
      current.set(message.id, projectMessage(message, event)!);
    }
  }
  return messages.map((m) => current.get(m.id) ?? m);
}

/**
 * A conversation's transaction: the row is locked by whoever made it (`SELECT ... FOR UPDATE`), and every
 * write goes through `sql`. Used by the store on the server thread, and by conversation procedures in
 * PGlite's worker thread (procedures.ts).
 */
export class SqlTx implements ConversationTx {
  conversation: ConversationRecord;
  readonly appended: DurableEvent[] = [];
  readonly ephemeral: EphemeralEvent[] = [];
  readonly #sql: SqlExecutor;
  /** Messages this transaction wrote, so reading one back (the send route does) costs no query. */
  readonly #written = new Map<string, Message>();

  readonly #retention: number;
  readonly #notify: { channel: string; instanceId: string } | undefined;

  /**
   * `conversation` is the row as locked by this transaction (`SELECT ... FOR UPDATE`), so its `lastSeq`
   * is exact. `retention`: keep at most this many events (0 = all). `notify` (PostgreSQL): each append
   * NOTIFYs the other instances on this channel, as this instance.
   */
  constructor(
    sql: SqlExecutor,
    conversation: ConversationRecord,
    retention: number,
    notify?: { channel: string; instanceId: string },
  ) {
    this.#sql = sql;
    this.conversation = conversation;
    this.#retention = retention;
    this.#notify = notify;
  }

  async append(input: readonly NewEvent[]): Promise<DurableEvent[]> {
    if (input.length === 0) return [];
    const id = this.conversation.id;
    // Seqs follow the locked row's last_seq; raising it, logging the events and the NOTIFY (delivered at
    // commit, in commit order, to every instance; this one ignores its own) are one statement.
    const first = this.conversation.lastSeq + 1;
    const last = this.conversation.lastSeq + input.length;
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
    // Messages these events open are inserted by the same statement (see #project).
    const opened = events
      .filter((e) => e.type === 'message.created' || e.type === 'message.started')
      .map((e) => projectMessage(undefined, e)!);
    const notify = this.#notify;
    await this.#sql.query(
      `WITH bumped AS (
         UPDATE conversations SET last_seq = $2 WHERE id = $1
       ), logged AS (
         INSERT INTO events (conversation_id, seq, type, ts, data)
         SELECT $1, * FROM unnest($3::bigint[], $4::text[], $5::text[], $6::jsonb[])
       ), opened AS (
         INSERT INTO messages (conversation_id, id, seq, role, status, body)
         SELECT $1, * FROM unnest($9::text[], $10::bigint[], $11::text[], $12::text[], $13::jsonb[])
       )
       SELECT pg_notify($7, $8) WHERE $7 <> ''`,
      [
        id,
        last,
        events.map((e) => e.seq),
        events.map((e) => e.type),
        events.map((e) => e.ts),
        events.map((e) => JSON.stringify(e.data)),
        notify?.channel ?? '',
        notify ? JSON.stringify({ i: notify.instanceId, c: id, f: first, t: last }) : '',
        opened.map((m) => m.id),
        opened.map((m) => m.seq),
        opened.map((m) => m.role),
        opened.map((m) => m.status),
        opened.map((m) => JSON.stringify(m)),
      ],
    );
    for (const message of opened) this.#written.set(message.id, message);
    this.conversation = { ...this.conversation, lastSeq: last };
    await this.#project(events);
    const retention = this.#retention;
    if (retention > 0 && last - retention + 1 > this.conversation.oldestSeq) {
      const oldest = last - retention + 1;
      await this.#foldStreamedText();
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
        case 'message.started': {
          // The message was inserted with the events (append), as a created one is.
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
          // Read back with the logged deltas (withStreamedText), the body may hold this delta already.
          const due = event.type !== 'message.delta' || message?.nextDeltaIndex === event.data.index;
          if (message && due) dirty.set(message.id, projectMessage(message, event)!);
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
          await this.#sql.query('UPDATE conversations SET handoff_id = $2 WHERE id = $1', [id, snapshot.id]);
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

  /** Writes the logged deltas of streaming messages into their bodies, before the log is trimmed. */
  async #foldStreamedText(): Promise<void> {
    const id = this.conversation.id;
    const rows = await this.#sql.query<Row>(
      `SELECT body FROM messages WHERE conversation_id = $1 AND status = 'streaming'`,
      [id],
    );
    const stored = rows.map((r) => r.body as Message);
    const current = await withStreamedText(this.#sql, id, stored);
    for (const [i, message] of current.entries()) {
      if (message === stored[i]) continue;
      await this.#sql.query('UPDATE messages SET body = $3::jsonb WHERE conversation_id = $1 AND id = $2', [
        id,
        message.id,
        JSON.stringify(message),
      ]);
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
    if (!row) return null;
    const [message] = await withStreamedText(this.#sql, this.conversation.id, [row.body as Message]);
    return message!;
  }

  async getHandoff(handoffId: string): Promise<HandoffSnapshot | null> {
    const [row] = await this.#sql.query<Row>(
      'SELECT snapshot FROM handoffs WHERE conversation_id = $1 AND id = $2',
      [this.conversation.id, handoffId],
    );
    return row ? (row.snapshot as HandoffSnapshot) : null;
  }

  currentHandoff(): Promise<HandoffSnapshot | null> {
    return this.conversation.handoffId ? this.getHandoff(this.conversation.handoffId) : Promise.resolve(null);
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

  async openTurn(
    turn: Omit<TurnRecord, 'conversationId' | 'updatedAtMs'>,
    also: OpenTurnAlso = {},
  ): Promise<Message[]> {
    const { context, idempotency } = also;
    // One statement: the turn, the send's stored response and the bot's context (on PostgreSQL each
    // statement is a round trip waiting for the busy server thread). The context is read after this
    // transaction's writes to the log; the CTEs write other tables.
    const rows = await this.#sql.query<Row>(
      `WITH opened AS (
         INSERT INTO turns (conversation_id, id, message_id, reply_to, status, control_version, updated_at_ms)
         VALUES ($1, $2, $3, $4, $5, $6, $7)
       ), done AS (
         UPDATE idempotency_keys SET state = 'done', status = $9, response = $10::jsonb, expires_at_ms = $11
         WHERE conversation_id = $1 AND key = $8
       )
       SELECT body FROM messages WHERE conversation_id = $1 AND seq < $12 ORDER BY seq DESC LIMIT $13`,
      [
        this.conversation.id,
        turn.id,
        turn.messageId,
        turn.replyTo ?? null,
        turn.status,
        turn.controlVersion,
        Date.now(),
        idempotency?.key ?? null,
        idempotency?.status ?? null,
        idempotency ? JSON.stringify(idempotency.response) : null,
        idempotency ? Date.now() + idempotency.ttlMs : null,
        context?.beforeSeq ?? 0,
        context?.limit ?? 0,
      ],
    );
    return withStreamedText(this.#sql, this.conversation.id, rows.map((r) => r.body as Message).reverse());
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
