const MAX_TIMESTAMP = 2 ** 48;
const COUNTER_LOW = 2 ** 30;
// 42 counter bits: the 12 of rand_a and the first 30 of rand_b (RFC 9562 section 6.2, method 1).
const COUNTER_LIMIT = 2 ** 42;
// A clock that steps back (NTP) by less than this keeps the previous timestamp so ids stay increasing.
const BACKWARD_STEP_MS = 10_000;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

let lastMs = -1;
let counter = 0;

function randomBytes(length: number): Uint8Array {
  const crypto = globalThis.crypto;
  if (crypto?.getRandomValues === undefined) {
    throw new Error('crypto.getRandomValues is not available: use Node 20+ or a browser');
  }
  return crypto.getRandomValues(new Uint8Array(length));
}

function randomCounterSeed(): number {
  const bytes = randomBytes(6);
  // The top counter bit starts at zero, so at least 2^41 ids fit in one millisecond before it overflows.
  const high = ((bytes[0]! << 8) | bytes[1]!) & 0x7ff;
  const low = ((bytes[2]! << 24) | (bytes[3]! << 16) | (bytes[4]! << 8) | bytes[5]!) >>> 2;
  return high * COUNTER_LOW + low;
}

function hex(bytes: Uint8Array, from: number, to: number): string {
  let out = '';
  for (let i = from; i < to; i++) out += bytes[i]!.toString(16).padStart(2, '0');
  return out;
}

/**
 * Generates an RFC 9562 UUIDv7: a 48-bit Unix millisecond timestamp followed by random bits, so ids sort
 * by creation time.
 *
 * Ids made in one JavaScript realm are strictly increasing: within the same millisecond (or if the clock
 * steps back by up to 10 seconds) the previous timestamp is kept and a 42-bit counter, seeded at random
 * each millisecond, is incremented; the last 32 bits are fresh from `crypto.getRandomValues`. A `now`
 * more than 10 seconds before the newest timestamp used so far is taken as given, for backfilling old
 * records; such ids are ordered by time but not within their millisecond. Returns lower-case
 * `8-4-4-4-12` hex.
 *
 * @param now Unix time in milliseconds; defaults to `Date.now()`. Fractions are dropped.
 * @throws RangeError when `now` is negative, not finite or does not fit in 48 bits.
 * @example
 * ```ts
 * const clientMessageId = uuidv7(); // '019ab5c2-7e31-7c4a-9f10-5b2d6e8a1c3f'
 * ```
 */
export function uuidv7(now: number = Date.now()): string {
  if (!Number.isFinite(now) || now < 0 || now >= MAX_TIMESTAMP) {
    throw new RangeError(
      `uuidv7 needs a Unix time in milliseconds between 0 and 2^48 - 1, got ${String(now)}`,
    );
  }
  let ms = Math.floor(now);
  let sequence: number;
  if (ms > lastMs) {
    lastMs = ms;
    sequence = counter = randomCounterSeed();
  } else if (ms >= lastMs - BACKWARD_STEP_MS) {
    ms = lastMs;
    sequence = ++counter;
    if (sequence >= COUNTER_LIMIT) {
      ms = ++lastMs;
      sequence = counter = randomCounterSeed();
    }
  } else {
    // A backfilled id must not disturb the ordering of ids made from the live clock.
    sequence = randomCounterSeed();
  }
  const bytes = randomBytes(16);
  const timeHigh = Math.floor(ms / 2 ** 32);
  const timeLow = ms % 2 ** 32;
  bytes[0] = timeHigh >>> 8;
  bytes[1] = timeHigh & 0xff;
  bytes[2] = timeLow >>> 24;
  bytes[3] = (timeLow >>> 16) & 0xff;
  bytes[4] = (timeLow >>> 8) & 0xff;
  bytes[5] = timeLow & 0xff;
  const counterHigh = Math.floor(sequence / COUNTER_LOW);
  const counterLow = sequence % COUNTER_LOW;
  bytes[6] = 0x70 | (counterHigh >>> 8);
  bytes[7] = counterHigh & 0xff;
  bytes[8] = 0x80 | (counterLow >>> 24);
  bytes[9] = (counterLow >>> 16) & 0xff;
  bytes[10] = (counterLow >>> 8) & 0xff;
  bytes[11] = counterLow & 0xff;
  return `${hex(bytes, 0, 4)}-${hex(bytes, 4, 6)}-${hex(bytes, 6, 8)}-${hex(bytes, 8, 10)}-${hex(bytes, 10, 16)}`;
}

/**
 * Tells whether `value` is a UUID string in the `8-4-4-4-12` hex form of RFC 9562.
 *
 * Any version and variant is accepted, as are the nil and max UUIDs; letters may be upper or lower case.
 * No braces, `urn:uuid:` prefix or surrounding whitespace.
 *
 * @example
 * ```ts
 * isUuid(uuidv7()); // true
 * isUuid('not-a-uuid'); // false
 * ```
 */
export function isUuid(value: unknown): boolean {
  return typeof value === 'string' && UUID.test(value);
}
