import { setTimeout as sleep } from 'node:timers/promises';
import type { Bot, BotChunk, BotTurn } from './bot.js';

/** Options of {@link createEchoBot}. */
export interface EchoBotOptions {
  /** Pause before each word, in milliseconds. Default 40. */
  wordDelayMs?: number;
  /** Author id of its messages. Default `echo-bot`. */
  id?: string;
  /** Display name. Default `Echo Bot`. */
  name?: string;
}

/**
 * A bot that answers "You said: <question>" word by word, with a pause before each word. Used by the
 * tests and the conformance run: its answers stream long enough to be cancelled or resumed midway.
 *
 * @example
 * const server = await createBatonServer({ bot: createEchoBot({ wordDelayMs: 10 }) });
 */
export function createEchoBot(options: EchoBotOptions = {}): Bot {
  const wordDelayMs = options.wordDelayMs ?? 40;
  return {
    id: options.id ?? 'echo-bot',
    name: options.name ?? 'Echo Bot',
    async *answer(turn: BotTurn): AsyncIterable<BotChunk> {
      yield { type: 'progress', stage: 'thinking', label: 'Thinking…' };
      // Each word keeps the whitespace after it, so the deltas concatenate back to the exact answer.
      const words = `You said: ${turn.question}`.match(/\S+\s*/g) ?? [];
      for (const word of words) {
        await sleep(wordDelayMs, undefined, { signal: turn.signal });
        yield { type: 'delta', text: word };
      }
      yield {
        type: 'final',
        suggestions: [{ label: 'Talk to a person', action: 'handoff' }],
        confidence: 1,
      };
    },
  };
}
