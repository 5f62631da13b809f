const BRAND = Symbol.for('baton.error');

/** Reports an error nobody can catch (a throwing user callback) as uncaught, without breaking the caller. */
export const rethrow = (error: unknown): void => {
  queueMicrotask(() => {
    throw error;
  });
};

/**
 * What went wrong, as a string code a UI can branch on.
 *
 * `network` (no answer; retried), `http` (an unexpected status), the protocol's problem codes
 * (`unauthorized`, `not-found`, `conversation-closed`, `validation-failed`, ...), `closed` (the client
 * was destroyed), `no-conversation`, `storage` (the persister failed and fell back to memory).
 */
export type BatonErrorCode = string;

/**
 * The one error type of `@baton-chat/core`: a string `code`, the underlying `cause`, the HTTP `status`
 * when there was one, and a message that says what to do next. Check with `BatonError.is(error)`, which
 * also recognises errors from another copy of the package.
 *
 * @example
 * try { await chat.send('hi'); } catch (error) {
 *   if (BatonError.is(error) && error.code === 'conversation-closed') startNewChat();
 * }
 */
export class BatonError extends Error {
  /** Machine-readable reason, such as `network`, `unauthorized` or `conversation-closed`. */
  readonly code: BatonErrorCode;
  /** The HTTP status, when the error came from a response. */
  readonly status: number | undefined;

  constructor(code: BatonErrorCode, message: string, options: { cause?: unknown; status?: number } = {}) {
    super(message, { cause: options.cause });
    this.name = 'BatonError';
    this.code = code;
    this.status = options.status;
  }

  /** Brand shared by every copy of the package, so `is()` works across duplicated bundles. */
  get [BRAND](): true {
    return true;
  }

  /** Whether `value` is a `BatonError` from any copy of `@baton-chat/core`. */
  static is(value: unknown): value is BatonError {
    return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[BRAND] === true;
  }
}
