import { setTimeout as sleep } from 'node:timers/promises';
import { uuidv7 } from '@baton-chat/protocol';
import type { Author, FinishReason, Message } from '@baton-chat/protocol';
import { append, broadcast } from './store.js';
import type { Conversation, Turn } from './store.js';

/** How the echo bot presents itself. */
export const BOT_AUTHOR: Author = { id: 'echo-bot', role: 'bot', name: 'Echo Bot' };

/**
 * Starts a bot turn answering `question`: appends `message.started` now, then streams the answer in
 * the background. Replace `answerFor` with your model call; everything else stays the same.
 */
export function startTurn(conversation: Conversation, question: Message, wordDelayMs: number): Turn {
  const turn: Turn = {
    id: uuidv7(),
    messageId: uuidv7(),
    status: 'streaming',
    abort: new AbortController(),
  };
  conversation.turns.set(turn.id, turn);
  append(conversation, 'message.started', {
    id: turn.messageId,
    role: 'bot',
    author: BOT_AUTHOR,
    turnId: turn.id,
    replyTo: question.id,
    createdAt: new Date().toISOString(),
  });
  void streamAnswer(conversation, turn, answerFor(question.text), wordDelayMs);
  return turn;
}

/** The whole "model": echo the question back. */
function answerFor(text: string): string {
  return `You said: ${text}`;
}

async function streamAnswer(conversation: Conversation, turn: Turn, answer: string, wordDelayMs: number) {
  broadcast(conversation, 'progress', { turnId: turn.id, stage: 'thinking', label: 'Thinking…' });
  // Each word with the whitespace after it: the deltas concatenate back to exactly `answer`.
  const words = answer.match(/\S+\s*/g) ?? [];
  for (const [index, word] of words.entries()) {
    try {
      await sleep(wordDelayMs, undefined, { signal: turn.abort.signal });
    } catch {
      return; // Aborted: whoever cancelled the turn has already completed its message.
    }
    if (turn.status !== 'streaming') return;
    append(conversation, 'message.delta', { id: turn.messageId, index, text: word });
  }
  finishTurn(conversation, turn, 'stop');
}

/**
 * Ends a streaming turn: appends `message.completed` with the text streamed so far (authoritative)
 * and stops the bot. Does nothing if the turn already finished, so callers need not check.
 */
export function finishTurn(conversation: Conversation, turn: Turn, finishReason: FinishReason): void {
  if (turn.status !== 'streaming') return;
  turn.status = 'finished';
  turn.abort.abort();
  append(conversation, 'message.completed', {
    id: turn.messageId,
    text: conversation.messages.get(turn.messageId)?.text ?? '',
    finishReason,
    ...(finishReason === 'stop' && { suggestions: [{ label: 'Talk to a person', action: 'handoff' }] }),
    completedAt: new Date().toISOString(),
  });
}

/** The turn currently streaming, if any (there is at most one per conversation). */
export function streamingTurn(conversation: Conversation): Turn | undefined {
  for (const turn of conversation.turns.values()) if (turn.status === 'streaming') return turn;
  return undefined;
}
