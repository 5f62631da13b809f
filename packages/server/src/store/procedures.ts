import { recordUserMessage } from '../send-message.js';
import type { SqlExecutor } from './sql-client.js';
import { SqlTx, toConversation, type Row } from './sql-tx.js';
import type { DurableEvent, EphemeralEvent } from '@baton-chat/protocol';
import type { ConversationTx } from './store.js';
import { appendTurnsTx } from './turn-writes.js';

/**
 * Bodies of conversation transactions that need nothing but the transaction and plain data, run by
 * {@link Store.inConversation}.
 */
export const CONVERSATION_BODIES = {
  recordUserMessage,
} satisfies Record<string, (tx: ConversationTx, input: never) => Promise<unknown>>;

export type ConversationBodyName = keyof typeof CONVERSATION_BODIES;
export type ConversationBodyInput<N extends ConversationBodyName> = Parameters<
  (typeof CONVERSATION_BODIES)[N]
>[1];
export type ConversationBodyOutput<N extends ConversationBodyName> = Awaited<
  ReturnType<(typeof CONVERSATION_BODIES)[N]>
>;

/**
 * One conversation transaction with a registered body: locks the row, runs the body, and returns its
 * value with the events it appended and queued (the caller fans them out after the commit), or null when
 * there is no such conversation.
 */
async function inConversationTx(
  sql: SqlExecutor,
  input: { conversationId: string; retention: number; name: ConversationBodyName; input: unknown },
): Promise<{ value: unknown; appended: DurableEvent[]; ephemeral: EphemeralEvent[] } | null> {
  const [row] = await sql.query<Row>('SELECT * FROM conversations WHERE id = $1 FOR UPDATE', [
    input.conversationId,
  ]);
  if (!row) return null;
  const tx = new SqlTx(sql, toConversation(row), input.retention);
  const body = CONVERSATION_BODIES[input.name] as (tx: ConversationTx, input: unknown) => Promise<unknown>;
  const value = await body(tx, input.input);
  return { value, appended: tx.appended, ephemeral: tx.ephemeral };
}

/**
 * Transaction bodies that take plain data and return plain data, so that PGlite's worker thread can
 * run them next to the database in one go instead of a thread round trip per statement (ADR 0018).
 * PostgreSQL runs the same functions in an ordinary transaction.
 */
export const PROCEDURES = {
  appendTurns: appendTurnsTx,
  inConversation: inConversationTx,
} satisfies Record<string, (sql: SqlExecutor, input: never) => Promise<unknown>>;

export type ProcedureName = keyof typeof PROCEDURES;
export type ProcedureInput<N extends ProcedureName> = Parameters<(typeof PROCEDURES)[N]>[1];
export type ProcedureOutput<N extends ProcedureName> = Awaited<ReturnType<(typeof PROCEDURES)[N]>>;
