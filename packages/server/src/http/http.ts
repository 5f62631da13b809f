import { createHash, timingSafeEqual } from 'node:crypto';
import type { Context } from 'hono';
import { HEADERS, PROBLEM_CONTENT_TYPE, PROTOCOL_MAJOR, PROTOCOL_VERSION } from '@baton-chat/protocol';
import { BatonError, problemBody } from '../errors.js';
import type { ConversationRecord } from '../store/store.js';

const JSON_MEDIA_TYPE = /^application\/json\s*(;\s*charset\s*=\s*"?utf-8"?\s*)?$/i;
const VERSION = /^(\d{1,4})\.(\d{1,4})$/;
const ID = /^[A-Za-z0-9_-]{1,128}$/;

/** A JSON object request body. */
export type JsonObject = Record<string, unknown>;

/** SHA-256 hex of a bearer token, as stored. */
export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** Whether `value` is a well-formed server id (section 1.3). */
export function isId(value: string): boolean {
  return ID.test(value);
}

/** The JSON response of a successful command. */
export function json(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: {
      'content-type': 'application/json; charset=utf-8',
      [HEADERS.protocol]: PROTOCOL_VERSION,
      ...headers,
    },
  });
}

/** The response of an event stream: headers that keep proxies from buffering or caching it. */
export function streamResponse(body: ReadableStream<Uint8Array>): Response {
  return new Response(body, {
    status: 200,
    headers: {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      'x-accel-buffering': 'no',
      connection: 'keep-alive',
      [HEADERS.protocol]: PROTOCOL_VERSION,
    },
  });
}

/** An empty response (204). */
export function noContent(): Response {
  return new Response(null, { status: 204, headers: { [HEADERS.protocol]: PROTOCOL_VERSION } });
}

/** The `application/problem+json` response of an error. */
export function problemResponse(error: BatonError): Response {
  return new Response(JSON.stringify(error.toProblem()), {
    status: error.status,
    headers: { 'content-type': PROBLEM_CONTENT_TYPE, [HEADERS.protocol]: PROTOCOL_VERSION, ...error.headers },
  });
}

/** The 500 response of an unexpected error; the error itself is logged, never sent. */
export function internalResponse(): Response {
  return new Response(
    JSON.stringify(problemBody('internal', 'Something went wrong on the server; retry later.')),
    {
      status: 500,
      headers: { 'content-type': PROBLEM_CONTENT_TYPE, [HEADERS.protocol]: PROTOCOL_VERSION },
    },
  );
}

/** Refuses a `Baton-Protocol` request header with another major version or a malformed value. */
export function checkProtocolHeader(c: Context): void {
  const value = c.req.header(HEADERS.protocol);
  if (value === undefined) return;
  const match = VERSION.exec(value.trim());
  if (!match || Number(match[1]) !== PROTOCOL_MAJOR) {
    throw new BatonError(
      'bad-request',
      `This server speaks Baton protocol ${PROTOCOL_VERSION}; send Baton-Protocol: ${PROTOCOL_VERSION}.`,
    );
  }
}

/** The bearer token of the request, or undefined. Never from a query string or cookie. */
export function bearerToken(c: Context): string | undefined {
  const match = /^Bearer[ ]+([A-Za-z0-9._~+/=-]{1,512})[ ]*$/i.exec(
    c.req.header(HEADERS.authorization) ?? '',
  );
  return match?.[1];
}

/** Checks the bearer token against the conversation's stored hash, in constant time; returns it. */
export function authorize(c: Context, conversation: Pick<ConversationRecord, 'tokenHash'>): string {
  const token = bearerToken(c);
  const given = Buffer.from(hashToken(token ?? ''), 'hex');
  const stored = Buffer.from(conversation.tokenHash, 'hex');
  if (token === undefined || given.length !== stored.length || !timingSafeEqual(given, stored)) {
    throw new BatonError('unauthorized', 'Send the conversation token as Authorization: Bearer <token>.', {
      headers: { 'www-authenticate': 'Bearer' },
    });
  }
  return token;
}

/**
 * Reads a JSON object body in the order of checks of section 5.4: media type (415), size (413, also
 * while streaming a body without Content-Length), JSON (400 `invalid-json`). An empty body without a
 * Content-Type counts as `{}`.
 */
export async function readJsonBody(c: Context, maxBytes: number): Promise<JsonObject> {
  const contentType = c.req.header('content-type');
  const length = c.req.header('content-length');
  const hasBody = (length !== undefined && length !== '0') || c.req.header('transfer-encoding') !== undefined;
  if (contentType === undefined ? hasBody : !JSON_MEDIA_TYPE.test(contentType.trim())) {
    throw new BatonError('unsupported-media-type', 'Send the body as Content-Type: application/json.');
  }
  const tooLarge = () =>
    new BatonError('payload-too-large', `Request bodies are limited to ${maxBytes} bytes.`, {
      headers: { connection: 'close' },
    });
  if (length !== undefined && Number(length) > maxBytes) throw tooLarge();
  const body = c.req.raw.body;
  if (!body) return {};
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      void reader.cancel().catch(() => undefined);
      throw tooLarge();
    }
    chunks.push(value);
  }
  if (size === 0) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(Buffer.concat(chunks)));
  } catch {
    throw new BatonError('invalid-json', 'The request body is not valid UTF-8 JSON.');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new BatonError('invalid-json', 'The request body must be a JSON object.');
  }
  const problem = bodyProblem(parsed);
  if (problem) throw invalid(problem);
  return parsed as JsonObject;
}

/** NUL or a lone surrogate: JSON can carry them, PostgreSQL text and jsonb cannot store them exactly. */
const UNSTORABLE = /[\0\p{Cs}]/u;
/** Deeper bodies are refused: storing and reading them back overflows the stack. */
const MAX_DEPTH = 64;

/** Why a parsed body cannot be stored (an unstorable string, keys included, or too deep), else undefined. */
function bodyProblem(root: unknown): string | undefined {
  const stack: [unknown, number][] = [[root, 0]];
  while (stack.length > 0) {
    const [value, depth] = stack.pop()!;
    if (typeof value === 'string') {
      if (UNSTORABLE.test(value))
        return 'Strings must be well-formed Unicode without NUL characters (\\u0000 or a lone surrogate).';
    } else if (typeof value === 'object' && value !== null) {
      if (depth >= MAX_DEPTH) return `JSON bodies may nest at most ${MAX_DEPTH} levels deep.`;
      for (const [key, item] of Object.entries(value)) {
        if (UNSTORABLE.test(key))
          return 'Strings must be well-formed Unicode without NUL characters (\\u0000 or a lone surrogate).';
        stack.push([item, depth + 1]);
      }
    }
  }
  return undefined;
}

/** Parses an optional non-negative integer query or header value; anything else is 400 `bad-request`. */
export function cursorValue(raw: string | undefined | null, name: string): number | undefined {
  if (raw === undefined || raw === null) return undefined;
  const value = raw.trim();
  if (!/^\d{1,16}$/.test(value) || !Number.isSafeInteger(Number(value))) {
    throw new BatonError('bad-request', `${name} must be a non-negative integer.`);
  }
  return Number(value);
}

/** A 400 `validation-failed` with `detail`. */
export function invalid(detail: string): BatonError {
  return new BatonError('validation-failed', detail);
}

/** An optional string field of at most `max` UTF-16 code units. */
export function optionalString(
  body: JsonObject,
  name: string,
  max: number,
  tooLong: 'validation-failed' | 'payload-too-large' = 'validation-failed',
): string | undefined {
  const value = body[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw invalid(`${name} must be a string.`);
  if (value.length > max) throw new BatonError(tooLong, `${name} is limited to ${max} characters.`);
  return value;
}

/** Whether `value` is a plain JSON object. */
export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
