import { WEBHOOK_TOLERANCE_SECONDS } from './constants.js';

/** Options of {@link verifyWebhook}. */
export interface VerifyWebhookOptions {
  /** The current time in Unix seconds; defaults to the system clock. */
  nowSeconds?: number;
  /** Largest accepted distance between the signature's timestamp and now; defaults to `WEBHOOK_TOLERANCE_SECONDS`. */
  toleranceSeconds?: number;
}

/**
 * The outcome of {@link verifyWebhook}: the signed timestamp, or why the delivery must be rejected.
 *
 * `malformed`: the header is not `t=<seconds>,v1=<64 hex>`; `expired`: the timestamp is outside the
 * tolerance; `mismatch`: no `v1` signature matches the body and secret.
 */
export type VerifyWebhookResult =
  { ok: true; timestamp: number } | { ok: false; reason: 'malformed' | 'expired' | 'mismatch' };

const encoder = new TextEncoder();
const HEX_SHA256 = /^[0-9a-f]{64}$/;
const DIGITS = /^[0-9]{1,15}$/;

function subtle(): SubtleCrypto {
  const value = globalThis.crypto?.subtle;
  if (value === undefined) {
    throw new Error(
      'WebCrypto is not available (globalThis.crypto.subtle is undefined): use Node 20+ or a browser page served over https or from localhost',
    );
  }
  return value;
}

function toHex(bytes: Uint8Array): string {
  let hex = '';
  for (const byte of bytes) hex += byte.toString(16).padStart(2, '0');
  return hex;
}

// Every character is compared whatever the first difference is, so the time taken reveals nothing
// about how much of a guessed signature was right.
function constantTimeEqual(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}

function nowInSeconds(): number {
  return Math.floor(Date.now() / 1000);
}

/**
 * Computes the lower-case hex HMAC-SHA256 of `message` keyed with `secret`, both encoded as UTF-8.
 *
 * This is the `user.hash` of verified identity (`hmacSha256Hex(siteSecret, userId)`) and the `v1` value of
 * webhook signatures. Uses WebCrypto, so it works in browsers and Node 20 alike.
 *
 * @throws TypeError when `secret` is empty (WebCrypto refuses zero-length HMAC keys).
 * @example
 * ```ts
 * const hash = await hmacSha256Hex(process.env.BATON_SITE_SECRET!, user.id);
 * ```
 */
export async function hmacSha256Hex(secret: string, message: string): Promise<string> {
  if (secret.length === 0)
    throw new TypeError('The HMAC secret is empty: pass the shared secret configured for this site or hub');
  const crypto = subtle();
  const key = await crypto.importKey(
    'raw',
    encoder.encode(secret),
    { name: 'HMAC', hash: 'SHA-256' },
    false,
    ['sign'],
  );
  const signature = await crypto.sign('HMAC', key, encoder.encode(message));
  return toHex(new Uint8Array(signature));
}

/**
 * Signs a webhook body and returns the `Baton-Signature` header value `t=<unix seconds>,v1=<hex>`.
 *
 * The signature is `hmacSha256Hex(secret, `${t}.${rawBody}`)`, where `rawBody` must be the exact bytes
 * sent (as text). `timestampSeconds` defaults to now.
 *
 * @throws RangeError when `timestampSeconds` is not a non-negative integer; TypeError when `secret` is empty.
 * @example
 * ```ts
 * const body = JSON.stringify(envelope);
 * await fetch(hubUrl, { method: 'POST', body, headers: {
 *   'content-type': 'application/json',
 *   [HEADERS.webhookSignature]: await signWebhook(secret, body),
 * } });
 * ```
 */
export async function signWebhook(
  secret: string,
  rawBody: string,
  timestampSeconds: number = nowInSeconds(),
): Promise<string> {
  if (!Number.isSafeInteger(timestampSeconds) || timestampSeconds < 0) {
    throw new RangeError(
      `timestampSeconds must be a non-negative integer (Unix seconds), got ${String(timestampSeconds)}`,
    );
  }
  const signature = await hmacSha256Hex(secret, `${timestampSeconds}.${rawBody}`);
  return `t=${timestampSeconds},v1=${signature}`;
}

/**
 * Checks a `Baton-Signature` header against the raw request body and the shared secret.
 *
 * The header is a comma-separated list with exactly one `t=` and one or more `v1=` entries; the delivery
 * is accepted when any `v1` matches, so a sender can sign with both the old and the new secret while a
 * secret is rotated. Unknown entries (future schemes) are ignored. Comparison is constant-time.
 * Timestamps more than `toleranceSeconds` (default `WEBHOOK_TOLERANCE_SECONDS`, 300) before or after now
 * are `expired`, which blocks replays of old deliveries. Never throws for bad input; it reports it.
 *
 * @example
 * ```ts
 * const rawBody = await request.text();
 * const result = await verifyWebhook(secret, rawBody, request.headers.get(HEADERS.webhookSignature) ?? '');
 * if (!result.ok) return new Response(result.reason, { status: 401 });
 * ```
 */
export async function verifyWebhook(
  secret: string,
  rawBody: string,
  header: string,
  options: VerifyWebhookOptions = {},
): Promise<VerifyWebhookResult> {
  const { nowSeconds = nowInSeconds(), toleranceSeconds = WEBHOOK_TOLERANCE_SECONDS } = options;
  let timestamp: number | undefined;
  const candidates: string[] = [];
  if (typeof header !== 'string') return { ok: false, reason: 'malformed' };
  for (const entry of header.split(',')) {
    const equals = entry.indexOf('=');
    if (equals === -1) continue;
    const key = entry.slice(0, equals).trim();
    const value = entry.slice(equals + 1).trim();
    if (key === 't') {
      if (timestamp !== undefined || !DIGITS.test(value)) return { ok: false, reason: 'malformed' };
      timestamp = Number(value);
    } else if (key === 'v1') {
      const hex = value.toLowerCase();
      if (HEX_SHA256.test(hex)) candidates.push(hex);
    }
  }
  if (timestamp === undefined || candidates.length === 0) return { ok: false, reason: 'malformed' };
  if (Math.abs(nowSeconds - timestamp) > toleranceSeconds) return { ok: false, reason: 'expired' };
  if (secret.length === 0) return { ok: false, reason: 'mismatch' };
  const expected = await hmacSha256Hex(secret, `${timestamp}.${rawBody}`);
  let matched = false;
  for (const candidate of candidates) {
    if (constantTimeEqual(candidate, expected)) matched = true;
  }
  return matched ? { ok: true, timestamp } : { ok: false, reason: 'mismatch' };
}
