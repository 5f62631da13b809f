import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';

/** Something that runs one SQL statement with `$1`-style parameters and returns its rows. */
export interface SqlExecutor {
  query<R = Record<string, unknown>>(text: string, params?: readonly unknown[]): Promise<R[]>;
}

/**
 * The tiny SQL client both store backends implement: statements, transactions and (PostgreSQL only)
 * LISTEN. The store speaks one dialect (PostgreSQL's) through it, so PGlite and PostgreSQL run the same SQL.
 */
export interface SqlClient extends SqlExecutor {
  readonly dialect: 'pglite' | 'postgres';
  /** Runs `fn` in one transaction; commits when it resolves, rolls back when it throws. */
  transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T>;
  /** Runs several statements separated by semicolons, without parameters (migrations). */
  exec(text: string): Promise<void>;
  /**
   * Listens to a NOTIFY channel on a dedicated connection; resolves once listening. PostgreSQL only:
   * PGlite is one process, which fans out in memory.
   */
  listen?(channel: string, onPayload: (payload: string) => void): Promise<() => Promise<void>>;
  close(): Promise<void>;
}

/** Opens PGlite (PostgreSQL in WebAssembly) on a data directory, or in memory with `memory://`. */
export async function createPgliteClient(dataDir: string): Promise<SqlClient> {
  const db = await PGlite.create(dataDir);
  return {
    dialect: 'pglite',
    async query<R>(text: string, params: readonly unknown[] = []) {
      return (await db.query<R>(text, params as unknown[])).rows;
    },
    transaction<T>(fn: (tx: SqlExecutor) => Promise<T>) {
      return db.transaction(async (tx) => {
        // PGlite runs statements synchronously and passes its lock on through promise callbacks, so a
        // queue of transactions would run back to back as one microtask chain, starving timers and
        // sockets (bot streams, delta flushes, SSE writes) until it empties. One event-loop turn per
        // transaction lets them run in between.
        await new Promise<void>((resolve) => setImmediate(resolve));
        return fn({
          async query<R>(text: string, params: readonly unknown[] = []) {
            return (await tx.query<R>(text, params as unknown[])).rows;
          },
        });
      });
    },
    async exec(text: string) {
      await db.exec(text);
    },
    async close() {
      await db.close();
    },
  };
}

// int8 (seq, counters, milliseconds) as numbers: every value the store keeps fits in 2^53.
pg.types.setTypeParser(20, (value: string) => Number(value));

/** Connects to PostgreSQL through a `pg` pool. */
export async function createPostgresClient(
  connectionString: string,
  options: { max?: number } = {},
): Promise<SqlClient> {
  const pool = new pg.Pool({ connectionString, max: options.max ?? 10 });
  // Surface a dead database on startup rather than on the first request.
  const probe = await pool.connect();
  probe.release();
  pool.on('error', (error) => console.error('baton-server: idle PostgreSQL connection failed:', error));
  const listeners = new Set<pg.Client>();
  return {
    dialect: 'postgres',
    async query<R>(text: string, params: readonly unknown[] = []) {
      return (await pool.query(text, params as unknown[])).rows as R[];
    },
    async transaction<T>(fn: (tx: SqlExecutor) => Promise<T>) {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        const result = await fn({
          async query<R>(text: string, params: readonly unknown[] = []) {
            return (await client.query(text, params as unknown[])).rows as R[];
          },
        });
        await client.query('COMMIT');
        return result;
      } catch (error) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw error;
      } finally {
        client.release();
      }
    },
    async exec(text: string) {
      await pool.query(text);
    },
    async listen(channel: string, onPayload: (payload: string) => void) {
      const client = new pg.Client({ connectionString });
      await client.connect();
      client.on('notification', (message) => {
        if (message.channel === channel && message.payload !== undefined) onPayload(message.payload);
      });
      client.on('error', (error) => console.error('baton-server: LISTEN connection failed:', error));
      await client.query(`LISTEN ${quoteIdent(channel)}`);
      listeners.add(client);
      return async () => {
        listeners.delete(client);
        await client.end().catch(() => undefined);
      };
    },
    async close() {
      await Promise.all([...listeners].map((client) => client.end().catch(() => undefined)));
      listeners.clear();
      await pool.end();
    },
  };
}

function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}
