import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';

/** Something that runs one SQL statement with `$1`-style parameters and returns its rows. */
export interface SqlExecutor {
  query<R = Record<string, unknown>>(text: string, params?: readonly unknown[]): Promise<R[]>;
}

/** Options of {@link SqlClient.transaction}. */
export interface TransactionOptions {
  /**
   * `high` runs ahead of queued `normal` work: the bot runner's group commits and the reads a running
   * answer waits on, so that a burst of requests delays new work rather than answers being streamed.
   * PGlite orders its one connection by it; PostgreSQL gives `high` its own small pool. Default `normal`.
   */
  priority?: 'normal' | 'high';
}

/**
 * The tiny SQL client both store backends implement: statements, transactions and (PostgreSQL only)
 * LISTEN. The store speaks one dialect (PostgreSQL's) through it, so PGlite and PostgreSQL run the same SQL.
 */
export interface SqlClient extends SqlExecutor {
  readonly dialect: 'pglite' | 'postgres';
  /** Runs `fn` in one transaction; commits when it resolves, rolls back when it throws. */
  transaction<T>(fn: (tx: SqlExecutor) => Promise<T>, options?: TransactionOptions): Promise<T>;
  /** Runs several statements separated by semicolons, without parameters (migrations). */
  exec(text: string): Promise<void>;
  /**
   * Listens to a NOTIFY channel on a dedicated connection; resolves once listening. PostgreSQL only:
   * PGlite is one process, which fans out in memory.
   */
  listen?(channel: string, onPayload: (payload: string) => void): Promise<() => Promise<void>>;
  close(): Promise<void>;
}

/** How long PGlite work runs back to back before timers and sockets get a turn, in ms. */
const SLICE_MS = 4;

/**
 * Runs tasks one at a time, `high` before `normal`, in slices. PGlite is one connection that runs
 * statements synchronously and passes its lock on through promise callbacks, so a queue of transactions
 * would otherwise run back to back as one microtask chain, starving timers and sockets (bot streams,
 * flushes, SSE writes) until it empties, strictly first come, first served. Yielding before every task
 * is no better: under thousands of open streams one event-loop turn costs more than a statement. So
 * work runs for {@link SLICE_MS}, then timers and sockets get a turn, also between the statements of a
 * long `high` transaction (`pause`; nothing else can use the connection meanwhile, since it all queues
 * here). A `normal` transaction runs through: pausing it would only keep a waiting `high` one waiting.
 */
function createSerialQueue() {
  const queues = { high: [] as (() => Promise<void>)[], normal: [] as (() => Promise<void>)[] };
  let draining = false;
  let slice = -Infinity;
  const turn = () => new Promise<void>((resolve) => setImmediate(resolve));
  async function pause(): Promise<void> {
    if (performance.now() - slice < SLICE_MS) return;
    await turn();
    slice = performance.now();
  }
  async function drain(): Promise<void> {
    draining = true;
    try {
      for (;;) {
        await pause();
        const next = queues.high.shift() ?? queues.normal.shift();
        if (!next) return;
        await next();
      }
    } finally {
      draining = false;
    }
  }
  function run<T>(priority: 'normal' | 'high', task: () => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      queues[priority].push(() => task().then(resolve, reject));
      if (!draining) void drain();
    });
  }
  return { run, pause };
}

/** Opens PGlite (PostgreSQL in WebAssembly) on a data directory, or in memory with `memory://`. */
export async function createPgliteClient(dataDir: string): Promise<SqlClient> {
  const db = await PGlite.create(dataDir);
  const { run, pause } = createSerialQueue();
  return {
    dialect: 'pglite',
    query<R>(text: string, params: readonly unknown[] = []) {
      return run('normal', async () => (await db.query<R>(text, params as unknown[])).rows);
    },
    transaction<T>(fn: (tx: SqlExecutor) => Promise<T>, options: TransactionOptions = {}) {
      const priority = options.priority ?? 'normal';
      return run(priority, () =>
        db.transaction((tx) =>
          fn({
            async query<R>(text: string, params: readonly unknown[] = []) {
              if (priority === 'high') await pause();
              return (await tx.query<R>(text, params as unknown[])).rows;
            },
          }),
        ),
      );
    },
    exec(text: string) {
      return run('normal', async () => {
        await db.exec(text);
      });
    },
    async close() {
      await run('normal', () => db.close());
    },
  };
}

// int8 (seq, counters, milliseconds) as numbers: every value the store keeps fits in 2^53.
pg.types.setTypeParser(20, (value: string) => Number(value));

/**
 * Connects to PostgreSQL through a `pg` pool of `max` connections (default 10), plus a pool of
 * `priorityMax` (default 2) for `high` priority transactions, opened on first use.
 */
export async function createPostgresClient(
  connectionString: string,
  options: { max?: number; priorityMax?: number } = {},
): Promise<SqlClient> {
  const pool = new pg.Pool({ connectionString, max: options.max ?? 10 });
  let priorityPool: pg.Pool | undefined;
  const poolFor = (priority: TransactionOptions['priority']) => {
    if (priority !== 'high') return pool;
    if (!priorityPool) {
      priorityPool = new pg.Pool({ connectionString, max: options.priorityMax ?? 2 });
      priorityPool.on('error', (error) =>
        console.error('baton-server: idle PostgreSQL connection failed:', error),
      );
    }
    return priorityPool;
  };
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
    async transaction<T>(fn: (tx: SqlExecutor) => Promise<T>, options: TransactionOptions = {}) {
      const client = await poolFor(options.priority).connect();
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
      await Promise.all([pool.end(), priorityPool?.end()]);
    },
  };
}

function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}
