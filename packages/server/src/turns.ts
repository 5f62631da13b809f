import type { Citation, FinishReason, Suggestion } from '@baton-chat/protocol';
import type { ConversationTx, NewEvent, TurnRecord } from './store/store.js';

/** What a completed message may carry besides its text. */
export interface Completion {
  text?: string;
  citations?: Citation[];
  suggestions?: Suggestion[];
  confidence?: number;
}

/**
 * The `message.completed` event for a streaming turn: the given text, or the text streamed so far
 * (read from the history projection, which holds exactly the durable deltas).
 */
export async function completionEvent(
  tx: ConversationTx,
  turn: TurnRecord,
  finishReason: FinishReason,
  completion: Completion = {},
): Promise<NewEvent> {
  const message = await tx.getMessage(turn.messageId);
  return completedEvent(turn.messageId, message?.text ?? '', finishReason, completion);
}

/** The `message.completed` event of message `messageId`: the completion's text, else `streamed`. */
export function completedEvent(
  messageId: string,
  streamed: string,
  finishReason: FinishReason,
  completion: Completion = {},
): NewEvent {
  return {
    type: 'message.completed',
    data: {
      id: messageId,
      text: completion.text ?? streamed,
      finishReason,
      ...(completion.citations !== undefined && { citations: completion.citations }),
      ...(completion.suggestions !== undefined && { suggestions: completion.suggestions }),
      ...(completion.confidence !== undefined && { confidence: completion.confidence }),
      completedAt: new Date().toISOString(),
    },
  };
}

/**
 * Ends the conversation's unfinished turn, if any, inside `tx`: a streaming message completes with
 * `finishReason` and its text so far; a turn that never started its message just ends, writing nothing.
 * Returns the turn that was ended.
 */
export async function finishActiveTurn(
  tx: ConversationTx,
  finishReason: FinishReason,
): Promise<TurnRecord | null> {
  const turn = await tx.activeTurn();
  if (!turn) return null;
  if (turn.status === 'streaming') await tx.append([await completionEvent(tx, turn, finishReason)]);
  else await tx.setTurnStatus(turn.id, 'finished');
  return turn;
}
