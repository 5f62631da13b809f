/**
 * The PGlite worker thread: owns the embedded database so that its WebAssembly work (about half of the
 * server's CPU time under load) runs beside the thread that serves HTTP and streams, not on it.
 * Started by {@link createPgliteClient}; speaks the messages of pglite-protocol.ts.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { PGlite } from '@electric-sql/pglite';
import { PgliteSession } from './pglite-session.js';
import { PROCEDURES } from './procedures.js';
import type { SqlExecutor } from './sql-client.js';
import { toWorkerError, type WorkerReply, type WorkerRequest, type WorkerStart } from './pglite-protocol.js';

const port = parentPort;
if (!port) throw new Error('pglite-worker.js runs as a worker thread, started by createPgliteClient().');

const { dataDir, wasm, syncPort, signal } = workerData as WorkerStart;

// PGlite decodes every text value with a default `TextDecoder`, which drops a leading U+FEFF: a user id
// or a name starting with one came back without it. This thread runs nothing but PGlite, so its decoders
// keep the character, as PostgreSQL's clients do.
const Decoder = globalThis.TextDecoder;
globalThis.TextDecoder = class extends Decoder {
  constructor(label?: string, options: TextDecoderOptions = {}) {
    super(label, { ...options, ignoreBOM: true });
  }
};

/** Open transactions by id, each waiting for its `end` request. */
const open = new Map<number, { tx: SqlExecutor; end: (requestId: number, commit: boolean) => void }>();
/** PGlite has one connection: tasks run one at a time, `high` (the bot runner's writes) first. */
const queues = { high: [] as (() => Promise<void>)[], normal: [] as (() => Promise<void>)[] };
let running = false;

function reply(message: WorkerReply): void {
  port!.postMessage(message);
}

function syncReply(message: WorkerReply): void {
  syncPort.postMessage(message);
  Atomics.add(signal, 0, 1);
  Atomics.notify(signal, 0);
}

function answer(id: number, work: () => Promise<unknown>): Promise<void> {
  return work().then(
    (value) => reply({ id, ok: true, value }),
    (error: unknown) => reply({ id, ok: false, error: toWorkerError(error) }),
  );
}

function enqueue(priority: 'normal' | 'high', task: () => Promise<void>): void {
  queues[priority].push(task);
  if (!running) void drain();
}

async function drain(): Promise<void> {
  running = true;
  try {
    for (let next = queues.high.shift() ?? queues.normal.shift(); next;) {
      await next();
      next = queues.high.shift() ?? queues.normal.shift();
    }
  } finally {
    running = false;
  }
}

/** How `end(false)` rolls back without it counting as a failure. */
const ROLLBACK = Symbol('rollback');

/**
 * Takes the connection for one transaction: answers `id` once BEGIN ran, runs the caller's `tx`
 * statements as they come, and answers the `end` request when COMMIT or ROLLBACK is done.
 */
function begin(id: number, priority: 'normal' | 'high', session: PgliteSession): void {
  enqueue(priority, async () => {
    let endId: number | undefined;
    try {
      await session.transaction(
        (tx) =>
          new Promise<void>((resolve, reject) => {
            open.set(id, {
              tx,
              end: (requestId, commit) => {
                endId = requestId;
                if (commit) resolve();
                else reject(ROLLBACK);
              },
            });
            reply({ id, ok: true, value: id });
          }),
      );
      reply({ id: endId!, ok: true, value: undefined });
    } catch (error) {
      open.delete(id);
      if (endId === undefined) reply({ id, ok: false, error: toWorkerError(error) });
      else if (error === ROLLBACK) reply({ id: endId, ok: true, value: undefined });
      else reply({ id: endId, ok: false, error: toWorkerError(error) });
    }
  });
}

async function main(): Promise<void> {
  let db: PGlite;
  try {
    db = await PGlite.create(
      dataDir,
      wasm ? { pgliteWasmModule: wasm.pglite, initdbWasmModule: wasm.initdb } : {},
    );
  } catch (error) {
    reply({ id: 0, ready: true, error: toWorkerError(error) });
    return;
  }
  const session = new PgliteSession(db);
  port!.on('message', (request: WorkerRequest) => {
    switch (request.op) {
      case 'query':
        enqueue(request.priority, () =>
          answer(request.id, async () => {
            const rows = await session.query(request.text, request.params);
            await db.syncToFs();
            return rows;
          }),
        );
        return;
      case 'exec':
        enqueue('normal', () => answer(request.id, async () => void (await db.exec(request.text))));
        return;
      case 'procedure': {
        const body = PROCEDURES[request.name] as (sql: SqlExecutor, input: unknown) => Promise<unknown>;
        enqueue(request.priority, () =>
          answer(request.id, () => session.transaction((tx) => body(tx, request.input))),
        );
        return;
      }
      case 'begin':
        begin(request.id, request.priority, session);
        return;
      case 'tx': {
        const entry = open.get(request.tx);
        if (!entry) {
          syncReply({ id: request.id, ok: false, error: { name: 'Error', message: 'No such transaction.' } });
          return;
        }
        // The server thread is blocked until this answer: reply on the sync port, then wake it.
        entry.tx.query(request.text, request.params).then(
          (rows) => syncReply({ id: request.id, ok: true, value: rows }),
          (error: unknown) => syncReply({ id: request.id, ok: false, error: toWorkerError(error) }),
        );
        return;
      }
      case 'end': {
        const entry = open.get(request.tx);
        if (!entry) {
          reply({ id: request.id, ok: false, error: { name: 'Error', message: 'No such transaction.' } });
          return;
        }
        open.delete(request.tx);
        entry.end(request.id, request.commit);
        return;
      }
      case 'close':
        enqueue('normal', () => answer(request.id, () => db.close()));
        return;
    }
  });
  reply({ id: 0, ready: true });
}

void main();
