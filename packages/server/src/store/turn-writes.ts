import type { DurableEvent, Message } from '@baton-chat/protocol';
import { projectMessage } from '@baton-chat/protocol';
import type { SqlExecutor } from './sql-client.js';
import type { TurnAppend, TurnRecord } from './store.js';

/** A turn's `updated_at_ms` is touched by its deltas at most this often (the stale-turn sweep reads it). */
export const TURN_TOUCH_MS = 1_000;

type Row = Record<string, unknown>;

/** A conversation locked by an {@link appendTurns} transaction. */
export interface LockedConversation {
  id: string;
  status: string;
  control: string;
  controlVersion: number;
  lastSeq: number;
  oldestSeq: number;
  events: DurableEvent[];
}

/** A turn of an {@link appendTurnsTx} batch, as read or as its writer vouched for it. */
interface LockedTurn {
  conversationId: string;
  id: string;
  messageId: string;
  status: TurnRecord['status'];
  updatedAtMs: number;
  changed: boolean;
}

/** How an accepted write of {@link appendTurns} changes its message's projection. */
interface MessageChange {
  conversationId: string;
  messageId: string;
  /** The write's events, for a projection computed here (`message.started` or `message.completed`). */
  events: DurableEvent[];
  /** Deltas only: the message's whole text and next delta index, written when `project` is set. */
  text: string;
  nextIndex: number;
  /** Deltas only: refresh the stored body now (the turn's touch, or its early events are trimmed). */
  project: boolean;
}

/** What {@link appendTurnsTx} needs besides the writes. */
export interface AppendTurnsInput {
  /** Checked by the caller: at most one write per turn, only turn events. */
  writes: readonly TurnAppend[];
  /** Keep at most this many events per conversation (0 = unlimited). */
  retention: number;
  /** PostgreSQL: NOTIFY the other instances on this channel, as this instance. */
  notify?: { channel: string; instanceId: string };
}

/** The outcome of {@link appendTurnsTx}: per write its events (null when refused), and the conversations it appended to. */
export interface AppendTurnsOutput {
  results: (DurableEvent[] | null)[];
  appended: LockedConversation[];
}

/**
 * The group commit of turn writes (ADR 0016), as one transaction body: locks the conversations in id
 * order, refuses writes of finished turns or changed control, assigns seqs, writes events, messages and
 * turns in multi-row statements. Plain data in and out, so PGlite's worker can run it next to the
 * database without a round trip per statement (ADR 0018).
 */
export async function appendTurnsTx(sql: SqlExecutor, input: AppendTurnsInput): Promise<AppendTurnsOutput> {
  const { writes } = input;
  const results: (DurableEvent[] | null)[] = writes.map(() => null);
  const key = (conversationId: string, id: string) => `${conversationId} ${id}`;
  const conversationIds = [...new Set(writes.map((w) => w.conversationId))].sort();
  // Every statement after this one looks rows up by primary key. Without statistics (PGlite has no
  // autovacuum) the planner picks scans and hash joins over whole tables that grow with every answer
  // ever given; this transaction's plans stay per-key lookups however big they get. The hints are set by
  // the locking statement (it is planned before they apply; a primary-key lookup either way), which
  // saves PostgreSQL a round trip. Locked in id order, so batches of several instances never deadlock
  // one another.
  const locked = await sql.query<Row>(
    `SELECT c.id, c.status, c.control, c.control_version, c.last_seq, c.oldest_seq
     FROM conversations AS c,
       (SELECT set_config('enable_seqscan', 'off', true), set_config('enable_hashjoin', 'off', true),
               set_config('enable_mergejoin', 'off', true)) AS hints
     WHERE c.id = ANY($1::text[]) ORDER BY c.id FOR UPDATE OF c`,
    [conversationIds],
  );
  const conversations = new Map<string, LockedConversation>(
    locked.map((r) => [
      r.id as string,
      {
        id: r.id as string,
        status: r.status as string,
        control: r.control as string,
        controlVersion: Number(r.control_version),
        lastSeq: Number(r.last_seq),
        oldestSeq: Number(r.oldest_seq),
        events: [],
      },
    ]),
  );
  const nowMs = Date.now();
  // A streaming turn whose conversation nobody else wrote to since its previous write is unchanged
  // (see TurnAppend.previous); only the others are read.
  const turns = new Map<string, LockedTurn>();
  const unknown: TurnAppend[] = [];
  for (const write of writes) {
    const { previous } = write;
    if (previous && conversations.get(write.conversationId)?.lastSeq === previous.lastSeq) {
      turns.set(key(write.conversationId, write.turnId), {
        conversationId: write.conversationId,
        id: write.turnId,
        messageId: previous.messageId,
        status: 'streaming',
        // 0: due for a touch (below).
        updatedAtMs: previous.touch ? 0 : nowMs,
        changed: false,
      });
    } else {
      unknown.push(write);
    }
  }
  if (unknown.length > 0) {
    // Read after the locks, not joined into the locking query: on PostgreSQL a statement that
    // waited for a lock sees the other tables as of before the wait, so a turn that the lock holder
    // finished (a cancel, a handoff) would still look unfinished.
    const turnRows = await sql.query<Row>(
      `SELECT t.conversation_id, t.id, t.message_id, t.status, t.updated_at_ms
     FROM unnest($1::text[], $2::text[]) AS w (conversation_id, turn_id)
     JOIN turns t ON t.conversation_id = w.conversation_id AND t.id = w.turn_id`,
      [unknown.map((w) => w.conversationId), unknown.map((w) => w.turnId)],
    );
    for (const r of turnRows) {
      turns.set(key(r.conversation_id as string, r.id as string), {
        conversationId: r.conversation_id as string,
        id: r.id as string,
        messageId: r.message_id as string,
        status: r.status as TurnRecord['status'],
        updatedAtMs: Number(r.updated_at_ms),
        changed: false,
      });
    }
  }
  const now = new Date(nowMs).toISOString();
  const changes: MessageChange[] = [];
  writes.forEach((write, i) => {
    const c = conversations.get(write.conversationId);
    const turn = turns.get(key(write.conversationId, write.turnId));
    if (
      !c ||
      !turn ||
      turn.status === 'finished' ||
      c.status !== 'open' ||
      c.control !== 'bot' ||
      c.controlVersion !== write.controlVersion
    ) {
      return;
    }
    const events = write.events.map(
      (e, k) =>
        ({
          type: e.type,
          seq: c.lastSeq + 1 + k,
          conversationId: c.id,
          ts: e.ts ?? now,
          data: e.data,
        }) as DurableEvent,
    );
    c.lastSeq += events.length;
    c.events.push(...events);
    const change: MessageChange = {
      conversationId: c.id,
      messageId: turn.messageId,
      events: [],
      text: write.streamed,
      nextIndex: -1,
      project: false,
    };
    for (const event of events) {
      if (event.type === 'message.delta') {
        change.nextIndex = event.data.index + 1;
      } else {
        change.events = events;
        turn.status = event.type === 'message.started' ? 'streaming' : 'finished';
        turn.changed = true;
      }
    }
    if (events.length > 0) changes.push(change);
    if (turn.changed || nowMs - turn.updatedAtMs >= TURN_TOUCH_MS) {
      turn.changed = true;
      turn.updatedAtMs = nowMs;
      change.project = true;
    }
    results[i] = events;
  });
  if (input.retention > 0) {
    // Deltas about to be trimmed must be in the body first: nothing else would hold their text.
    const trimmed = new Set(
      [...conversations.values()]
        .filter((c) => c.lastSeq - input.retention + 1 > c.oldestSeq)
        .map((c) => c.id),
    );
    for (const change of changes) if (trimmed.has(change.conversationId)) change.project = true;
  }

  const appended = [...conversations.values()].filter((c) => c.events.length > 0);
  if (appended.length === 0) return { results, appended };
  const events = appended.flatMap((c) => c.events);
  const { refreshed, projected } = await messageWrites(sql, changes);
  const touched = [...turns.values()].filter((t) => t.changed);
  const { notify } = input;
  // Every write in one statement: on PostgreSQL each statement is a round trip, and under load each one
  // also waits for its thread's turn, so the transaction (and the rows it holds locked) took about three
  // times as long with the writes one by one. Data-modifying CTEs all run, whether or not the statement
  // reads them; each touches rows no other one does. `projected` inserts the rows of started messages;
  // a later event changes only status and body, never seq or role. The NOTIFY is delivered at commit, in
  // commit order, to every instance (this one ignores its own).
  await sql.query(
    `WITH bumped AS (
       UPDATE conversations AS c SET last_seq = w.last_seq
       FROM unnest($1::text[], $2::bigint[]) AS w (id, last_seq) WHERE c.id = w.id
     ), logged AS (
       INSERT INTO events (conversation_id, seq, type, ts, data)
       SELECT * FROM unnest($3::text[], $4::bigint[], $5::text[], $6::text[], $7::jsonb[])
     ), refreshed AS (
       UPDATE messages AS m
       SET body = m.body || jsonb_build_object('text', w.text, 'nextDeltaIndex', w.next_index)
       FROM unnest($10::text[], $11::text[], $12::text[], $13::integer[]) AS w (conversation_id, id, text, next_index)
       WHERE m.conversation_id = w.conversation_id AND m.id = w.id AND m.status = 'streaming'
     ), projected AS (
       INSERT INTO messages (conversation_id, id, seq, role, status, body)
       SELECT * FROM unnest($14::text[], $15::text[], $16::bigint[], $17::text[], $18::text[], $19::jsonb[])
       ON CONFLICT (conversation_id, id) DO UPDATE SET status = EXCLUDED.status, body = EXCLUDED.body
     ), touched AS (
       UPDATE turns AS t SET status = w.status, updated_at_ms = w.updated_at_ms
       FROM unnest($20::text[], $21::text[], $22::text[], $23::bigint[])
         AS w (conversation_id, id, status, updated_at_ms)
       WHERE t.conversation_id = w.conversation_id AND t.id = w.id
     )
     SELECT pg_notify($8, note) FROM unnest($9::text[]) AS note`,
    [
      appended.map((c) => c.id),
      appended.map((c) => c.lastSeq),
      events.map((e) => e.conversationId),
      events.map((e) => e.seq),
      events.map((e) => e.type),
      events.map((e) => e.ts),
      events.map((e) => JSON.stringify(e.data)),
      notify?.channel ?? '',
      notify
        ? appended.map((c) =>
            JSON.stringify({ i: notify.instanceId, c: c.id, f: c.events[0]!.seq, t: c.events.at(-1)!.seq }),
          )
        : [],
      refreshed.map((c) => c.conversationId),
      refreshed.map((c) => c.messageId),
      refreshed.map((c) => c.text),
      refreshed.map((c) => c.nextIndex),
      projected.map((b) => b.conversationId),
      projected.map((b) => b.message.id),
      projected.map((b) => b.message.seq),
      projected.map((b) => b.message.role),
      projected.map((b) => b.message.status),
      projected.map((b) => JSON.stringify(b.message)),
      touched.map((t) => t.conversationId),
      touched.map((t) => t.id),
      touched.map((t) => t.status),
      touched.map((t) => t.updatedAtMs),
    ],
  );
  if (input.retention > 0) {
    for (const c of appended) {
      const oldest = c.lastSeq - input.retention + 1;
      if (oldest <= c.oldestSeq) continue;
      await sql.query('DELETE FROM events WHERE conversation_id = $1 AND seq < $2', [c.id, oldest]);
      await sql.query('UPDATE conversations SET oldest_seq = $2 WHERE id = $1', [c.id, oldest]);
    }
  }
  return { results, appended };
}

/**
 * How turn writes change the messages projection. Deltas alone (most writes) refresh the stored body
 * only when `project` is set, with the whole text the writer sent, without reading the body back
 * (`refreshed`); writes that start or complete the message are projected here with `projectMessage`
 * (`projected`: only a completion reads the body).
 */
async function messageWrites(
  sql: SqlExecutor,
  changes: readonly MessageChange[],
): Promise<{ refreshed: MessageChange[]; projected: { conversationId: string; message: Message }[] }> {
  const refreshed = changes.filter((c) => c.events.length === 0 && c.project);
  const withEvents = changes.filter((c) => c.events.length > 0);
  const unread = withEvents.filter((c) => c.events[0]!.type !== 'message.started');
  const stored = new Map<string, Message>();
  if (unread.length > 0) {
    const rows = await sql.query<Row>(
      `SELECT m.conversation_id, m.body FROM unnest($1::text[], $2::text[]) AS w (conversation_id, id)
       JOIN messages m ON m.conversation_id = w.conversation_id AND m.id = w.id`,
      [unread.map((c) => c.conversationId), unread.map((c) => c.messageId)],
    );
    for (const r of rows) {
      const body = r.body as Message;
      stored.set(`${r.conversation_id as string} ${body.id}`, body);
    }
  }
  const projected: { conversationId: string; message: Message }[] = [];
  for (const change of withEvents) {
    let message = stored.get(`${change.conversationId} ${change.messageId}`);
    for (const event of change.events) message = projectMessage(message, event);
    if (message) projected.push({ conversationId: change.conversationId, message });
  }
  return { refreshed, projected };
}
