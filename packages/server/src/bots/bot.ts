import type { Citation, Message, SessionInfo, Suggestion } from '@baton-chat/protocol';

/** What a bot gets for one turn. */
export interface BotTurn {
  conversationId: string;
  turnId: string;
  /** The user message being answered. */
  question: string;
  /** Earlier messages of the conversation, oldest first (at most the last 20), the question excluded. */
  history: readonly Message[];
  /** BCP 47 language of the customer, when known. */
  locale?: string;
  session?: SessionInfo;
  /** Aborted when the turn is cancelled, a new message interrupts it, a handoff starts or the server stops. */
  signal: AbortSignal;
}

/** One piece of a bot's answer, yielded in order. */
export type BotChunk =
  /** What the bot is doing before its first token, such as `searching` / "Searching the help center...". */
  | { type: 'progress'; stage: string; label: string }
  /** The next piece of the answer's text. */
  | { type: 'delta'; text: string }
  /**
   * The end of the answer, yielded once, last. `text`, when given, replaces the concatenated deltas as the
   * authoritative final text. `confidence` is 0..1; below the server's threshold the escalation policy
   * may offer or request a human.
   */
  | {
      type: 'final';
      text?: string;
      citations?: Citation[];
      suggestions?: Suggestion[];
      confidence?: number;
      /** Set when the bot itself thinks a person should take over (the policy decides). */
      wantsHuman?: boolean;
    };

/**
 * A bot answers one turn at a time as an async stream of chunks. It must stop promptly when
 * `turn.signal` aborts (the server then completes the message with `finishReason: "cancelled"`), and it
 * may throw: the server turns an error into `finishReason: "error"` plus an `error` event.
 */
export interface Bot {
  /** Stable id, used as the author id of its messages. */
  readonly id: string;
  /** Display name shown to customers. */
  readonly name: string;
  answer(turn: BotTurn): AsyncIterable<BotChunk>;
}
