/** Settings of one token bucket family: `burst` requests at once, refilled at `perMinute`. */
export interface RateLimit {
  /** Requests allowed per minute on average; 0 disables the limit. */
  perMinute: number;
  /** Requests allowed at once before the average applies. Default: `perMinute`. */
  burst?: number;
}

interface Bucket {
  tokens: number;
  at: number;
}

/**
 * Token buckets by key (a client IP, a conversation id), in memory. `take` answers 0 when the request
 * may go ahead, or the whole seconds to wait. Idle buckets are forgotten so memory stays bounded.
 */
export class RateLimiter {
  readonly #buckets = new Map<string, Bucket>();
  readonly #perMs: number;
  readonly #burst: number;

  constructor(limit: RateLimit) {
    this.#perMs = limit.perMinute / 60_000;
    this.#burst = limit.burst ?? limit.perMinute;
  }

  take(key: string, now = Date.now()): number {
    if (this.#perMs <= 0) return 0;
    let bucket = this.#buckets.get(key);
    if (!bucket) {
      if (this.#buckets.size > 100_000) this.#sweep(now);
      bucket = { tokens: this.#burst, at: now };
      this.#buckets.set(key, bucket);
    }
    bucket.tokens = Math.min(this.#burst, bucket.tokens + (now - bucket.at) * this.#perMs);
    bucket.at = now;
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return 0;
    }
    return Math.max(1, Math.ceil((1 - bucket.tokens) / this.#perMs / 1000));
  }

  #sweep(now: number): void {
    for (const [key, bucket] of this.#buckets) {
      if (bucket.tokens + (now - bucket.at) * this.#perMs >= this.#burst) this.#buckets.delete(key);
    }
  }
}
