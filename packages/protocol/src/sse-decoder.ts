/** One event dispatched by the SSE decoder. */
export interface SseMessage {
  /** The `event` field of the block, or `message` when the block had none (or an empty one). */
  event: string;
  /** The block's `data` lines joined with `\n`. */
  data: string;
  /** The `id` field seen in this block, or `undefined` when the block had none (or only ignored ones). */
  id: string | undefined;
  /** The decoder's last event ID after this block: what a reconnecting client sends as `Last-Event-ID`. */
  lastEventId: string;
}

/** Callbacks for the parts of a stream that are not dispatched as messages. */
export interface SseDecoderOptions {
  /**
   * Called for every comment line (a line starting with `:`) with the text after the colon, one leading
   * space removed, such as `hb` for `: hb`. Comments are never dispatched as messages.
   */
  onComment?: (text: string) => void;
  /** Called when a valid `retry` field (ASCII digits only) sets the reconnection time, in milliseconds. */
  onRetry?: (ms: number) => void;
}

/** An incremental `text/event-stream` parser; see {@link createSseDecoder}. */
export interface SseDecoder {
  /**
   * Feeds the next chunk of the stream (bytes, or text already decoded) and returns the messages whose
   * blocks it completed, in order. Chunks may split lines, CRLF pairs and UTF-8 sequences anywhere.
   */
  push(chunk: Uint8Array | string): SseMessage[];
  /**
   * Ends the stream: the unfinished block, if any, is discarded as the spec requires, so this returns an
   * empty array. The decoder can then read a new stream (a reconnection) and keeps `lastEventId` and
   * `retry`, as an `EventSource` does.
   */
  end(): SseMessage[];
  /** The last event ID as of the last completed block (`''` until an `id` field is seen). */
  readonly lastEventId: string;
  /** The reconnection time in milliseconds from the last valid `retry` field, or `undefined` if none. */
  readonly retry: number | undefined;
}

const LF = 0x0a;
const CR = 0x0d;
const SPACE = 0x20;
const BOM = '\uFEFF';
// Below this size a chunk is cheaper to turn into text with String.fromCharCode than with TextDecoder,
// which matters when a stream arrives a few bytes at a time.
const SMALL_CHUNK = 64;

function isAsciiDigits(value: string): boolean {
  if (value.length === 0) return false;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c < 0x30 || c > 0x39) return false;
  }
  return true;
}

function callSafely<T>(callback: ((value: T) => void) | undefined, value: T): void {
  if (callback === undefined) return;
  try {
    callback(value);
  } catch (error) {
    // A throwing callback must not leave the parser half-way through a chunk; report it the way an
    // event listener's exception is reported instead.
    queueMicrotask(() => {
      throw error;
    });
  }
}

class Decoder implements SseDecoder {
  readonly #onComment: SseDecoderOptions['onComment'];
  readonly #onRetry: SseDecoderOptions['onRetry'];
  readonly #textDecoder = new TextDecoder('utf-8', { ignoreBOM: true });
  // True while the TextDecoder may hold the first bytes of an unfinished UTF-8 sequence.
  #bytesPending = false;
  #atStreamStart = true;
  #skipLineFeed = false;
  // Pieces of the current unfinished line; joined once the line ends so tiny chunks stay linear.
  #lineParts: string[] = [];
  #dataLines: string[] = [];
  #eventType = '';
  #blockId: string | undefined = undefined;
  #idBuffer = '';
  #lastEventId = '';
  #retry: number | undefined = undefined;
  #out: SseMessage[] = [];

  constructor(options: SseDecoderOptions) {
    this.#onComment = options.onComment;
    this.#onRetry = options.onRetry;
  }

  get lastEventId(): string {
    return this.#lastEventId;
  }

  get retry(): number | undefined {
    return this.#retry;
  }

  push(chunk: Uint8Array | string): SseMessage[] {
    const text = typeof chunk === 'string' ? this.#flushBytes() + chunk : this.#decodeBytes(chunk);
    this.#parse(text);
    const out = this.#out;
    this.#out = [];
    return out;
  }

  end(): SseMessage[] {
    // Whatever the decoder still holds is an unfinished line, so it is discarded with the rest.
    this.#textDecoder.decode();
    this.#bytesPending = false;
    this.#atStreamStart = true;
    this.#skipLineFeed = false;
    this.#lineParts = [];
    this.#resetBlock();
    this.#idBuffer = this.#lastEventId;
    return [];
  }

  #flushBytes(): string {
    if (!this.#bytesPending) return '';
    this.#bytesPending = false;
    return this.#textDecoder.decode();
  }

  #decodeBytes(bytes: Uint8Array): string {
    const length = bytes.length;
    if (length === 0) return '';
    if (!this.#bytesPending && length <= SMALL_CHUNK) {
      let ascii = true;
      for (let i = 0; i < length; i++) {
        if (bytes[i]! >= 0x80) {
          ascii = false;
          break;
        }
      }
      if (ascii) return String.fromCharCode.apply(null, bytes as unknown as number[]);
    }
    // An ASCII last byte always completes (or invalidates) any pending sequence, so the decoder is clean.
    this.#bytesPending = bytes[length - 1]! >= 0x80;
    return this.#textDecoder.decode(bytes, { stream: true });
  }

  #parse(text: string): void {
    if (text.length === 0) return;
    let start = 0;
    if (this.#atStreamStart) {
      this.#atStreamStart = false;
      if (text.startsWith(BOM)) start = 1;
    }
    if (this.#skipLineFeed) {
      this.#skipLineFeed = false;
      if (text.charCodeAt(start) === LF) start++;
    }
    const length = text.length;
    let i = start;
    while (i < length) {
      const c = text.charCodeAt(i);
      if (c !== LF && c !== CR) {
        i++;
        continue;
      }
      let line = text.slice(start, i);
      if (this.#lineParts.length > 0) {
        this.#lineParts.push(line);
        line = this.#lineParts.join('');
        this.#lineParts = [];
      }
      this.#processLine(line);
      i++;
      if (c === CR) {
        if (i === length) {
          this.#skipLineFeed = true;
        } else if (text.charCodeAt(i) === LF) {
          i++;
        }
      }
      start = i;
    }
    if (start < length) this.#lineParts.push(start === 0 ? text : text.slice(start));
  }

  #processLine(line: string): void {
    if (line.length === 0) {
      this.#dispatch();
      return;
    }
    const colon = line.indexOf(':');
    if (colon === 0) {
      callSafely(this.#onComment, line.charCodeAt(1) === SPACE ? line.slice(2) : line.slice(1));
      return;
    }
    let field: string;
    let value: string;
    if (colon === -1) {
      field = line;
      value = '';
    } else {
      field = line.slice(0, colon);
      value = line.slice(line.charCodeAt(colon + 1) === SPACE ? colon + 2 : colon + 1);
    }
    switch (field) {
      case 'event':
        this.#eventType = value;
        break;
      case 'data':
        this.#dataLines.push(value);
        break;
      case 'id':
        if (!value.includes('\0')) {
          this.#idBuffer = value;
          this.#blockId = value;
        }
        break;
      case 'retry':
        if (isAsciiDigits(value)) {
          this.#retry = Number.parseInt(value, 10);
          callSafely(this.#onRetry, this.#retry);
        }
        break;
      default:
        break;
    }
  }

  #dispatch(): void {
    this.#lastEventId = this.#idBuffer;
    if (this.#dataLines.length > 0) {
      this.#out.push({
        event: this.#eventType === '' ? 'message' : this.#eventType,
        data: this.#dataLines.join('\n'),
        id: this.#blockId,
        lastEventId: this.#lastEventId,
      });
    }
    this.#resetBlock();
  }

  #resetBlock(): void {
    this.#dataLines = [];
    this.#eventType = '';
    this.#blockId = undefined;
  }
}

/**
 * Creates an incremental decoder for a `text/event-stream` body that follows the WHATWG HTML parsing rules
 * exactly.
 *
 * Bytes are decoded as UTF-8 in streaming mode; one leading BOM is stripped; CR, LF and CRLF all end a
 * line (also when the CR and LF arrive in different chunks); comments go to `onComment`; an `id`
 * containing U+0000 is ignored; `retry` is honoured only when it is all ASCII digits; a block without
 * `data` is not dispatched (but its `id` still updates `lastEventId`); an unterminated final block is
 * dropped. Work is linear in the stream length whatever the chunk sizes.
 *
 * @example
 * ```ts
 * const decoder = createSseDecoder({ onComment: (text) => console.log('comment', text) });
 * for (const message of decoder.push('event: hello\nid: 1\ndata: {"a":1}\n\n')) {
 *   console.log(message.event, message.id, JSON.parse(message.data));
 * }
 * decoder.end();
 * ```
 */
export function createSseDecoder(options: SseDecoderOptions = {}): SseDecoder {
  return new Decoder(options);
}

/**
 * Decodes a complete stream given as chunks and returns every dispatched message.
 *
 * Equivalent to pushing each chunk into {@link createSseDecoder} and calling `end()`.
 *
 * @example
 * ```ts
 * const [message] = decodeSse(['data: he', 'llo\n\n']);
 * message.data; // 'hello'
 * ```
 */
export function decodeSse(
  chunks: Iterable<Uint8Array | string>,
  options: SseDecoderOptions = {},
): SseMessage[] {
  const decoder = createSseDecoder(options);
  const messages: SseMessage[] = [];
  for (const chunk of chunks) {
    for (const message of decoder.push(chunk)) messages.push(message);
  }
  for (const message of decoder.end()) messages.push(message);
  return messages;
}

/**
 * Reads a `text/event-stream` response body and yields each message as its block completes.
 *
 * The body is consumed with a reader. Aborting `signal` cancels the body and makes the iteration throw
 * the signal's reason; leaving the loop early (`break`, `return`, an exception) cancels the body too. An
 * unterminated final block is dropped, as the spec requires.
 *
 * @example
 * ```ts
 * const response = await fetch(url, { headers: { accept: 'text/event-stream' } });
 * for await (const message of readSseStream(response.body!, { signal })) {
 *   console.log(message.event, message.data);
 * }
 * ```
 */
export async function* readSseStream(
  body: ReadableStream<Uint8Array>,
  options: SseDecoderOptions & { signal?: AbortSignal } = {},
): AsyncGenerator<SseMessage, void, undefined> {
  const { signal, ...decoderOptions } = options;
  if (signal?.aborted) {
    await body.cancel(signal.reason).catch(() => {});
    throw signal.reason;
  }
  const reader = body.getReader();
  const decoder = createSseDecoder(decoderOptions);
  let finished = false;
  const onAbort = (): void => {
    reader.cancel(signal?.reason).catch(() => {});
  };
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    for (;;) {
      const { done, value } = await reader.read();
      signal?.throwIfAborted();
      if (done) break;
      yield* decoder.push(value);
    }
    finished = true;
    yield* decoder.end();
  } finally {
    signal?.removeEventListener('abort', onAbort);
    if (!finished) await reader.cancel().catch(() => {});
    reader.releaseLock();
  }
}
