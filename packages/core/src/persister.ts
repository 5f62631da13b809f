import { createStore, promisifyRequest } from 'idb-keyval';
import type { UseStore } from 'idb-keyval';
import type { ChatSnapshot } from './chat-state.js';
import { rethrow } from './errors.js';

/** The parts of a snapshot that are stored: everything but the live connection state. */
export type StoredSnapshot = Pick<
  ChatSnapshot,
  'status' | 'messages' | 'handoff' | 'control' | 'controlVersion' | 'cursor' | 'readUpToSeq' | 'features'
>;

/** One stored conversation: its credentials, the transcript and the cursor, written together. */
export interface StoredConversation {
  conversationId: string;
  /** The conversation's bearer token; delete the record when the user signs out. */
  token: string;
  /** Transcript and cursor, stored atomically, so the cursor never runs ahead of the messages. */
  snapshot: StoredSnapshot;
}

/** A message written before its first send attempt and removed once the server has it. */
export interface OutboxEntry {
  /** UUIDv7; also the `Idempotency-Key` of every attempt. */
  clientMessageId: string;
  text: string;
  metadata?: Record<string, unknown>;
  /** When the user sent it, in Unix milliseconds (entries older than 24 h are not retried automatically). */
  createdAt: number;
}

/**
 * Where storage stands: `persistent` (IndexedDB works), `memory` (no persistent storage, by choice or
 * because the browser has none), `degraded` (IndexedDB failed during this session: quota, closed or
 * blocked database; everything since is kept in memory, nothing from this session is lost).
 */
export type PersisterStatus = 'persistent' | 'memory' | 'degraded';

/**
 * Stores conversations and their outbox. `key` names one chat (by default the server URL and user id).
 * Implementations must keep each write atomic; a failed write rejects or degrades, it never half-writes.
 */
export interface Persister {
  /** Current storage status, for a "changes are not saved" notice. */
  readonly status: PersisterStatus;
  loadConversation(key: string): Promise<StoredConversation | undefined>;
  saveConversation(key: string, record: StoredConversation): Promise<void>;
  /** Reads the outbox of `key` as stored now (other tabs may have written it since the last read). */
  loadOutbox(key: string): Promise<OutboxEntry[]>;
  /**
   * Changes the outbox of `key` in one atomic read-modify-write (one IndexedDB transaction), so two tabs
   * adding and removing messages at the same time lose nothing; resolves with the entries written.
   * `change` may run more than once and must not have side effects.
   */
  updateOutbox(key: string, change: (entries: OutboxEntry[]) => OutboxEntry[]): Promise<OutboxEntry[]>;
  /** Deletes the conversation and outbox of `key` (sign-out, or a conversation the server forgot). */
  clear(key: string): Promise<void>;
}

const conversationKey = (key: string): string => `conversation:${key}`;
const outboxKey = (key: string): string => `outbox:${key}`;

/**
 * Creates a persister that keeps everything in memory for the lifetime of the page (or of the returned
 * object: pass the same instance to a new `createChat` to resume).
 *
 * @example
 * const chat = createChat({ server, persister: createMemoryPersister() });
 */
export function createMemoryPersister(): Persister {
  const data = new Map<string, unknown>();
  return {
    status: 'memory',
    loadConversation: async (key) => data.get(conversationKey(key)) as StoredConversation | undefined,
    saveConversation: async (key, record) => {
      data.set(conversationKey(key), record);
    },
    loadOutbox: async (key) => ((data.get(outboxKey(key)) as OutboxEntry[] | undefined) ?? []).slice(),
    updateOutbox: async (key, change) => {
      const next = change(((data.get(outboxKey(key)) as OutboxEntry[] | undefined) ?? []).slice());
      data.set(outboxKey(key), next);
      return next.slice();
    },
    clear: async (key) => {
      data.delete(conversationKey(key));
      data.delete(outboxKey(key));
    },
  };
}

/** Options of {@link createIdbPersister}. */
export interface IdbPersisterOptions {
  /** IndexedDB database name. Default `baton`; never idb-keyval's shared default database. */
  databaseName?: string;
  /** Object store name. Default `chat`. */
  storeName?: string;
  /** Called when storage degrades to memory, with the error that caused it. */
  onDegrade?(error: unknown): void;
}

/**
 * Creates a persister on IndexedDB (through idb-keyval, in its own database `baton`), so conversations,
 * cursors and unsent messages survive reloads. Without IndexedDB it works in memory (status `memory`);
 * when IndexedDB fails later (quota exceeded, database closed by the browser, blocked upgrade) it keeps
 * working in memory with status `degraded` and calls `onDegrade`. Every value written in the session is
 * mirrored in memory, so a failure loses nothing from the current session.
 *
 * @example
 * const persister = createIdbPersister({ onDegrade: () => showNotice('Messages are not saved on this device') });
 * const chat = createChat({ server, persister });
 */
export function createIdbPersister(options: IdbPersisterOptions = {}): Persister {
  const memory = new Map<string, unknown>();
  let status: PersisterStatus = 'persistent';
  let store: UseStore | undefined;
  const degrade = (error: unknown, to: PersisterStatus = 'degraded'): void => {
    if (status !== 'persistent') return;
    status = to;
    store = undefined;
    try {
      options.onDegrade?.(error);
    } catch (e) {
      rethrow(e);
    }
  };
  try {
    if (typeof indexedDB === 'undefined') throw new Error('IndexedDB is not available');
    store = createStore(options.databaseName ?? 'baton', options.storeName ?? 'chat');
  } catch (error) {
    degrade(error, 'memory');
  }
  // `fresh` reads what IndexedDB holds now (another tab may have written it), else the session's copy.
  const read = async <T>(name: string, fresh?: boolean): Promise<T | undefined> => {
    if (memory.has(name) && !(fresh && store)) return memory.get(name) as T;
    if (!store) return undefined;
    try {
      const value = await store('readonly', (s) => promisifyRequest<T | undefined>(s.get(name)));
      if (value !== undefined && (fresh || !memory.has(name))) memory.set(name, value);
      return memory.get(name) as T | undefined;
    } catch (error) {
      degrade(error);
      return undefined;
    }
  };
  const write = async (name: string, value: unknown): Promise<void> => {
    if (value === undefined) memory.delete(name);
    else memory.set(name, value);
    if (!store) return;
    try {
      await store('readwrite', (s) => {
        if (value === undefined) s.delete(name);
        else s.put(value, name);
        return promisifyRequest(s.transaction);
      });
    } catch (error) {
      degrade(error);
    }
  };
  return {
    get status() {
      return status;
    },
    loadConversation: (key) => read<StoredConversation>(conversationKey(key)),
    saveConversation: (key, record) => write(conversationKey(key), record),
    loadOutbox: async (key) => ((await read<OutboxEntry[]>(outboxKey(key), true)) ?? []).slice(),
    updateOutbox: async (key, change) => {
      const name = outboxKey(key);
      let next: OutboxEntry[] | undefined;
      if (store) {
        try {
          // Read and write in one readwrite transaction: IndexedDB runs those of all tabs one at a time.
          await store('readwrite', async (s) => {
            next = change((await promisifyRequest<OutboxEntry[] | undefined>(s.get(name))) ?? []);
            s.put(next, name);
            return promisifyRequest(s.transaction);
          });
          memory.set(name, next);
          return next!.slice();
        } catch (error) {
          degrade(error);
        }
      }
      next = change(((memory.get(name) as OutboxEntry[] | undefined) ?? []).slice());
      memory.set(name, next);
      return next.slice();
    },
    clear: async (key) => {
      await write(conversationKey(key), undefined);
      await write(outboxKey(key), undefined);
    },
  };
}
