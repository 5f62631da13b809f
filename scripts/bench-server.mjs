// `npm run bench:server`: load test of the reference server on 127.0.0.1.
//
// Starts @baton-chat/server in a child process (scripts/bench-server-runner.mjs: echo bot, PGlite in
// memory or --database-url, rate limits off), creates conversations, opens --connections SSE streams
// spread over them (--listeners per conversation), then for --duration seconds keeps --answers streaming
// answers running at once (each driver sends a message, waits until every listener of its conversation
// saw the answer complete, sends the next). Per delivered event it checks the seq (gaps = lost, repeats =
// duplicated), per delta the latency from the event's server `ts` to receipt, and at the end that every
// listener of a conversation holds the same transcript, equal to what the echo bot must have said.
// Prints a table and writes bench-results/server.json. Everything stays on 127.0.0.1 and stops by itself.
import { execFileSync, fork } from 'node:child_process';
import { mkdirSync, writeFileSync, existsSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { dirname, join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { StringDecoder } from 'node:string_decoder';
import { parseArgs } from 'node:util';
import { uuidv7 } from '@baton-chat/protocol';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { values: args } = parseArgs({
  options: {
    connections: { type: 'string', default: '5000' },
    answers: { type: 'string', default: '200' },
    listeners: { type: 'string', default: '5' },
    duration: { type: 'string', default: '30' },
    words: { type: 'string', default: '30' },
    'echo-delay-ms': { type: 'string', default: '20' },
    'delta-flush-ms': { type: 'string' },
    'database-url': { type: 'string' },
    out: { type: 'string', default: join(root, 'bench-results', 'server.json') },
    profile: { type: 'boolean', default: false },
    escalation: { type: 'boolean', default: false },
    'echo-bot': { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (args.help) {
  console.log(`Usage: node scripts/bench-server.mjs [options]
  --connections N     SSE connections to hold (default 5000)
  --answers M         streaming answers running at once (default 200)
  --listeners K       SSE connections per conversation (default 5)
  --duration S        seconds of the answer phase (default 30)
  --words W           words per question; the echo bot answers W+2 words (default 30)
  --echo-delay-ms D   echo bot pause between words (default 20)
  --delta-flush-ms F  the server's deltaFlushMs (group commit interval; default the server's, 25)
  --database-url URL  PostgreSQL instead of PGlite in memory
  --out FILE          JSON results (default bench-results/server.json)
  --profile           run the server with --cpu-prof (profile under bench-results/profile/)
  --echo-bot          the stock echo bot (sleeps after each word, so server delays accumulate over an
                      answer) instead of the paced one (word k due k x echo delay after the start)
  --escalation        keep the escalation policy on (its analyzer hands these repeated questions
                      to a person, so answers stop streaming; off by default)`);
  process.exit(0);
}
const int = (name) => {
  const n = Number(args[name]);
  if (!Number.isSafeInteger(n) || n < 0) throw new Error(`--${name} must be a non-negative integer`);
  return n;
};
const CONNECTIONS = int('connections');
const LISTENERS = Math.max(1, int('listeners'));
const CONVERSATIONS = Math.max(1, Math.ceil(CONNECTIONS / LISTENERS));
const ANSWERS = Math.min(int('answers'), CONVERSATIONS);
const DURATION_S = int('duration');
const WORDS = Math.max(1, int('words'));
const ECHO_DELAY_MS = int('echo-delay-ms');
const DATABASE_URL = args['database-url'] ?? '';
const HARD_LIMIT_MS = (DURATION_S + 240) * 1000;

if (!existsSync(join(root, 'packages/server/dist/index.js'))) {
  console.error('bench-server: packages/server/dist is missing; run `npx tsc -b packages/server` first.');
  process.exit(2);
}

// --- file descriptors -------------------------------------------------------------------------------
const FD_ADVICE =
  'Each side holds one file descriptor per connection. Raise the limit in this shell, e.g. ' +
  '`ulimit -n 65536` (at most `ulimit -Hn`; raise the hard limit in /etc/security/limits.conf or ' +
  'LimitNOFILE= for services), or run with fewer --connections.';
let softFdLimit = null;
try {
  softFdLimit = execFileSync('sh', ['-c', 'ulimit -n'], { encoding: 'utf8' }).trim();
} catch {
  // Not a POSIX shell; EMFILE will still be detected below.
}
if (softFdLimit && softFdLimit !== 'unlimited' && Number(softFdLimit) < CONNECTIONS + 512) {
  console.error(
    `bench-server: ulimit -n is ${softFdLimit}, too low for ${CONNECTIONS} connections. ${FD_ADVICE}`,
  );
  process.exit(2);
}
let emfile = 0;
const clientErrors = new Map();
const noteError = (error) => {
  const code = error?.code ?? error?.message ?? String(error);
  if (code === 'EMFILE' || code === 'ENFILE') emfile += 1;
  clientErrors.set(code, (clientErrors.get(code) ?? 0) + 1);
};

// --- the server in its own process --------------------------------------------------------------------
const profileDir = join(root, 'bench-results', 'profile');
if (args.profile) mkdirSync(profileDir, { recursive: true });
const child = fork(
  join(root, 'scripts', 'bench-server-runner.mjs'),
  [
    JSON.stringify({
      databaseUrl: DATABASE_URL || undefined,
      echoDelayMs: ECHO_DELAY_MS,
      escalation: args.escalation,
      stockEchoBot: args['echo-bot'],
      ...(args['delta-flush-ms'] !== undefined && { deltaFlushMs: int('delta-flush-ms') }),
    }),
  ],
  {
    execArgv: ['--expose-gc', ...(args.profile ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [])],
    stdio: ['ignore', 'inherit', 'pipe', 'ipc'],
  },
);
let serverStderr = '';
child.stderr.on('data', (d) => {
  const s = d.toString();
  if (/EMFILE|ENFILE/.test(s)) emfile += 1;
  if (serverStderr.length < 20_000) serverStderr += s;
  process.stderr.write(s);
});
let childExited = false;
child.on('exit', (code) => {
  childExited = true;
  if (!stopping) {
    console.error(`bench-server: the server process exited early (code ${code})`);
    process.exit(1);
  }
});
let stopping = false;
const pending = new Map();
let nextStatsId = 0;
child.on('message', (m) => {
  if (m?.type === 'stats') pending.get(m.id)?.(m);
});
const ready = new Promise((resolve, reject) => {
  child.once('message', (m) => (m?.type === 'ready' ? resolve(m) : reject(new Error('unexpected message'))));
  child.once('error', reject);
});
function serverStats() {
  const id = nextStatsId++;
  return new Promise((resolve) => {
    pending.set(id, (m) => {
      pending.delete(id);
      resolve(m);
    });
    child.send({ type: 'stats', id, gc: true });
  });
}
const hardStop = setTimeout(() => {
  console.error(`bench-server: still running after ${HARD_LIMIT_MS / 1000} s; giving up.`);
  child.kill('SIGKILL');
  process.exit(1);
}, HARD_LIMIT_MS);
hardStop.unref();

const { url } = await ready;
const { port } = new URL(url);
const HOST = '127.0.0.1';

// --- HTTP -------------------------------------------------------------------------------------------
const commandAgent = new http.Agent({ keepAlive: true, maxSockets: 128 });

/**
 * One command. A GET, or a send with an Idempotency-Key (the protocol makes its repeat safe), that finds
 * its kept-alive socket closed by the server (idle past the server's keep-alive timeout just as it was
 * reused) is sent again once, on a new connection; other requests are never repeated.
 */
async function request(method, path, options = {}) {
  try {
    return await requestOnce(method, path, options);
  } catch (error) {
    const repeatable = method === 'GET' || options.headers?.['idempotency-key'] !== undefined;
    if (!repeatable || error?.code !== 'ECONNRESET') throw error;
    // On a new connection: the pool may hold more sockets that the server closed meanwhile.
    console.error(`bench-server: ${method} ${path}: ${error.message} (${error.code}); sending it again`);
    noteError({ code: `${error.code} (sent again)` });
    return requestOnce(method, path, { ...options, agent: false });
  }
}

function requestOnce(method, path, { token, body, headers = {}, agent = commandAgent } = {}) {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const req = http.request(
      {
        host: HOST,
        port,
        method,
        path,
        agent,
        headers: {
          'baton-protocol': '1.0',
          ...(token && { authorization: `Bearer ${token}` }),
          ...(payload !== undefined && {
            'content-type': 'application/json',
            'content-length': Buffer.byteLength(payload),
          }),
          ...headers,
        },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d) => (text += d));
        res.on('end', () => {
          let json = null;
          try {
            json = text ? JSON.parse(text) : null;
          } catch {
            // Not JSON; the status tells.
          }
          if (res.statusCode >= 300) {
            const e = new Error(`${method} ${path}: ${res.statusCode} ${text.slice(0, 200)}`);
            e.code = `HTTP ${res.statusCode}`;
            reject(e);
          } else resolve(json);
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

async function pool(items, concurrency, fn) {
  let next = 0;
  const workers = Array.from({ length: Math.min(concurrency, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      await fn(items[i], i);
    }
  });
  await Promise.all(workers);
}

// --- measurements -----------------------------------------------------------------------------------
let latencies = new Float64Array(1 << 20);
let latencyCount = 0;
const recordLatency = (ms) => {
  if (latencyCount === latencies.length) {
    const bigger = new Float64Array(latencies.length * 2);
    bigger.set(latencies);
    latencies = bigger;
  }
  latencies[latencyCount++] = ms;
};
// End to end: receipt minus when the echo bot produced the delta's last word (the POST was answered at
// t, the bot yields word k at about t + k * echo delay), so time spent queued before the append counts.
let e2e = new Float64Array(1 << 20);
let e2eCount = 0;
const recordE2e = (ms) => {
  if (e2eCount === e2e.length) {
    const bigger = new Float64Array(e2e.length * 2);
    bigger.set(e2e);
    e2e = bigger;
  }
  e2e[e2eCount++] = ms;
};
const postLatencies = [];
const recordPost = (ms) => postLatencies.push(ms);
let deltasReceived = 0;
let eventsReceived = 0;
let lost = 0;
let duplicated = 0;
let indexErrors = 0;
const loop = monitorEventLoopDelay({ resolution: 10 });

/** Words (runs of non-space) in `text`. */
const countWords = (text) => text.match(/\S+/g)?.length ?? 0;

/** One SSE connection. */
class Listener {
  constructor(conv) {
    this.conv = conv;
    this.lastSeq = -1;
    this.open = false;
    this.ended = false;
    this.completed = 0;
    this.texts = new Map(); // bot message id -> streamed text
    this.words = new Map(); // bot message id -> words streamed
    this.nextIndex = new Map();
    this.completedTexts = new Map();
    this.clientKeyOf = new Map(); // user message id -> clientMessageId
    this.keyOf = new Map(); // bot message id -> clientMessageId of the question it answers
  }

  /**
   * Opens the stream on a socket of its own, speaking just the HTTP/1.1 this needs (a GET, a status
   * line and headers, a chunked body), not through `http`: this process shares the machine's two cores
   * with the server it measures, and the `http` client's parser was about a third of its CPU time.
   */
  connect() {
    return new Promise((resolve, reject) => {
      const socket = net.connect({ host: HOST, port: Number(port) });
      socket.setNoDelay(true);
      this.socket = socket;
      let settled = false;
      const fail = (error) => {
        this.ended = true;
        this.open = false;
        if (!settled) {
          settled = true;
          reject(error);
        } else if (!this.closing) noteError(error);
        socket.destroy();
      };
      const hello = () => {
        settled = true;
        resolve();
      };
      socket.on('error', fail);
      socket.on('close', () => {
        this.ended = true;
        this.open = false;
        if (!settled) fail(Object.assign(new Error('events: connection closed'), { code: 'ECONNRESET' }));
      });
      // A stream that never says hello counts as failed instead of stalling the run.
      socket.setTimeout(30_000, () => {
        if (!this.open) fail(Object.assign(new Error('no hello within 30 s'), { code: 'ETIMEDOUT' }));
      });
      socket.write(
        `GET /v1/conversations/${this.conv.id}/events HTTP/1.1\r\nHost: ${HOST}:${port}\r\n` +
          `Accept: text/event-stream\r\nBaton-Protocol: 1.0\r\nAuthorization: Bearer ${this.conv.token}\r\n\r\n`,
      );
      const decoder = new StringDecoder('utf8');
      let pending = null; // bytes not yet consumed
      let inHead = true;
      let chunkLeft = -1; // -1: a chunk-size line is next; -2: the CRLF after a chunk's data
      // SSE lines are cut from the decoded text by index (one pass), so a chunk holding many events
      // costs linear time.
      let buffered = '';
      let data = '';
      const onText = (chunk) => {
        const text = buffered === '' ? chunk : buffered + chunk;
        let from = 0;
        let nl;
        while ((nl = text.indexOf('\n', from)) >= 0) {
          const end = nl > from && text.charCodeAt(nl - 1) === 13 ? nl - 1 : nl;
          if (end === from) {
            if (data !== '') this.onEvent(data, hello);
            data = '';
          } else if (text.startsWith('data:', from)) {
            const value = text.slice(from + (text.charCodeAt(from + 5) === 32 ? 6 : 5), end);
            data = data === '' ? value : `${data}\n${value}`;
          }
          from = nl + 1;
        }
        buffered = from === 0 ? text : text.slice(from);
      };
      socket.on('data', (bytes) => {
        let buf = pending === null ? bytes : Buffer.concat([pending, bytes]);
        pending = null;
        let at = 0;
        if (inHead) {
          const headEnd = buf.indexOf('\r\n\r\n');
          if (headEnd < 0) {
            pending = buf;
            return;
          }
          const head = buf.toString('latin1', 0, headEnd);
          const status = Number(head.slice(9, 12));
          if (status !== 200) {
            fail(Object.assign(new Error(`events: ${status}`), { code: `HTTP ${status}` }));
            return;
          }
          if (!/\r\ntransfer-encoding:\s*chunked/i.test(head)) {
            fail(new Error('events: expected a chunked response'));
            return;
          }
          inHead = false;
          at = headEnd + 4;
        }
        while (at < buf.length) {
          if (chunkLeft === -1) {
            const lineEnd = buf.indexOf('\r\n', at);
            if (lineEnd < 0) break;
            chunkLeft = parseInt(buf.toString('latin1', at, lineEnd), 16);
            at = lineEnd + 2;
            if (chunkLeft === 0) {
              // The last chunk: the server ended the stream.
              socket.end();
              return;
            }
          } else if (chunkLeft === -2) {
            if (buf.length - at < 2) break;
            at += 2;
            chunkLeft = -1;
          } else {
            const take = Math.min(chunkLeft, buf.length - at);
            onText(decoder.write(buf.subarray(at, at + take)));
            at += take;
            chunkLeft -= take;
            if (chunkLeft === 0) chunkLeft = -2;
          }
        }
        if (at < buf.length) pending = buf.subarray(at);
      });
    });
  }

  onEvent(raw, onHello) {
    const now = Date.now();
    const event = JSON.parse(raw);
    eventsReceived += 1;
    if (event.type === 'hello') {
      this.lastSeq = event.data.resumeFrom;
      this.open = true;
      onHello();
      return;
    }
    if (typeof event.seq === 'number') {
      if (event.seq <= this.lastSeq) {
        duplicated += 1;
        return;
      }
      if (event.seq > this.lastSeq + 1) lost += event.seq - this.lastSeq - 1;
      this.lastSeq = event.seq;
    }
    if (event.type === 'message.delta') {
      deltasReceived += 1;
      recordLatency(now - Date.parse(event.ts));
      const { id, index, text } = event.data;
      const expected = this.nextIndex.get(id) ?? 0;
      if (index !== expected) indexErrors += 1;
      this.nextIndex.set(id, index + 1);
      this.texts.set(id, (this.texts.get(id) ?? '') + text);
      // The echo bot's deltas hold whole words, so the words so far are a running count.
      const words = (this.words.get(id) ?? 0) + countWords(text);
      this.words.set(id, words);
      const key = this.keyOf.get(id);
      const sentAt = key === undefined ? undefined : this.conv.sentAt.get(key);
      if (sentAt !== undefined) recordE2e(now - (sentAt + words * ECHO_DELAY_MS));
    } else if (event.type === 'message.created') {
      if (event.data.clientMessageId) this.clientKeyOf.set(event.data.id, event.data.clientMessageId);
    } else if (event.type === 'message.started') {
      const key = this.clientKeyOf.get(event.data.replyTo);
      if (key !== undefined) this.keyOf.set(event.data.id, key);
    } else if (event.type === 'message.completed') {
      this.completed += 1;
      this.completedTexts.set(event.data.id, event.data.text);
      this.conv.onCompleted();
    }
  }

  close() {
    this.closing = true;
    this.socket?.destroy();
    this.ended = true;
    this.open = false;
  }
}

/** One conversation and its listeners. */
class Conversation {
  constructor(id, token) {
    this.id = id;
    this.token = token;
    this.listeners = [];
    this.waiter = null;
    this.questions = []; // [user text]
    this.sentAt = new Map(); // clientMessageId -> when the POST was answered (the turn starts then)
  }

  minCompleted() {
    let min = Infinity;
    for (const l of this.listeners) if (l.open || !l.ended) min = Math.min(min, l.completed);
    return min;
  }

  onCompleted() {
    if (this.waiter && this.minCompleted() >= this.waiter.count) {
      const { resolve } = this.waiter;
      this.waiter = null;
      resolve(true);
    }
  }

  waitCompleted(count, timeoutMs) {
    if (this.minCompleted() >= count) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.waiter = null;
        resolve(false);
      }, timeoutMs);
      this.waiter = {
        count,
        resolve: (v) => {
          clearTimeout(timer);
          resolve(v);
        },
      };
    });
  }
}

const VOCABULARY =
  'where is my order please check the shipping status and tell me when the parcel arrives home today'.split(
    ' ',
  );
const question = (n) =>
  Array.from({ length: WORDS }, (_, i) => VOCABULARY[(n + i * 7) % VOCABULARY.length]).join(' ');
const rss = (s) => s.memory.rss;
const mib = (b) => (b / 1048576).toFixed(1);
const cpuSeconds = (s) => (s.cpu.user + s.cpu.system) / 1e6;
const t0 = Date.now();
const phase = (name) => console.log(`bench-server: ${((Date.now() - t0) / 1000).toFixed(1)} s  ${name}`);

// --- run ----------------------------------------------------------------------------------------------
console.log(
  `bench-server: ${CONNECTIONS} SSE connections over ${CONVERSATIONS} conversations, ${ANSWERS} concurrent ` +
    `answers for ${DURATION_S} s, ${WORDS}-word questions, echo delay ${ECHO_DELAY_MS} ms, ` +
    `${DATABASE_URL ? 'PostgreSQL' : 'PGlite (memory://)'}, ${args['echo-bot'] ? 'stock' : 'paced'} echo bot, ` +
    `escalation policy ${args.escalation ? 'on' : 'off'}; ` +
    `server ${url} (pid ${child.pid})`,
);
const statsStart = await serverStats();

phase(`creating ${CONVERSATIONS} conversations`);
const conversations = [];
await pool(Array.from({ length: CONVERSATIONS }), 32, async () => {
  const created = await request('POST', '/v1/conversations', { body: {} });
  conversations.push(new Conversation(created.conversationId, created.token));
});
const statsCreated = await serverStats();

phase(`opening ${CONNECTIONS} SSE connections`);
const listeners = [];
for (let i = 0; i < CONNECTIONS; i++) {
  const conv = conversations[i % CONVERSATIONS];
  const l = new Listener(conv);
  conv.listeners.push(l);
  listeners.push(l);
}
const openStarted = Date.now();
let openFailures = 0;
await pool(listeners, 256, async (l) => {
  try {
    await l.connect();
  } catch (e) {
    openFailures += 1;
    noteError(e);
  }
});
const openSeconds = (Date.now() - openStarted) / 1000;
const heldAfterOpen = listeners.filter((l) => l.open).length;
phase(`${heldAfterOpen} connections open in ${openSeconds.toFixed(1)} s (${openFailures} failed)`);
if (openFailures > 0 && emfile > 0)
  console.error(`bench-server: EMFILE: out of file descriptors. ${FD_ADVICE}`);
await new Promise((r) => setTimeout(r, 2000));
const statsOpen = await serverStats();

phase(`streaming: ${ANSWERS} concurrent answers for ${DURATION_S} s`);
latencyCount = 0;
e2eCount = 0;
deltasReceived = 0;
loop.enable();
const cpuClientBefore = process.cpuUsage();
const streamStarted = Date.now();
const deadline = streamStarted + DURATION_S * 1000;
let answersStarted = 0;
let answersStreamed = 0;
let answersTimedOut = 0;
let sendErrors = 0;
// Sum over answers of POST answered -> every listener saw it complete: over the run's length, how many
// answers were streaming at once on average (the rest of the time a driver waits for its POST).
let streamingMs = 0;
let minHeldDuringStream = heldAfterOpen;
// Sampled every 100 ms once every driver has started (after the first answer's length), until the
// deadline: how many answers were streaming at that instant (POST answered, not yet complete everywhere).
let streamingNow = 0;
const streamingSamples = [];
const rampEnd = streamStarted + (WORDS + 2) * ECHO_DELAY_MS;
const sampleTimer = setInterval(() => {
  const now = Date.now();
  if (now >= rampEnd && now < deadline) streamingSamples.push(streamingNow);
}, 100);
const heldTimer = setInterval(() => {
  const held = listeners.reduce((n, l) => n + (l.open ? 1 : 0), 0);
  minHeldDuringStream = Math.min(minHeldDuringStream, held);
}, 1000);
await Promise.all(
  conversations.slice(0, ANSWERS).map(async (conv, d) => {
    // Start the drivers spread over one answer's length so the flushes do not all land together.
    await new Promise((r) => setTimeout(r, (d / ANSWERS) * (WORDS + 2) * ECHO_DELAY_MS));
    let n = 0;
    while (Date.now() < deadline) {
      const text = question(d * 1000 + n);
      const key = uuidv7();
      const postedAt = Date.now();
      try {
        answersStarted += 1;
        await request('POST', `/v1/conversations/${conv.id}/messages`, {
          token: conv.token,
          body: { clientMessageId: key, text },
          headers: { 'idempotency-key': key },
        });
      } catch (e) {
        sendErrors += 1;
        noteError(e);
        await new Promise((r) => setTimeout(r, 200));
        continue;
      }
      conv.sentAt.set(key, Date.now());
      recordPost(Date.now() - postedAt);
      conv.questions.push(text);
      n += 1;
      streamingNow += 1;
      const completed = await conv.waitCompleted(n, 30_000);
      streamingNow -= 1;
      if (completed) {
        answersStreamed += 1;
        streamingMs += Date.now() - conv.sentAt.get(key);
      } else {
        answersTimedOut += 1;
        break;
      }
    }
  }),
);
const streamSeconds = (Date.now() - streamStarted) / 1000;
const cpuClient = process.cpuUsage(cpuClientBefore);
loop.disable();
clearInterval(heldTimer);
clearInterval(sampleTimer);
const sortedSamples = [...streamingSamples].sort((a, b) => a - b);
const sampleAt = (q) =>
  sortedSamples.length
    ? sortedSamples[Math.min(sortedSamples.length - 1, Math.floor(q * sortedSamples.length))]
    : 0;
const statsStreamed = await serverStats();

// --- drain and check: every listener reaches the conversation's last seq with identical transcripts ----
phase('checking transcripts');
const finalSeq = new Map();
await pool(conversations.slice(0, ANSWERS), 32, async (conv) => {
  const page = await request('GET', `/v1/conversations/${conv.id}/messages?limit=1`, { token: conv.token });
  finalSeq.set(conv, page.lastSeq);
});
const drainUntil = Date.now() + 10_000;
while (Date.now() < drainUntil) {
  let behind = 0;
  for (const [conv, seq] of finalSeq)
    for (const l of conv.listeners) if (l.open && l.lastSeq < seq) behind += 1;
  if (behind === 0) break;
  await new Promise((r) => setTimeout(r, 100));
}
let tailLost = 0;
let transcriptMismatches = 0;
let wrongAnswers = 0;
for (const [conv, seq] of finalSeq) {
  for (const l of conv.listeners) if (l.lastSeq < seq) tailLost += seq - Math.max(l.lastSeq, 0);
  const [first, ...others] = conv.listeners;
  if (!first) continue;
  const signature = (l) => JSON.stringify([...l.texts]);
  const sig = signature(first);
  for (const o of others) if (signature(o) !== sig) transcriptMismatches += 1;
  const answers = [...first.texts.values()];
  conv.questions.forEach((q, i) => {
    if (answers[i] !== `You said: ${q}`) wrongAnswers += 1;
  });
  for (const [id, text] of first.texts) if (first.completedTexts.get(id) !== text) wrongAnswers += 1;
}
lost += tailLost;
const heldAtEnd = listeners.filter((l) => l.open).length;

phase('stopping the server');
const statsEnd = await serverStats();
stopping = true;
for (const l of listeners) l.close();
commandAgent.destroy();
await new Promise((resolve) => {
  if (childExited) return resolve();
  const t = setTimeout(() => {
    child.kill('SIGKILL');
    resolve();
  }, 15_000);
  child.once('exit', () => {
    clearTimeout(t);
    resolve();
  });
  child.send({ type: 'stop' });
});

// --- report -------------------------------------------------------------------------------------------
const percentile = (sorted) => (p) =>
  sorted.length ? sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] : null;
const pct = percentile(latencies.subarray(0, latencyCount).sort());
const pctE2e = percentile(e2e.subarray(0, e2eCount).sort());
const pctPost = percentile(Float64Array.from(postLatencies).sort());
const perConnection = heldAfterOpen ? (rss(statsOpen) - rss(statsCreated)) / heldAfterOpen : null;
const serverCpu = {
  total: cpuSeconds(statsEnd),
  openingConnections: cpuSeconds(statsOpen) - cpuSeconds(statsCreated),
  streaming: cpuSeconds(statsStreamed) - cpuSeconds(statsOpen),
};
const result = {
  date: new Date().toISOString(),
  node: process.version,
  platform: `${process.platform} ${process.arch}`,
  storage: DATABASE_URL ? 'postgresql' : 'pglite memory://',
  options: {
    connections: CONNECTIONS,
    conversations: CONVERSATIONS,
    listenersPerConversation: LISTENERS,
    answers: ANSWERS,
    durationSeconds: DURATION_S,
    wordsPerQuestion: WORDS,
    echoDelayMs: ECHO_DELAY_MS,
    deltaFlushMs: 25,
    escalation: args.escalation,
    bot: args['echo-bot'] ? 'echo' : 'paced echo',
    ulimitN: softFdLimit,
  },
  connections: {
    requested: CONNECTIONS,
    heldAfterOpen,
    minHeldWhileStreaming: minHeldDuringStream,
    heldAtEnd,
    openFailures,
    openSeconds,
  },
  answers: {
    concurrent: ANSWERS,
    started: answersStarted,
    streamed: answersStreamed,
    timedOut: answersTimedOut,
    sendErrors,
    perSecond: answersStreamed / streamSeconds,
    streamingAtOnce: streamingMs / 1000 / streamSeconds,
    streamingNow: { median: sampleAt(0.5), p10: sampleAt(0.1), max: sortedSamples.at(-1) ?? 0 },
  },
  events: {
    received: eventsReceived,
    deltasReceived,
    deltasPerSecond: deltasReceived / streamSeconds,
    lost,
    lostAtTail: tailLost,
    duplicated,
    deltaIndexErrors: indexErrors,
    transcriptMismatches,
    wrongAnswers,
  },
  // From the event's server ts (stamped in the appending transaction) to receipt by the listener.
  deltaLatencyMs: { p50: pct(50), p90: pct(90), p99: pct(99), max: pct(100), samples: latencyCount },
  // From when the echo bot produced the delta's last word (send time + words x echo delay) to receipt:
  // includes the buffering (deltaFlushMs) and any wait for the database before the append.
  // POST .../messages, request to response (the question's own write).
  sendLatencyMs: { p50: pctPost(50), p99: pctPost(99), max: pctPost(100), samples: postLatencies.length },
  deltaLatencyEndToEndMs: {
    p50: pctE2e(50),
    p90: pctE2e(90),
    p99: pctE2e(99),
    max: pctE2e(100),
    samples: e2eCount,
  },
  server: {
    rssStartBytes: rss(statsStart),
    rssAfterConversationsBytes: rss(statsCreated),
    rssWithConnectionsBytes: rss(statsOpen),
    rssAfterStreamingBytes: rss(statsStreamed),
    rssPerConnectionBytes: perConnection,
    heapUsedWithConnectionsBytes: statsOpen.memory.heapUsed,
    cpuSeconds: serverCpu,
    cpuUtilisationWhileStreaming: serverCpu.streaming / streamSeconds,
    eventLoopDelayWhileStreamingMs: statsStreamed.eventLoop,
    errors: statsEnd.errors,
  },
  loadGenerator: {
    cpuSecondsWhileStreaming: (cpuClient.user + cpuClient.system) / 1e6,
    eventLoopDelayP99Ms: loop.percentile(99) / 1e6,
    eventLoopDelayMaxMs: loop.max / 1e6,
    errors: Object.fromEntries(clientErrors),
  },
  durationSeconds: { total: (Date.now() - t0) / 1000, streaming: streamSeconds },
  pass: null,
};
result.pass =
  heldAfterOpen >= CONNECTIONS &&
  minHeldDuringStream >= CONNECTIONS &&
  lost === 0 &&
  duplicated === 0 &&
  transcriptMismatches === 0 &&
  wrongAnswers === 0 &&
  indexErrors === 0 &&
  answersTimedOut === 0 &&
  (pct(99) ?? Infinity) < 250 &&
  (pctE2e(99) ?? Infinity) < 250;

mkdirSync(dirname(args.out), { recursive: true });
writeFileSync(args.out, `${JSON.stringify(result, null, 2)}\n`);

const row = (k, v) => console.log(`  ${k.padEnd(34)} ${v}`);
console.log(
  `\nbench:server (${result.storage}, node ${process.version}, ${result.durationSeconds.total.toFixed(1)} s)`,
);
row(
  'connections held',
  `${heldAfterOpen} / ${CONNECTIONS} (min while streaming ${minHeldDuringStream}, at end ${heldAtEnd})`,
);
row(
  'answers streamed',
  `${answersStreamed} (${ANSWERS} drivers, ${result.answers.streamingAtOnce.toFixed(0)} streaming at once on average, ` +
    `${result.answers.perSecond.toFixed(1)}/s, ${answersTimedOut} timed out)`,
);
row(
  'streaming at one instant',
  `median ${result.answers.streamingNow.median}, p10 ${result.answers.streamingNow.p10}, max ` +
    `${result.answers.streamingNow.max} (sampled every 100 ms after every driver started)`,
);
row('deltas received', `${deltasReceived} (${result.events.deltasPerSecond.toFixed(0)}/s)`);
row('events lost', `${lost}`);
row('events duplicated', `${duplicated}`);
row('transcripts differing / wrong', `${transcriptMismatches} / ${wrongAnswers}`);
row('delta latency ts->recv p50/p99/max', `${pct(50)} / ${pct(99)} / ${pct(100)} ms`);
row('delta latency bot->recv p50/p99/max', `${pctE2e(50)} / ${pctE2e(99)} / ${pctE2e(100)} ms`);
row('send (POST) latency p50/p99', `${pctPost(50)} / ${pctPost(99)} ms`);
row(
  'server RSS start / conns / end',
  `${mib(rss(statsStart))} / ${mib(rss(statsOpen))} / ${mib(rss(statsStreamed))} MiB`,
);
row('server RSS per connection', perConnection === null ? '-' : `${(perConnection / 1024).toFixed(1)} KiB`);
row(
  'server CPU (open / stream / total)',
  `${serverCpu.openingConnections.toFixed(1)} / ${serverCpu.streaming.toFixed(1)} / ${serverCpu.total.toFixed(1)} s (${(100 * result.server.cpuUtilisationWhileStreaming).toFixed(0)}% of a core while streaming)`,
);
row(
  'server event loop delay p99 / max',
  `${statsStreamed.eventLoop.p99Ms.toFixed(0)} / ${statsStreamed.eventLoop.maxMs.toFixed(0)} ms (while streaming)`,
);
row(
  'load generator CPU / loop p99',
  `${result.loadGenerator.cpuSecondsWhileStreaming.toFixed(1)} s / ${result.loadGenerator.eventLoopDelayP99Ms.toFixed(0)} ms`,
);
if (clientErrors.size) row('client errors', JSON.stringify(result.loadGenerator.errors));
if (emfile) console.log(`  EMFILE seen: ${FD_ADVICE}`);
console.log(
  `  ${result.pass ? 'PASS' : 'FAIL'} (target: all connections held, 0 lost, 0 duplicated, both p99 < 250 ms)`,
);
console.log(`  results: ${args.out}`);
process.exit(result.pass ? 0 : 1);
