// The server side of `npm run bench:server`, run in its own process by scripts/bench-server.mjs so that
// its RSS and CPU time are measured apart from the load generator. Listens on 127.0.0.1 only, with the
// echo bot and the rate limits switched off (the bench opens every conversation from one address), and
// the escalation policy off unless asked for (its questions repeat, which it rightly hands to a person).
// Talks to its parent over the IPC channel: `{ ready, url }` once listening; answers `stats` with
// `process.memoryUsage()` and `process.cpuUsage()`; closes the server and exits on `stop`.
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { createEchoBot, startServer } from '@baton-chat/server';

const options = JSON.parse(process.argv[2] ?? '{}');
if (typeof process.send !== 'function') {
  console.error('bench-server-runner: start me with child_process.fork() from scripts/bench-server.mjs');
  process.exit(2);
}

/**
 * The echo bot's answer, with word k due k x `wordDelayMs` after the turn starts, as tokens of a model
 * stream arrive on their socket whatever the server is doing. When the server is late, the words that
 * are due come at once; the stock echo bot instead sleeps `wordDelayMs` after each word it yields, so
 * every event-loop delay pushes all its later words back and the bench would count that drift, summed
 * over the answer, as delivery latency. It stands in for a model's token stream, so it costs as little
 * as it can: a plain timer per word, the turn's signal checked when it fires (a cancel waits at most one
 * word), instead of an abortable sleep that adds and removes a listener on the signal every word.
 */
function createPacedEchoBot({ wordDelayMs }) {
  return {
    id: 'echo-bot',
    name: 'Echo Bot',
    async *answer(turn) {
      yield { type: 'progress', stage: 'thinking', label: 'Thinking…' };
      const words = `You said: ${turn.question}`.match(/\S+\s*/g) ?? [];
      const start = Date.now();
      for (const [k, word] of words.entries()) {
        const wait = start + (k + 1) * wordDelayMs - Date.now();
        if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
        if (turn.signal.aborted) return;
        yield { type: 'delta', text: word };
      }
      yield { type: 'final', suggestions: [{ label: 'Talk to a person', action: 'handoff' }], confidence: 1 };
    },
  };
}

const errors = [];
const wordDelayMs = options.echoDelayMs ?? 20;
const running = await startServer({
  port: 0,
  host: '127.0.0.1',
  ...(options.databaseUrl ? { databaseUrl: options.databaseUrl } : { dataDir: 'memory://' }),
  bot: options.stockEchoBot ? createEchoBot({ wordDelayMs }) : createPacedEchoBot({ wordDelayMs }),
  rateLimits: { conversationsPerIp: { perMinute: 0 }, commandsPerConversation: { perMinute: 0 } },
  ...(options.deltaFlushMs !== undefined && { deltaFlushMs: options.deltaFlushMs }),
  ...(!options.escalation && { escalation: false }),
  log: (message, error) => {
    if (errors.length < 20)
      errors.push(`${message}: ${error instanceof Error ? error.message : (error ?? '')}`);
    console.error(`baton-server: ${message}`, error ?? '');
  },
});

const loop = monitorEventLoopDelay({ resolution: 10 });
loop.enable();
process.on('message', (message) => {
  if (message?.type === 'stats') {
    const eventLoop = {
      p50Ms: loop.percentile(50) / 1e6,
      p99Ms: loop.percentile(99) / 1e6,
      maxMs: loop.max / 1e6,
    };
    loop.reset();
    // A full collection first, so RSS differences show what is held, not garbage not yet collected.
    if (message.gc && typeof globalThis.gc === 'function') globalThis.gc();
    process.send({
      type: 'stats',
      id: message.id,
      memory: process.memoryUsage(),
      cpu: process.cpuUsage(),
      eventLoop,
      errors,
    });
  } else if (message?.type === 'stop') {
    const force = setTimeout(() => process.exit(0), 10_000);
    force.unref();
    running.close().finally(() => {
      process.send({ type: 'stopped' }, () => process.exit(0));
    });
  }
});
process.on('disconnect', () => process.exit(0));
process.send({ type: 'ready', url: running.url, pid: process.pid });
