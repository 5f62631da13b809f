import type { Message, SendMessageResponse } from '@baton-chat/protocol';
import { newId } from './ids.js';
import type { ConversationRecord, ConversationTx, TurnRecord } from './store/store.js';
import { finishActiveTurn } from './turns.js';

/** How many earlier messages a bot turn gets as context. */
const BOT_CONTEXT_MESSAGES = 20;

/** What a customer's send writes, decided before the transaction (plain data: it can cross threads). */
export interface UserMessageInput {
  /** The Idempotency-Key (the clientMessageId). */
  key: string;
  text: string;
  /** Raise the waiting handoff's priority to this (0: leave it). */
  priority: number;
  idempotencyTtlMs: number;
}

/** The outcome of {@link recordUserMessage}: `closed` when the conversation ended meanwhile. */
export type UserMessageResult =
  | { closed: true }
  | {
      closed: false;
      response: SendMessageResponse;
      /** The bot's turn to answer, or null when a person has control (or `handOver` handed it). */
      turn: TurnRecord | null;
      /** With a turn: the messages before this one that the bot reads as context, read in this transaction. */
      history: Message[];
      message: Message;
      conversation: ConversationRecord;
    };

/**
 * The transaction of a customer's message: ends the running answer, appends `message.created`, raises a
 * waiting handoff's priority, opens the bot's turn when the bot has control, and stores the response
 * under the idempotency key. `handOver` (the escalation policy's decision, which needs the hub) may
 * hand the conversation to a person instead of opening a turn; it returns whether it did.
 *
 * Without `handOver` it uses nothing but `tx`, so PGlite's worker runs it whole (procedures.ts).
 */
export async function recordUserMessage(
  tx: ConversationTx,
  input: UserMessageInput,
  handOver?: (tx: ConversationTx) => Promise<boolean>,
): Promise<UserMessageResult> {
  if (tx.conversation.status === 'closed') return { closed: true };
  await finishActiveTurn(tx, 'cancelled');
  const c0 = tx.conversation;
  const [created] = await tx.append([
    {
      type: 'message.created',
      data: {
        id: newId('msg'),
        clientMessageId: input.key,
        role: 'user',
        author: {
          role: 'user',
          ...(c0.user.id !== null && { id: c0.user.id }),
          ...(c0.user.name !== undefined && { name: c0.user.name }),
        },
        text: input.text,
        createdAt: new Date().toISOString(),
      },
    },
  ]);
  const message = (await tx.getMessage((created!.data as { id: string }).id)) as Message;
  if (input.priority > 0) await raisePriority(tx, input.priority);
  let turn: TurnRecord | null = null;
  let history: Message[] = [];
  let response: SendMessageResponse = { message, turnId: null };
  const idempotency = { key: input.key, status: 201, ttlMs: input.idempotencyTtlMs };
  if (tx.conversation.control === 'bot' && !(await handOver?.(tx))) {
    turn = {
      id: newId('turn'),
      conversationId: c0.id,
      messageId: newId('msg'),
      replyTo: message.id,
      status: 'pending',
      controlVersion: tx.conversation.controlVersion,
      updatedAtMs: Date.now(),
    };
    response = { message, turnId: turn.id };
    // The context is read here rather than when the bot starts: a separate read would wait its turn
    // behind the group commits, and every word of the answer would arrive that much later.
    history = await tx.openTurn(turn, {
      context: { beforeSeq: message.seq, limit: BOT_CONTEXT_MESSAGES },
      idempotency: { ...idempotency, response },
    });
  } else {
    await tx.completeIdempotency(idempotency.key, idempotency.status, response, idempotency.ttlMs);
  }
  return { closed: false, response, turn, history, message, conversation: tx.conversation };
}

/** Raises the priority of the conversation's waiting handoff (never lowers it). */
export async function raisePriority(tx: ConversationTx, priority: number): Promise<void> {
  const waiting = (await tx.waitingHandoffs()).find((w) => w.conversationId === tx.conversation.id);
  if (!waiting || waiting.priority >= priority) return;
  await tx.setHandoffRouting(waiting.snapshot.id, {
    ...(waiting.skill !== undefined && { skill: waiting.skill }),
    ...(waiting.language !== undefined && { language: waiting.language }),
    priority,
  });
}
