import type { DurableEvent, Message } from './types.js';

/**
 * Applies one durable event to the history view of the message it concerns, the way a server builds
 * `GET .../messages` from its log. Pure: returns a new message, or `current` when nothing changes.
 *
 * `message.created` and `message.started` make a new message (streaming ones start with empty text
 * and `nextDeltaIndex: 0`); deltas append while the message streams; `message.completed` sets the
 * authoritative text and drops `nextDeltaIndex`; `message.updated` edits unless retracted;
 * `message.retracted` empties the text. An event for a message that does not exist yet gives
 * `undefined`; any other event type returns `current` unchanged.
 *
 * @example
 * let message: Message | undefined;
 * for (const event of log) if ('id' in event.data && event.data.id === id) message = projectMessage(message, event);
 */
export function projectMessage(current: Message | undefined, event: DurableEvent): Message | undefined {
  switch (event.type) {
    case 'message.created': {
      const { id, clientMessageId, role, author, text, attachments, createdAt } = event.data;
      return {
        id,
        seq: event.seq,
        ...(clientMessageId !== undefined && { clientMessageId }),
        role,
        author,
        text,
        status: 'complete',
        ...(attachments !== undefined && { attachments }),
        createdAt,
      };
    }
    case 'message.started': {
      const { id, role, author, turnId, replyTo, createdAt } = event.data;
      return {
        id,
        seq: event.seq,
        role,
        author,
        text: '',
        status: 'streaming',
        nextDeltaIndex: 0,
        turnId,
        ...(replyTo !== undefined && { replyTo }),
        createdAt,
      };
    }
    case 'message.delta':
      if (current?.status !== 'streaming') return current;
      return { ...current, text: current.text + event.data.text, nextDeltaIndex: event.data.index + 1 };
    case 'message.completed': {
      if (!current) return current;
      const { nextDeltaIndex: _next, ...rest } = current;
      const { text, finishReason, citations, suggestions, confidence, completedAt } = event.data;
      return {
        ...rest,
        text,
        status: 'complete',
        finishReason,
        completedAt,
        ...(citations !== undefined && { citations }),
        ...(suggestions !== undefined && { suggestions }),
        ...(confidence !== undefined && { confidence }),
      };
    }
    case 'message.updated':
      if (!current || current.status === 'retracted') return current;
      return { ...current, text: event.data.text, updatedAt: event.data.updatedAt };
    case 'message.retracted': {
      if (!current) return current;
      const { nextDeltaIndex: _next, ...rest } = current;
      return { ...rest, text: '', status: 'retracted' };
    }
    default:
      return current;
  }
}
