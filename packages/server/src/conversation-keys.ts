/** What never changes about a conversation once it is created. */
export interface ConversationKey {
  /** SHA-256 (hex) of its access token. */
  tokenHash: string;
  locale?: string;
}

/**
 * Remembers, per server instance, what never changes about the conversations it served lately (the
 * token's hash and the locale, both written once at creation, and conversations are never deleted),
 * so a route whose transaction reads the row anyway can check the token without a read of its own:
 * one database round trip less per send. Holds at most `max` entries; the least recently used go
 * first. Nothing in it can be stale, so instances sharing a database need no coordination.
 */
export class ConversationKeys {
  readonly #max: number;
  readonly #keys = new Map<string, ConversationKey>();

  constructor(max = 50_000) {
    this.#max = max;
  }

  get(id: string): ConversationKey | undefined {
    const key = this.#keys.get(id);
    if (key) {
      // Map keeps insertion order: moving the entry to the end keeps the least recently used first.
      this.#keys.delete(id);
      this.#keys.set(id, key);
    }
    return key;
  }

  set(id: string, key: ConversationKey): void {
    this.#keys.delete(id);
    this.#keys.set(id, key);
    if (this.#keys.size > this.#max) this.#keys.delete(this.#keys.keys().next().value as string);
  }
}
