import { readFile } from 'node:fs/promises';
import { dirname, extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MessageChannel, receiveMessageOnPort, Worker, type Transferable } from 'node:worker_threads';
import pg from 'pg';
import {
  fromWorkerError,
  type WorkerReply,
  type WorkerRequest,
  type WorkerStart,
} from './pglite-protocol.js';
import { PROCEDURES, type ProcedureInput, type ProcedureName, type ProcedureOutput } from './procedures.js';

/** Something that runs one SQL statement with `$1`-style parameters and returns its rows. */
export interface SqlExecutor {
  query<R = Record<string, unknown>>(text: string, params?: readonly unknown[]): Promise<R[]>;
}

/** Options of {@link SqlClient.transaction}. */
export interface TransactionOptions {
  /**
   * `high` runs ahead of queued `normal` work: the bot runner's group commits and the reads a running
   * answer waits on, so that a burst of requests delays new work rather than answers being streamed.
   * PGlite's worker orders its one connection by it; PostgreSQL gives `high` its own small pool.
   * Default `normal`.
   */
  priority?: 'normal' | 'high';
}

/**
 * The tiny SQL client both store backends implement: statements, transactions and (PostgreSQL only)
 * LISTEN. The store speaks one dialect (PostgreSQL's) through it, so PGlite and PostgreSQL run the same SQL.
 */
export interface SqlClient extends SqlExecutor {
  readonly dialect: 'pglite' | 'postgres';
  /** One statement on its own, at `options.priority` (see {@link TransactionOptions}). */
  query<R = Record<string, unknown>>(
    text: string,
    params?: readonly unknown[],
    options?: TransactionOptions,
  ): Promise<R[]>;
  /** Runs `fn` in one transaction; commits when it resolves, rolls back when it throws. */
  transaction<T>(fn: (tx: SqlExecutor) => Promise<T>, options?: TransactionOptions): Promise<T>;
  /**
   * Runs a registered transaction body (procedures.ts) in one transaction. PGlite runs it inside its
   * worker thread, with no round trip per statement; PostgreSQL as {@link transaction} would.
   */
  procedure<N extends ProcedureName>(
    name: N,
    input: ProcedureInput<N>,
    options?: TransactionOptions,
  ): Promise<ProcedureOutput<N>>;
  /** Runs several statements separated by semicolons, without parameters (migrations). */
  exec(text: string): Promise<void>;
  /**
   * Listens to a NOTIFY channel on a dedicated connection; resolves once listening. PostgreSQL only:
   * PGlite is one process, which fans out in memory.
   */
  listen?(channel: string, onPayload: (payload: string) => void): Promise<() => Promise<void>>;
  close(): Promise<void>;
}

/**
 * Opens PGlite (PostgreSQL in WebAssembly) on a data directory, or in memory with `memory://`, in a
 * worker thread of its own (ADR 0018): the database's work runs beside the thread that serves requests
 * and streams instead of taking turns with it. Statements and interactive transactions cross over as
 * messages; `high` priority transactions go before queued `normal` work.
 */
export async function createPgliteClient(dataDir: string): Promise<SqlClient> {
  // Statements inside a transaction are answered synchronously: the connection is held for the caller
  // meanwhile, so waiting for this thread's event loop to come round would hold it idle for longer than
  // the statement takes (ADR 0018).
  const { port1: syncPort, port2: workerSyncPort } = new MessageChannel();
  const signal = new Int32Array(new SharedArrayBuffer(4));
  const wasm = await compiledPglite().catch(() => undefined);
  const worker = startWorker({ dataDir, ...(wasm && { wasm }), syncPort: workerSyncPort, signal }, [
    workerSyncPort,
  ]);
  const pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();
  let nextId = 1;
  let failure: Error | undefined;
  // The worker keeps the process alive only while a call waits for it, as PGlite in-thread did.
  worker.unref();

  const fail = (error: Error) => {
    failure ??= error;
    for (const call of pending.values()) call.reject(failure);
    pending.clear();
  };
  const ready = new Promise<void>((resolve, reject) => {
    worker.on('message', (reply: WorkerReply) => {
      if ('ready' in reply) {
        if (reply.error) reject(fromWorkerError(reply.error));
        else resolve();
        return;
      }
      const call = pending.get(reply.id);
      if (!call) return;
      pending.delete(reply.id);
      if (pending.size === 0) worker.unref();
      if (reply.ok) call.resolve(reply.value);
      else call.reject(fromWorkerError(reply.error));
    });
    worker.on('error', (error) => {
      reject(error);
      fail(new Error(`The PGlite worker failed: ${error.message}`, { cause: error }));
    });
    worker.on('exit', (code) => {
      const error = new Error(`The PGlite worker stopped (exit code ${code}).`);
      reject(error);
      fail(error);
    });
  });
  try {
    await ready;
  } catch (error) {
    await worker.terminate();
    throw error;
  }

  /** Runs one statement of an open transaction, waiting for the worker's answer without yielding. */
  function txQuery<R>(tx: number, text: string, params: readonly unknown[]): Promise<R[]> {
    if (failure) return Promise.reject(failure);
    const id = nextId++;
    worker.postMessage({ op: 'tx', id, tx, text, params } satisfies WorkerRequest);
    const deadline = performance.now() + SYNC_TIMEOUT_MS;
    for (;;) {
      // The worker posts the answer, then counts it in `signal[0]`: read the count first, so an answer
      // posted after an empty read still wakes the wait below.
      const seen = Atomics.load(signal, 0);
      const received = receiveMessageOnPort(syncPort)?.message as WorkerReply | undefined;
      if (received && !('ready' in received) && received.id === id) {
        return received.ok
          ? Promise.resolve(received.value as R[])
          : Promise.reject(fromWorkerError(received.error));
      }
      if (received) continue; // an answer to a statement that gave up waiting: not ours
      const left = deadline - performance.now();
      if (left <= 0) {
        fail(new Error(`The PGlite worker did not answer a statement within ${SYNC_TIMEOUT_MS / 1000} s.`));
        void worker.terminate();
        return Promise.reject(failure!);
      }
      Atomics.wait(signal, 0, seen, Math.min(left, 100));
    }
  }

  type Request = DistributiveOmit<WorkerRequest, 'id'>;
  function call<T>(request: Request): Promise<T> {
    if (failure) return Promise.reject(failure);
    const id = nextId++;
    return new Promise<T>((resolve, reject) => {
      if (pending.size === 0) worker.ref();
      pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
      worker.postMessage({ ...request, id });
    });
  }

  return {
    dialect: 'pglite',
    query<R>(text: string, params: readonly unknown[] = [], options: TransactionOptions = {}) {
      return call<R[]>({ op: 'query', text, params, priority: options.priority ?? 'normal' });
    },
    async transaction<T>(fn: (tx: SqlExecutor) => Promise<T>, options: TransactionOptions = {}) {
      const tx = await call<number>({ op: 'begin', priority: options.priority ?? 'normal' });
      let result: T;
      try {
        result = await fn({
          query: <R>(text: string, params: readonly unknown[] = []) => txQuery<R>(tx, text, params),
        });
      } catch (error) {
        await call({ op: 'end', tx, commit: false }).catch(() => undefined);
        throw error;
      }
      await call({ op: 'end', tx, commit: true });
      return result;
    },
    procedure<N extends ProcedureName>(name: N, input: ProcedureInput<N>, options: TransactionOptions = {}) {
      return call<ProcedureOutput<N>>({
        op: 'procedure',
        name,
        input,
        priority: options.priority ?? 'normal',
      });
    },
    async exec(text: string) {
      await call({ op: 'exec', text });
    },
    async close() {
      if (failure) return;
      await call({ op: 'close' });
      failure = new Error('The PGlite client is closed.');
      await worker.terminate();
    },
  };
}

let compiled: Promise<NonNullable<WorkerStart['wasm']>> | undefined;

/**
 * PGlite's two WebAssembly modules, compiled once per process: every worker would otherwise compile them
 * again (about 1.7 s each time here). Without them a worker lets PGlite load its own.
 */
function compiledPglite(): Promise<NonNullable<WorkerStart['wasm']>> {
  compiled ??= (async () => {
    const dist = dirname(fileURLToPath(import.meta.resolve('@electric-sql/pglite')));
    const load = async (file: string) => WebAssembly.compile(await readFile(join(dist, file)));
    const [pglite, initdb] = await Promise.all([load('pglite.wasm'), load('initdb.wasm')]);
    return { pglite, initdb };
  })();
  return compiled;
}

/** How long a statement inside a transaction may take before the worker counts as hung. */
const SYNC_TIMEOUT_MS = 60_000;

/** Starts pglite-worker.js (or .ts, when this module runs from TypeScript sources under tsx). */
function startWorker(workerData: WorkerStart, transferList: Transferable[]): Worker {
  const ext = extname(fileURLToPath(import.meta.url));
  const url = new URL(`./pglite-worker${ext}`, import.meta.url);
  if (ext !== '.ts') return new Worker(url, { workerData, transferList });
  // Loaders registered with `--import tsx` do not reach worker threads on Node 20, so from sources
  // (tests, development) the worker registers tsx itself before it imports the TypeScript file.
  const tsx = import.meta.resolve('tsx/esm/api');
  const boot = `import(${JSON.stringify(tsx)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(url.href)}); });`;
  return new Worker(boot, { eval: true, workerData, transferList });
}

/** `Omit` applied to each member of a union. */
type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

// int8 (seq, counters, milliseconds) as numbers: every value the store keeps fits in 2^53.
pg.types.setTypeParser(20, (value: string) => Number(value));

/**
 * Connects to PostgreSQL through a `pg` pool of `max` connections (default 20), plus a pool of
 * `priorityMax` (default 2) for `high` priority transactions, opened on first use.
 */
export async function createPostgresClient(
  connectionString: string,
  options: { max?: number; priorityMax?: number } = {},
): Promise<SqlClient> {
  const pool = new pg.Pool({ connectionString, max: options.max ?? 20 });
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
  const statement = preparedStatements();
  const client: SqlClient = {
    dialect: 'postgres',
    async query<R>(text: string, params: readonly unknown[] = [], options: TransactionOptions = {}) {
      return (await poolFor(options.priority).query(statement(text, params))).rows as R[];
    },
    async transaction<T>(fn: (tx: SqlExecutor) => Promise<T>, options: TransactionOptions = {}) {
      const client = await poolFor(options.priority).connect();
      try {
        await client.query('BEGIN');
        const result = await fn({
          async query<R>(text: string, params: readonly unknown[] = []) {
            return (await client.query(statement(text, params))).rows as R[];
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
    procedure<N extends ProcedureName>(name: N, input: ProcedureInput<N>, options: TransactionOptions = {}) {
      const body = PROCEDURES[name] as (
        sql: SqlExecutor,
        input: ProcedureInput<N>,
      ) => Promise<ProcedureOutput<N>>;
      return client.transaction((sql) => body(sql, input), options);
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
  return client;
}

/** Distinct statement texts prepared at most; the store's SQL is a fixed set far below this. */
const MAX_PREPARED_TEXTS = 500;

/**
 * The query config of a statement: the first {@link MAX_PREPARED_TEXTS} distinct texts get a name, so
 * each connection parses and plans them once and then only binds and executes them (PostgreSQL's plan
 * cache chooses custom or generic plans as for any prepared statement); any text beyond runs unnamed, so
 * a connection never holds an unbounded number of statements.
 */
function preparedStatements(): (text: string, params: readonly unknown[]) => pg.QueryConfig {
  const names = new Map<string, string>();
  return (text, params) => {
    let name = names.get(text);
    if (name === undefined && names.size < MAX_PREPARED_TEXTS) {
      name = `baton_${names.size}`;
      names.set(text, name);
    }
    return { ...(name !== undefined && { name }), text, values: params as unknown[] };
  };
}

function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}
