import type { BatonEvent, DurableEvent, EphemeralEvent } from '@baton-chat/protocol';
import type { EventListener } from './store.js';

/** Reads durable events `from..to` of one conversation (both inclusive). */
export type RangeReader = (conversationId: string, from: number, to: number) => Promise<DurableEvent[]>;

interface Channel {
  listeners: Set<EventListener>;
  /** Highest seq delivered to this channel's listeners; -1 until the first delivery. */
  delivered: number;
  /** Deliveries run one after another so listeners see seqs in order. */
  queue: Promise<void>;
}

/**
 * In-process live fan-out with gap repair: durable events reach each conversation's listeners in seq
 * order and at most once, whether they come from this process's commits (with the events in hand) or
 * from another process's NOTIFY (a seq range, read back from the database).
 */
export class LiveFanout {
  readonly #channels = new Map<string, Channel>();
  readonly #read: RangeReader;

  constructor(read: RangeReader) {
    this.#read = read;
  }

  subscribe(conversationId: string, listener: EventListener): () => void {
    let channel = this.#channels.get(conversationId);
    if (!channel) {
      channel = { listeners: new Set(), delivered: -1, queue: Promise.resolve() };
      this.#channels.set(conversationId, channel);
    }
    channel.listeners.add(listener);
    const owned = channel;
    return () => {
      owned.listeners.delete(listener);
      if (owned.listeners.size === 0 && this.#channels.get(conversationId) === owned) {
        this.#channels.delete(conversationId);
      }
    };
  }

  /** Whether anybody in this process listens to the conversation. */
  has(conversationId: string): boolean {
    return this.#channels.has(conversationId);
  }

  /** Durable events `from..to` were committed; `events` are them when this process has them in hand. */
  committed(conversationId: string, from: number, to: number, events?: readonly DurableEvent[]): void {
    const channel = this.#channels.get(conversationId);
    if (!channel) return;
    channel.queue = channel.queue
      .then(async () => {
        const start = channel.delivered < 0 ? from : channel.delivered + 1;
        if (to < start) return;
        let batch: readonly DurableEvent[];
        if (events && events.length > 0 && events[0]!.seq <= start) {
          batch = events.filter((e) => e.seq >= start);
        } else {
          batch = await this.#read(conversationId, start, to);
        }
        for (const event of batch) {
          if (event.seq <= channel.delivered) continue;
          channel.delivered = event.seq;
          this.#send(channel, event);
        }
      })
      .catch((error: unknown) => console.error('baton-server: live fan-out failed:', error));
  }

  /** An ephemeral event for the conversation's listeners, in order with the durable ones. */
  ephemeral(event: EphemeralEvent): void {
    const channel = this.#channels.get(event.conversationId);
    if (!channel) return;
    channel.queue = channel.queue.then(() => this.#send(channel, event));
  }

  #send(channel: Channel, event: BatonEvent): void {
    for (const listener of [...channel.listeners]) {
      try {
        listener(event);
      } catch (error) {
        console.error('baton-server: an event listener threw:', error);
      }
    }
  }
}
