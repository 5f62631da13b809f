/**
 * The PGlite worker's connection (pglite-worker.ts): statements as named prepared statements, each run
 * in one call into the database, and transactions around them.
 *
 * `PGlite.query` makes six calls into the WebAssembly module per statement (parse, describe, bind,
 * describe, execute, sync) and plans it again every time; planning without statistics looks at the
 * size of every table the statement touches, through the emulated file system. Under load that was most
 * of a short statement's cost (about 0.33 ms here, where a prepared one takes 0.1 ms). A statement is
 * prepared once per text (its parameter types described then, so values are serialized exactly as
 * `PGlite.query` would); afterwards bind, describe, execute and sync go in one message, and PostgreSQL
 * reuses the plan as its plan cache decides (custom plans for a statement's first runs, then a generic
 * plan when that is no costlier).
 */
import {
  messages as backend,
  parse,
  protocol,
  TransactionAbortedError,
  type PGlite,
} from '@electric-sql/pglite';
import type { SqlExecutor } from './sql-client.js';

type BackendMessage = Awaited<ReturnType<PGlite['execProtocolStream']>>[number];

const { serialize } = protocol;

/** Statements kept prepared at most (the store's SQL is a fixed set, well below this); the least recently used goes first. */
const MAX_PREPARED = 500;

interface Prepared {
  name: string;
  /** Parameter type OIDs, as PostgreSQL inferred them. */
  types: number[];
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  let length = 0;
  for (const part of parts) length += part.length;
  const out = new Uint8Array(length);
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

/** One PGlite connection, used by one caller at a time (the worker runs its tasks one by one). */
export class PgliteSession implements SqlExecutor {
  readonly #db: PGlite;
  readonly #prepared = new Map<string, Prepared>();
  #nextName = 0;
  /** Prepared statements evicted from the cache, closed with the next statement prepared. */
  #closing: string[] = [];

  constructor(db: PGlite) {
    this.#db = db;
  }

  /** Runs one statement; outside a transaction it commits on its own, as with `PGlite.query`. */
  async query<R = Record<string, unknown>>(text: string, params: readonly unknown[] = []): Promise<R[]> {
    const statement = await this.#prepare(text);
    const values = params.map((param, i) => {
      if (param === null || param === undefined) return null;
      const serializer = this.#db.serializers[statement.types[i]!];
      return serializer ? serializer(param) : String(param);
    });
    const messages = await this.#send([
      serialize.bind({ statement: statement.name, values }),
      serialize.describe({ type: 'P' }),
      serialize.execute({}),
      serialize.sync(),
    ]);
    const [result] = parse.parseResults(messages, this.#db.parsers);
    return (result?.rows ?? []) as R[];
  }

  /**
   * Runs `fn` in one transaction: commits when it resolves, rolls back when it throws. A transaction
   * that failed inside `fn` without `fn` throwing (an error it caught) is rolled back by COMMIT, and
   * that throws {@link TransactionAbortedError}, as `PGlite.transaction` does.
   */
  async transaction<T>(fn: (sql: SqlExecutor) => Promise<T>): Promise<T> {
    await this.#simple('BEGIN');
    let value: T;
    try {
      value = await fn(this);
    } catch (error) {
      await this.#simple('ROLLBACK');
      throw error;
    }
    const committed = await this.#simple('COMMIT');
    await this.#db.syncToFs();
    if (committed.some((m) => m instanceof backend.CommandCompleteMessage && m.text === 'ROLLBACK')) {
      throw new TransactionAbortedError();
    }
    return value;
  }

  async #prepare(text: string): Promise<Prepared> {
    const cached = this.#prepared.get(text);
    if (cached) {
      // Most recently used last, so eviction takes the first.
      this.#prepared.delete(text);
      this.#prepared.set(text, cached);
      return cached;
    }
    const name = `baton_${this.#nextName++}`;
    const closing = this.#closing.splice(0);
    const messages = await this.#send([
      ...closing.map((old) => serialize.close({ type: 'S', name: old })),
      serialize.parse({ name, text }),
      serialize.describe({ type: 'S', name }),
      serialize.sync(),
    ]);
    const statement = { name, types: parse.parseDescribeStatementResults(messages) };
    this.#prepared.set(text, statement);
    if (this.#prepared.size > MAX_PREPARED) {
      const [oldest] = this.#prepared;
      this.#prepared.delete(oldest![0]);
      this.#closing.push(oldest![1].name);
    }
    return statement;
  }

  /** A statement without parameters on the simple query protocol (BEGIN, COMMIT, ROLLBACK). */
  #simple(text: string): Promise<BackendMessage[]> {
    return this.#send([serialize.query(text)]);
  }

  /** One call into the database; throws the first error PostgreSQL answered with. */
  #send(parts: readonly Uint8Array[]): Promise<BackendMessage[]> {
    return this.#db.execProtocolStream(concat(parts), { syncToFs: false });
  }
}
