import type { SqlExecutor } from './sql-client.js';
import { appendTurnsTx } from './turn-writes.js';

/**
 * Transaction bodies that take plain data and return plain data, so that PGlite's worker thread can
 * run them next to the database in one go instead of a thread round trip per statement (ADR 0018).
 * PostgreSQL runs the same functions in an ordinary transaction.
 */
export const PROCEDURES = {
  appendTurns: appendTurnsTx,
} satisfies Record<string, (sql: SqlExecutor, input: never) => Promise<unknown>>;

export type ProcedureName = keyof typeof PROCEDURES;
export type ProcedureInput<N extends ProcedureName> = Parameters<(typeof PROCEDURES)[N]>[1];
export type ProcedureOutput<N extends ProcedureName> = Awaited<ReturnType<(typeof PROCEDURES)[N]>>;
