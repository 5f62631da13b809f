import { ServerResponse } from 'node:http';
import { RESPONSE_ALREADY_SENT } from '@hono/node-server/utils/response';
import { encodeSseComment } from '@baton-chat/protocol';
import { streamResponse } from './http.js';

const encoder = new TextEncoder();
/** The responses of open event streams, for {@link takeOverEventStream}. */
const streams = new WeakMap<Response, EventStream>();

/** Settings of an {@link EventStream}. */
export interface EventStreamOptions {
  /** A comment goes out when nothing else was written for this long. */
  heartbeatMs: number;
  /**
   * A client whose queue stays above this many bytes for `stallMs` (it stopped reading, or reads slower
   * than its conversation talks) is dropped; it resumes with its cursor. Default: never dropped.
   */
  maxQueuedBytes?: number;
  /** See `maxQueuedBytes`. Default 10 s. */
  stallMs?: number;
  /** Called once when the stream ends, whoever ends it (the route, the client, a slow reader). */
  onEnd?: () => void;
}

type Reader =
  | { kind: 'stream'; controller: ReadableStreamDefaultController<Uint8Array> }
  | { kind: 'node'; out: ServerResponse };
type Sink = { kind: 'pending'; frames: (string | Uint8Array)[]; bytes: number } | Reader;

function send(reader: Reader, frame: string | Uint8Array): void {
  if (reader.kind === 'node') reader.out.write(frame);
  else reader.controller.enqueue(typeof frame === 'string' ? encoder.encode(frame) : frame);
}

function close(reader: Reader): void {
  if (reader.kind === 'node') reader.out.end();
  else reader.controller.close();
}

/**
 * The body of one server-sent event stream. Frames written before anybody reads are kept; then they go
 * to whoever takes the response: on Node's HTTP server the frames are written straight to the socket's
 * response ({@link takeOverEventStream}: no web-stream hop and no promise per frame, which at thousands of
 * streams is a large share of the server's work), anywhere else through the response's ReadableStream.
 */
export class EventStream {
  readonly #maxQueuedBytes: number;
  readonly #stallMs: number;
  readonly #onEnd: (() => void) | undefined;
  readonly #heartbeat: NodeJS.Timeout;
  readonly #response: Response;
  #sink: Sink = { kind: 'pending', frames: [], bytes: 0 };
  #ended = false;
  /** Armed while more than `maxQueuedBytes` wait; cleared when the client has read its queue. */
  #stall: NodeJS.Timeout | undefined;
  #readyWaiters: (() => void)[] = [];

  constructor(options: EventStreamOptions) {
    this.#maxQueuedBytes = options.maxQueuedBytes ?? Infinity;
    this.#stallMs = options.stallMs ?? 10_000;
    this.#onEnd = options.onEnd;
    // Re-armed by every write, so the comment only goes out when the stream was otherwise quiet.
    this.#heartbeat = setInterval(() => this.write(encodeSseComment('hb')), options.heartbeatMs);
    const body = new ReadableStream<Uint8Array>(
      {
        pull: (controller) => {
          if (this.#sink.kind === 'pending') this.#attach({ kind: 'stream', controller });
          else this.#drained();
        },
        cancel: () => this.end(),
      },
      { highWaterMark: 0, size: (chunk) => chunk.byteLength },
    );
    this.#response = streamResponse(body);
    streams.set(this.#response, this);
  }

  /** Whether the stream has ended. */
  get ended(): boolean {
    return this.#ended;
  }

  /** The response to answer the request with. */
  get response(): Response {
    return this.#response;
  }

  /**
   * Writes one frame (a string is encoded as UTF-8). A burst may queue past `maxQueuedBytes` (a long
   * replay, one large event); the client is dropped only when it does not read that queue within `stallMs`.
   */
  write(frame: string | Uint8Array): void {
    if (this.#ended) return;
    const sink = this.#sink;
    try {
      if (sink.kind === 'pending') {
        sink.frames.push(frame);
        sink.bytes += typeof frame === 'string' ? frame.length : frame.byteLength;
      } else send(sink, frame);
    } catch {
      // The client went away under us.
      this.end();
      return;
    }
    this.#heartbeat.refresh();
    this.#checkQueue();
  }

  /** Arms the stall timer when too much waits (the client is then dropped unless it reads it in time). */
  #checkQueue(): void {
    if (this.#stall === undefined && this.#queuedBytes() > this.#maxQueuedBytes) {
      this.#stall = setTimeout(() => this.#drop(), this.#stallMs);
    }
  }

  /**
   * Resolves when at most `maxQueuedBytes` wait for the client (at once if so), or when the stream ends:
   * a writer with much to send (the replay) waits on it, so a slow client never makes it read ahead.
   */
  ready(): Promise<void> {
    if (this.#ended || this.#queuedBytes() <= this.#maxQueuedBytes) return Promise.resolve();
    return new Promise((resolve) => this.#readyWaiters.push(resolve));
  }

  #queuedBytes(): number {
    const sink = this.#sink;
    if (sink.kind === 'node') return sink.out.writableLength;
    if (sink.kind === 'stream') return -(sink.controller.desiredSize ?? 0);
    return sink.bytes;
  }

  /** The client has read everything queued. */
  #drained(): void {
    clearTimeout(this.#stall);
    this.#stall = undefined;
    this.#wake();
  }

  #wake(): void {
    for (const resolve of this.#readyWaiters.splice(0)) resolve();
  }

  /** Drops a client that stopped reading: what it left unread is discarded, not kept for it. */
  #drop(): void {
    const sink = this.#sink;
    if (sink.kind === 'node') sink.out.destroy();
    else if (sink.kind === 'stream') sink.controller.error(new Error('The client stopped reading.'));
    this.end();
  }

  /** Ends the stream (the frames written so far are still delivered). Idempotent. */
  end(): void {
    if (this.#ended) return;
    this.#ended = true;
    clearInterval(this.#heartbeat);
    clearTimeout(this.#stall);
    this.#wake();
    const sink = this.#sink;
    try {
      if (sink.kind !== 'pending') close(sink);
    } catch {
      // Already closed or cancelled by the client.
    }
    this.#onEnd?.();
  }

  /** Hands the frames written so far to the reader that takes the stream; a second taker is ignored. */
  #attach(sink: Reader): void {
    const current = this.#sink;
    if (current.kind !== 'pending') return;
    this.#sink = sink;
    for (const frame of current.frames) send(sink, frame);
    if (this.#ended) close(sink);
    else if (this.#queuedBytes() <= this.#maxQueuedBytes) this.#wake();
    else this.#checkQueue();
  }

  /** Takes Node's response: see {@link takeOverEventStream}. */
  takeOver(out: ServerResponse): void {
    if (out.destroyed) {
      // The client left while the stream was being set up; its close event has been and gone.
      this.end();
      return;
    }
    const response = this.#response;
    const headers: Record<string, string> = {};
    response.headers.forEach((value, name) => (headers[name] = value));
    out.writeHead(response.status, headers);
    out.flushHeaders();
    out.once('close', () => this.end());
    out.on('drain', () => this.#drained());
    this.#attach({ kind: 'node', out });
  }
}

/**
 * On Node's HTTP server (`@hono/node-server`, which passes `{ outgoing }` as the app's environment), writes
 * an event stream's response head, with every header the app's middleware added, and sends its frames
 * straight to `outgoing` from then on. Returns the response to give back to the adapter: the marker
 * that it was sent already, or `response` itself when it is no event stream or `outgoing` is not Node's.
 */
export function takeOverEventStream(response: Response, env: unknown): Response {
  const stream = streams.get(response);
  const out = (env as { outgoing?: unknown } | undefined)?.outgoing;
  if (!stream || !(out instanceof ServerResponse)) return response;
  streams.delete(response);
  stream.takeOver(out);
  return RESPONSE_ALREADY_SENT;
}
