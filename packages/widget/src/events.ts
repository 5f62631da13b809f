// Every DOM event <baton-chat> dispatches: `baton-*` names, bubbling and composed, typed on HTMLElementEventMap.
import type { ChatMessage } from '@baton-chat/core';

/** Detail of `baton-send`: the text about to be sent. Cancel the event to keep it from being sent. */
export interface BatonSendDetail {
  text: string;
  /** Sent with the message: `{ offlineForm: { handoffId, email } }` for a leave-a-message form. */
  metadata?: Record<string, unknown>;
}

/**
 * Detail of `baton-feedback`: a thumb on a bot answer (`messageId`, `up`/`down`), or the 1-5 score of
 * the satisfaction survey after a resolved conversation (`messageId` null).
 */
export interface BatonFeedbackDetail {
  messageId: string | null;
  value: 'up' | 'down' | 1 | 2 | 3 | 4 | 5;
}

/** Detail of `baton-message`: a bot, agent or system message that finished arriving. */
export interface BatonMessageDetail {
  message: ChatMessage;
}

/** Detail of `baton-error`: an action of the widget that failed (sending, asking for a person, ...). */
export interface BatonErrorDetail {
  error: unknown;
  action: 'send' | 'stop' | 'retry' | 'handoff' | 'cancel-handoff' | 'feedback';
}

/** The events of `<baton-chat>` and their details. */
export interface BatonEventMap {
  /** The panel opened. */
  'baton-open': CustomEvent<Record<string, never>>;
  /** The panel closed. */
  'baton-close': CustomEvent<Record<string, never>>;
  /** Before a message is sent; cancelable: `preventDefault()` keeps it from being sent. */
  'baton-send': CustomEvent<BatonSendDetail>;
  /** The user asked for a person; cancelable: `preventDefault()` keeps the request from being made. */
  'baton-handoff-request': CustomEvent<Record<string, never>>;
  /** The user put a thumb on a bot answer, or answered the satisfaction survey. */
  'baton-feedback': CustomEvent<BatonFeedbackDetail>;
  /** A bot, agent or system message finished arriving (not for restored history). */
  'baton-message': CustomEvent<BatonMessageDetail>;
  /** Something the user did failed; the widget shows it too. */
  'baton-error': CustomEvent<BatonErrorDetail>;
}

declare global {
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type
  interface HTMLElementEventMap extends BatonEventMap {}
}

/**
 * Dispatches a `baton-*` event from `target` (bubbles, composed). Returns false when a cancelable
 * event was cancelled.
 */
export function emit<K extends keyof BatonEventMap>(
  target: EventTarget,
  type: K,
  detail: BatonEventMap[K]['detail'],
  cancelable = false,
): boolean {
  return target.dispatchEvent(new CustomEvent(type, { detail, bubbles: true, composed: true, cancelable }));
}
