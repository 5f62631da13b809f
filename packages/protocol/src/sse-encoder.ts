import type { BatonEvent } from './types.js';

/** One SSE block to encode; see {@link encodeSse}. */
export interface SseOutgoingMessage {
  /** The `event` field; omitted when `undefined` (the client then sees type `message`). */
  event?: string;
  /** The `id` field, which becomes the client's `Last-Event-ID`; omitted when `undefined`. */
  id?: string | number;
  /** The payload; each of its lines becomes one `data:` line. */
  data: string;
  /** A `retry:` reconnection hint in milliseconds; omitted when `undefined`. */
  retry?: number;
}

const LINE_BREAK = /\r\n|\r|\n/;

function assertSingleLine(name: string, value: string): void {
  if (value.includes('\n') || value.includes('\r')) {
    throw new RangeError(
      `SSE ${name} must not contain a line break (CR or LF), got ${JSON.stringify(value)}: remove the line break or move the text into data`,
    );
  }
}

/**
 * Encodes one server-sent events block, ending with the blank line that makes the client dispatch it.
 *
 * Fields are written in the order `retry`, `event`, `id`, `data`, each as `name: value`. Data with line
 * breaks (CR, LF or CRLF) becomes several `data:` lines, which a decoder joins back with `\n`; empty data
 * is one empty `data:` line, so the block is still dispatched.
 *
 * @throws RangeError when `event` or `id` contains CR or LF, when `id` contains U+0000 (a decoder would
 *   ignore it), when a numeric `id` is not finite, or when `retry` is not a non-negative integer.
 * @example
 * ```ts
 * encodeSse({ event: 'add', id: 7, data: 'line 1\nline 2' });
 * // 'event: add\nid: 7\ndata: line 1\ndata: line 2\n\n'
 * ```
 */
export function encodeSse(message: SseOutgoingMessage): string {
  const { event, id, data, retry } = message;
  let out = '';
  if (retry !== undefined) {
    if (!Number.isSafeInteger(retry) || retry < 0) {
      throw new RangeError(
        `SSE retry must be a non-negative integer number of milliseconds, got ${String(retry)}`,
      );
    }
    out += `retry: ${retry}\n`;
  }
  if (event !== undefined) {
    assertSingleLine('event', event);
    out += `event: ${event}\n`;
  }
  if (id !== undefined) {
    if (typeof id === 'number' && !Number.isFinite(id)) {
      throw new RangeError(`SSE id must be a finite number or a string, got ${String(id)}`);
    }
    const text = String(id);
    assertSingleLine('id', text);
    if (text.includes('\0')) {
      throw new RangeError(
        'SSE id must not contain U+0000 (clients ignore such an id): remove the NUL character',
      );
    }
    out += `id: ${text}\n`;
  }
  for (const line of data.split(LINE_BREAK)) out += `data: ${line}\n`;
  return `${out}\n`;
}

/**
 * Encodes an SSE comment block, such as the `: hb` heartbeat; clients never dispatch comments.
 *
 * Each line of `text` becomes its own comment line; an empty `text` (the default) gives `:\n\n`.
 *
 * @example
 * ```ts
 * encodeSseComment('hb'); // ': hb\n\n'
 * ```
 */
export function encodeSseComment(text = ''): string {
  let out = '';
  for (const line of text.split(LINE_BREAK)) out += line === '' ? ':\n' : `: ${line}\n`;
  return `${out}\n`;
}

/**
 * Encodes a Baton event envelope as the protocol frames it on the event stream.
 *
 * Writes `event: <type>`, then `id: <seq>` only for durable events (those with a numeric `seq`), then one
 * `data:` line holding the JSON of the whole envelope (JSON never contains a raw line break).
 *
 * @example
 * ```ts
 * encodeEvent({ type: 'receipt', seq: 12, conversationId: 'c1', ts: '2026-11-24T09:30:00.000Z',
 *   data: { by: 'user', kind: 'read', upToSeq: 11 } });
 * // 'event: receipt\nid: 12\ndata: {"type":"receipt","seq":12,...}\n\n'
 * ```
 */
export function encodeEvent(event: BatonEvent): string {
  const seq: unknown = (event as { seq?: unknown }).seq;
  return encodeSse({
    event: event.type,
    id: typeof seq === 'number' ? seq : undefined,
    data: JSON.stringify(event),
  });
}
