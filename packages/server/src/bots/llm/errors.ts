import { APIConnectionError, APIConnectionTimeoutError, APIError } from 'openai';

/** What went wrong upstream, for logs and tests; the message says the same in words. */
export type LlmBotErrorCode =
  | 'unauthorized'
  | 'not_found'
  | 'rate_limited'
  | 'bad_request'
  | 'upstream_error'
  | 'unreachable'
  | 'connection_lost'
  | 'timeout'
  | 'malformed'
  | 'empty'
  | 'failed';

/**
 * The error an LLM bot throws when the model endpoint fails. Its `message` is safe to show or log: it
 * never contains the API key, the endpoint's URL or the upstream's own error text. `detail` carries the
 * upstream's error text for the server log, shortened, with the API key redacted.
 */
export class LlmBotError extends Error {
  override readonly name = 'LlmBotError';
  readonly code: LlmBotErrorCode;
  /** HTTP status of the upstream's answer, when it answered with one. */
  readonly status: number | undefined;
  /** The upstream's error text for operators (shortened, API key redacted). Not for customers. */
  readonly detail: string | undefined;

  constructor(code: LlmBotErrorCode, message: string, options: { status?: number; detail?: string } = {}) {
    super(message);
    this.code = code;
    this.status = options.status;
    this.detail = options.detail;
  }
}

const DETAIL_CHARS = 300;

function redact(text: string, apiKey: string | undefined): string {
  let out = text;
  if (apiKey && apiKey.length >= 4) out = out.split(apiKey).join('***');
  // Keys echoed back partially masked by the upstream still look like keys: drop them too.
  out = out.replace(/\b(sk|pk|rk)-[A-Za-z0-9_*.-]{6,}/g, '$1-***');
  return out.length > DETAIL_CHARS ? `${out.slice(0, DETAIL_CHARS)}…` : out;
}

/** The timeout error: no first token (or no further chunk) within `timeoutMs`. */
export function timeoutError(timeoutMs: number): LlmBotError {
  return new LlmBotError('timeout', 'The language model service did not answer in time.', {
    detail: `no token within ${timeoutMs} ms`,
  });
}

/**
 * Turns whatever the `openai` client or the stream threw into an {@link LlmBotError} with a safe message.
 * `streaming` tells whether the response had already started (a broken connection then is a lost one).
 */
export function toLlmBotError(error: unknown, apiKey: string | undefined, streaming: boolean): LlmBotError {
  if (error instanceof LlmBotError) return error;
  const upstreamText = error instanceof Error ? redact(error.message, apiKey) : undefined;
  const detail = upstreamText !== undefined ? { detail: upstreamText } : {};
  if (error instanceof APIConnectionTimeoutError) {
    return new LlmBotError('timeout', 'The language model service did not answer in time.', detail);
  }
  if (error instanceof APIConnectionError) {
    return new LlmBotError('unreachable', 'Could not reach the language model service.', detail);
  }
  if (error instanceof APIError) {
    const status = typeof error.status === 'number' ? error.status : undefined;
    if (status === undefined) {
      // An `{"error": ...}` object inside the event stream.
      return new LlmBotError(
        'upstream_error',
        'The language model service reported an error while answering.',
        detail,
      );
    }
    const withStatus = { ...detail, status };
    if (status === 401 || status === 403) {
      return new LlmBotError(
        'unauthorized',
        `The language model service refused the credentials (HTTP ${status}).`,
        withStatus,
      );
    }
    if (status === 404) {
      return new LlmBotError(
        'not_found',
        'The language model service does not know this model or endpoint (HTTP 404).',
        withStatus,
      );
    }
    if (status === 429) {
      return new LlmBotError(
        'rate_limited',
        'The language model service is limiting requests (HTTP 429).',
        withStatus,
      );
    }
    if (status >= 400 && status < 500) {
      return new LlmBotError(
        'bad_request',
        `The language model service rejected the request (HTTP ${status}).`,
        withStatus,
      );
    }
    return new LlmBotError(
      'upstream_error',
      `The language model service failed (HTTP ${status}).`,
      withStatus,
    );
  }
  if (error instanceof SyntaxError) {
    return new LlmBotError('malformed', 'The language model service sent a malformed response.', detail);
  }
  if (streaming) {
    return new LlmBotError(
      'connection_lost',
      'The connection to the language model service was lost.',
      detail,
    );
  }
  return new LlmBotError('failed', 'The language model request failed.', detail);
}
