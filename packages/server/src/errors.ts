import { PROBLEM_STATUS, PROBLEM_TYPE_BASE } from '@baton-chat/protocol';
import type { HandoffSnapshot, Problem, ProblemCode } from '@baton-chat/protocol';

const BRAND = Symbol.for('baton.error');

/** Short, stable titles per problem code (the same for every occurrence). */
const TITLES: Record<ProblemCode, string> = {
  'bad-request': 'Bad request',
  'invalid-json': 'Invalid JSON',
  'validation-failed': 'Validation failed',
  'idempotency-key-required': 'Idempotency key required',
  unauthorized: 'Unauthorized',
  'invalid-identity': 'Invalid identity',
  forbidden: 'Forbidden',
  'not-found': 'Not found',
  'method-not-allowed': 'Method not allowed',
  'idempotency-in-flight': 'Idempotency key in flight',
  'stale-control': 'Stale control',
  'handoff-terminal': 'Handoff terminal',
  'conversation-closed': 'Conversation closed',
  'payload-too-large': 'Payload too large',
  'unsupported-media-type': 'Unsupported media type',
  'idempotency-key-reused': 'Idempotency key reused',
  'rate-limited': 'Rate limited',
  internal: 'Internal server error',
  unavailable: 'Unavailable',
};

/** Extra fields a problem may carry. */
export interface ProblemExtras {
  controlVersion?: number;
  handoff?: HandoffSnapshot;
}

/**
 * The one error type of the server: a protocol problem code, a detail that says what to do next,
 * optional problem fields and response headers. Routes throw it; the app turns it into
 * `application/problem+json`. Checked with {@link isBatonError}, which works across copies of the package.
 */
export class BatonError extends Error {
  readonly code: ProblemCode;
  readonly extras: ProblemExtras;
  readonly headers: Record<string, string>;

  constructor(
    code: ProblemCode,
    detail: string,
    options: { extras?: ProblemExtras; headers?: Record<string, string>; cause?: unknown } = {},
  ) {
    super(detail, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'BatonError';
    this.code = code;
    this.extras = options.extras ?? {};
    this.headers = options.headers ?? {};
    Object.defineProperty(this, BRAND, { value: true });
  }

  /** The HTTP status of this problem. */
  get status(): number {
    return PROBLEM_STATUS[this.code];
  }

  /** The RFC 9457 body. */
  toProblem(): Problem {
    return problemBody(this.code, this.message, this.extras);
  }
}

/** Whether `value` is a {@link BatonError} (from any copy of this package). */
export function isBatonError(value: unknown): value is BatonError {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[BRAND] === true;
}

/** Builds a problem body for `code`. */
export function problemBody(code: ProblemCode, detail?: string, extras: ProblemExtras = {}): Problem {
  return {
    type: PROBLEM_TYPE_BASE + code,
    title: TITLES[code],
    status: PROBLEM_STATUS[code],
    code,
    ...(detail !== undefined && { detail }),
    ...extras,
  };
}
