import type { TabChannel, Tabs } from '@baton-chat/core';

/**
 * An in-process stand-in for one browser's Web Locks and BroadcastChannel: every `tabs()` is one tab.
 * Locks are granted in request order and passed on when the holder's signal aborts; channel messages
 * are structured-cloned and delivered asynchronously, in order, to every other channel of that name.
 */
export function createFakeBrowser() {
  const queues = new Map<string, { onAcquired(): void; signal: AbortSignal }[]>();
  const channels = new Map<string, Set<(message: unknown) => void>>();
  const grant = (entry: { onAcquired(): void; signal: AbortSignal }) =>
    setTimeout(() => {
      if (!entry.signal.aborted) entry.onAcquired();
    }, 0);
  return {
    /** Who holds each lock: the number of waiters including the holder. */
    waiting: (name: string) => queues.get(name)?.length ?? 0,
    tabs(): Tabs {
      return {
        lock(name, onAcquired, signal) {
          const queue = queues.get(name) ?? [];
          queues.set(name, queue);
          const entry = { onAcquired, signal };
          queue.push(entry);
          signal.addEventListener('abort', () => {
            const index = queue.indexOf(entry);
            if (index < 0) return;
            queue.splice(index, 1);
            if (index === 0 && queue[0]) grant(queue[0]);
          });
          if (queue.length === 1) grant(entry);
        },
        channel(name, onMessage): TabChannel {
          const listeners = channels.get(name) ?? new Set();
          channels.set(name, listeners);
          const self = (message: unknown) => onMessage(message);
          listeners.add(self);
          return {
            post(message) {
              const copy = structuredClone(message);
              for (const listener of listeners) {
                if (listener !== self)
                  setTimeout(() => listeners.has(listener) && listener(structuredClone(copy)), 0);
              }
            },
            close: () => listeners.delete(self),
          };
        },
      };
    },
  };
}
