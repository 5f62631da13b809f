import type { MessagePort } from 'node:worker_threads';
import type { ProcedureName } from './procedures.js';

/**
 * Messages between the server thread and the PGlite worker thread (pglite-worker.ts). Requests carry an
 * `id` that the reply repeats; transactions are interactive: `begin` answers once the worker holds the
 * connection for the caller, `tx` statements run inside it, and `end` commits or rolls back.
 */
export type WorkerRequest =
  | { id: number; op: 'query'; text: string; params: readonly unknown[]; priority: 'normal' | 'high' }
  | { id: number; op: 'exec'; text: string }
  | { id: number; op: 'procedure'; name: ProcedureName; input: unknown; priority: 'normal' | 'high' }
  | { id: number; op: 'begin'; priority: 'normal' | 'high' }
  | { id: number; op: 'tx'; tx: number; text: string; params: readonly unknown[] }
  | { id: number; op: 'end'; tx: number; commit: boolean }
  | { id: number; op: 'close' };

/** A database error as it crosses the thread boundary: the fields `pg` and PGlite errors carry. */
export interface WorkerError {
  name: string;
  message: string;
  code?: string;
  detail?: string;
  constraint?: string;
}

export type WorkerReply =
  | { id: number; ok: true; value: unknown }
  | { id: number; ok: false; error: WorkerError }
  /** Posted once when PGlite is open (`ok`) or failed to open. */
  | { id: 0; ready: true; error?: WorkerError };

/** The worker's start-up data (`workerData`). */
export interface WorkerStart {
  dataDir: string;
  /** PGlite's WebAssembly, compiled once per process and shared by its workers. */
  wasm?: { pglite: WebAssembly.Module; initdb: WebAssembly.Module };
  /**
   * Statements inside a transaction are answered on this port, and `signal[0]` is incremented and
   * notified after each answer: the server thread waits for them synchronously (see createPgliteClient).
   */
  syncPort: MessagePort;
  signal: Int32Array;
}

/** Copies what callers may look at from a thrown value into something structured-clone keeps. */
export function toWorkerError(error: unknown): WorkerError {
  if (!(error instanceof Error)) return { name: 'Error', message: String(error) };
  const extra = error as Error & { code?: unknown; detail?: unknown; constraint?: unknown };
  const out: WorkerError = { name: error.name, message: error.message };
  if (typeof extra.code === 'string') out.code = extra.code;
  if (typeof extra.detail === 'string') out.detail = extra.detail;
  if (typeof extra.constraint === 'string') out.constraint = extra.constraint;
  return out;
}

/** Turns a {@link WorkerError} back into an `Error` thrown on the server thread. */
export function fromWorkerError(error: WorkerError): Error {
  return Object.assign(new Error(error.message), error);
}
