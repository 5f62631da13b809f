/** A named channel to the other tabs of the same origin; see {@link Tabs}. */
export interface TabChannel {
  /** Sends a structured-clonable message to every other open channel of the same name (never to itself). */
  post(message: unknown): void;
  /** Closes the channel; no more messages arrive. */
  close(): void;
}

/**
 * What multi-tab coordination needs from the platform: an exclusive lock shared by the tabs of an
 * origin (Web Locks) and a broadcast channel (BroadcastChannel). Tests pass fakes; {@link browserTabs}
 * gives the real ones.
 */
export interface Tabs {
  /**
   * Asks for the exclusive lock `name`. Calls `onAcquired` once it is granted, then holds it until
   * `signal` aborts or the tab goes away (the browser then grants it to the next tab waiting).
   */
  lock(name: string, onAcquired: () => void, signal: AbortSignal): void;
  /** Opens the channel `name`; `onMessage` gets what the other tabs post. */
  channel(name: string, onMessage: (message: unknown) => void): TabChannel;
}

/**
 * The browser's Web Locks and BroadcastChannel as {@link Tabs}, or `undefined` where either is missing
 * (Node, older webviews): each chat then streams on its own. Reads no global until called.
 *
 * @example
 * createChat({ server, tabs: browserTabs() }); // the default; pass `tabs: null` to stream per instance
 */
export function browserTabs(): Tabs | undefined {
  const locks = (globalThis as { navigator?: { locks?: LockManager } }).navigator?.locks;
  if (!locks || typeof BroadcastChannel !== 'function') return undefined;
  return {
    lock(name, onAcquired, signal) {
      locks
        .request(name, { signal }, () => {
          // Granted just as the chat was destroyed: give the lock straight back.
          if (signal.aborted) return;
          onAcquired();
          return new Promise((resolve) => signal.addEventListener('abort', resolve));
        })
        // An abort while still waiting rejects with AbortError: nothing to do.
        .catch(() => {});
    },
    channel(name, onMessage) {
      const channel = new BroadcastChannel(name);
      channel.onmessage = (event) => onMessage(event.data);
      return { post: (message) => channel.postMessage(message), close: () => channel.close() };
    },
  };
}
