// `npm run bench:group-commit`: what one group commit of bot deltas costs the store, without HTTP, SSE
// or a load generator in the way (scripts/bench-server.mjs measures the whole path, with its noise).
// Runs the reference server's bot runner in this process, on PGlite in memory or --database-url, with
// --answers paced echo answers at once, and times every Store.appendTurns call: batch size, duration,
// and milliseconds per answer in the batch. Prints medians and writes bench-results/group-commit.json.
// --busy P keeps this thread busy P% of the time, as serving 5,000 streams does under bench:server, to
// show what the commit pays for the thread it runs on.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { uuidv7 } from '@baton-chat/protocol';
import { createBatonServer, openStorage } from '@baton-chat/server';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { values: args } = parseArgs({
  options: {
    answers: { type: 'string', default: '180' },
    words: { type: 'string', default: '150' },
    'word-ms': { type: 'string', default: '20' },
    duration: { type: 'string', default: '15' },
    'database-url': { type: 'string' },
    busy: { type: 'string', default: '0' },
    out: { type: 'string', default: join(root, 'bench-results', 'group-commit.json') },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (args.help) {
  console.log(`Usage: node scripts/bench-group-commit.mjs [options]
  --answers N         answers streaming at once (default 180)
  --words W           words per answer (default 150)
  --word-ms D         pause between words (default 20)
  --duration S        seconds to measure (default 15)
  --database-url URL  PostgreSQL instead of PGlite in memory
  --busy P            keep this thread busy P% of every 10 ms (default 0), as serving streams does
  --out FILE          JSON results (default bench-results/group-commit.json)`);
  process.exit(0);
}
const int = (name) => {
  const n = Number(args[name]);
  if (!Number.isSafeInteger(n) || n < 1) throw new Error(`--${name} must be a positive integer`);
  return n;
};
const ANSWERS = int('answers');
const WORDS = int('words');
const WORD_MS = int('word-ms');
const DURATION_MS = int('duration') * 1000;
const BUSY = Number(args.busy);
if (!(BUSY >= 0 && BUSY < 100)) throw new Error('--busy must be a percentage from 0 to 99');

/** Stand-in for serving work: spins BUSY% of every 10 ms slice until `stopAt`, yielding in between. */
function occupy(stopAt) {
  const spinMs = BUSY / 10;
  const slice = () => {
    if (Date.now() >= stopAt) return;
    const until = performance.now() + spinMs;
    while (performance.now() < until);
    setTimeout(slice, 10 - spinMs);
  };
  if (BUSY > 0) slice();
}

/** A bot whose word k is due k x WORD_MS after the start, as a model's tokens arrive. */
const bot = {
  id: 'paced',
  name: 'Paced',
  async *answer(turn) {
    const start = Date.now();
    for (let k = 1; k <= WORDS; k++) {
      const wait = start + k * WORD_MS - Date.now();
      if (wait > 0) await sleep(wait, undefined, { signal: turn.signal });
      yield { type: 'delta', text: `word${k} ` };
    }
  },
};

const storage = await openStorage(
  args['database-url'] ? { databaseUrl: args['database-url'] } : { dataDir: 'memory://' },
);
const commits = [];
let measuring = false;
const timed = Object.assign(Object.create(storage.store), {
  async appendTurns(writes) {
    const t0 = performance.now();
    const result = await storage.store.appendTurns(writes);
    if (measuring) commits.push({ size: writes.length, ms: performance.now() - t0 });
    return result;
  },
});
const server = await createBatonServer({
  store: timed,
  agents: storage.agents,
  bot,
  escalation: false,
  rateLimits: { conversationsPerIp: { perMinute: 0 }, commandsPerConversation: { perMinute: 0 } },
});
const call = async (path, init = {}) => {
  const res = await server.fetch(new Request(`http://bench.local${path}`, init));
  if (res.status >= 300) throw new Error(`${path}: ${res.status} ${await res.text()}`);
  return res.json();
};

/** Keeps one answer streaming: asks, waits until the answer completed, asks again. */
async function driver(stopAt) {
  const { conversationId, token } = await call('/v1/conversations', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: '{}',
  });
  const auth = { authorization: `Bearer ${token}` };
  while (Date.now() < stopAt) {
    const key = uuidv7();
    await call(`/v1/conversations/${conversationId}/messages`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json', 'idempotency-key': key },
      body: JSON.stringify({ clientMessageId: key, text: 'go' }),
    });
    await sleep(WORDS * WORD_MS + 200);
  }
}

const store = args['database-url'] ? 'postgres' : 'pglite';
console.log(
  `bench:group-commit: ${ANSWERS} answers at once, ${WORDS} words every ${WORD_MS} ms, ${store}, thread ${BUSY}% busy`,
);
const warmUpMs = 3000;
const stopAt = Date.now() + warmUpMs + DURATION_MS;
const drivers = Array.from({ length: ANSWERS }, (_, i) => sleep(i * 5).then(() => driver(stopAt)));
occupy(stopAt);
await sleep(warmUpMs);
measuring = true;
await sleep(DURATION_MS);
measuring = false;
await Promise.all(drivers);
await server.close();

const quantile = (values, q) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted.length === 0 ? NaN : sorted[Math.floor((sorted.length - 1) * q)];
};
const full = commits.filter((c) => c.size >= ANSWERS * 0.8);
const results = {
  store,
  answers: ANSWERS,
  busyPercent: BUSY,
  commits: commits.length,
  commitsPerSecond: commits.length / (DURATION_MS / 1000),
  batchSizeP50: quantile(
    commits.map((c) => c.size),
    0.5,
  ),
  commitMs: {
    p50: quantile(
      commits.map((c) => c.ms),
      0.5,
    ),
    p90: quantile(
      commits.map((c) => c.ms),
      0.9,
    ),
    p99: quantile(
      commits.map((c) => c.ms),
      0.99,
    ),
  },
  msPerAnswerInFullBatches: quantile(
    full.map((c) => c.ms / c.size),
    0.5,
  ),
};
const f = (n) => (Number.isFinite(n) ? n.toFixed(n < 10 ? 2 : 1) : '-');
console.log(`  commits                    ${results.commits} (${f(results.commitsPerSecond)}/s)`);
console.log(`  answers per commit p50     ${results.batchSizeP50}`);
console.log(
  `  commit ms p50 / p90 / p99  ${f(results.commitMs.p50)} / ${f(results.commitMs.p90)} / ${f(results.commitMs.p99)}`,
);
console.log(
  `  ms per answer (batches of >= 80% of the answers, median) ${f(results.msPerAnswerInFullBatches)}`,
);
mkdirSync(dirname(args.out), { recursive: true });
writeFileSync(
  args.out,
  `${JSON.stringify({ ...results, node: process.version, at: new Date().toISOString() }, null, 2)}\n`,
);
console.log(`  results: ${args.out}`);
