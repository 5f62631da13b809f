import type { Feature, Message } from '@baton-chat/protocol';
import type { Bot, BotChunk, BotTurn } from './bots/bot.js';
import type { ConversationRecord, ConversationTx, NewEvent, Store, TurnRecord } from './store/store.js';
import { completionEvent, type Completion } from './turns.js';

/** Options of {@link BotRunner}. */
export interface BotRunnerOptions {
  store: Store;
  bot: Bot;
  features: readonly Feature[];
  /** Deltas are buffered and written in one append at most this often, in milliseconds. Default 25. */
  flushMs?: number;
  log?: (message: string, error?: unknown) => void;
}

interface LocalTurn {
  record: TurnRecord;
  abort: AbortController;
  /** Set once this process must not write for the turn any more. */
  stopped: boolean;
  started: boolean;
  nextIndex: number;
  pending: string;
  lastFlushAt: number;
  timer: NodeJS.Timeout | undefined;
  /** A delta write is queued and has not taken the buffered text yet: more text joins it. */
  flushQueued: boolean;
  /** Writes of the turn, one after another. */
  writing: Promise<void>;
  done: Promise<void>;
}

const STOPPED = Symbol('stopped');

/**
 * Runs bot turns: turns a bot's chunks into `message.started`, `progress`, batched `message.delta`s and
 * `message.completed`. Every write happens in a transaction that first checks the turn is still the
 * conversation's running turn and that control has not moved since it started; otherwise the turn stops
 * silently (whoever took control already completed its message). Deltas are buffered and flushed every
 * `flushMs`, with seqs assigned at flush, so the log stays exact while the database sees few writes.
 */
export class BotRunner {
  readonly #store: Store;
  readonly #bot: Bot;
  readonly #flushMs: number;
  readonly #progress: boolean;
  readonly #log: (message: string, error?: unknown) => void;
  readonly #turns = new Map<string, LocalTurn>();
  #closing = false;

  constructor(options: BotRunnerOptions) {
    this.#store = options.store;
    this.#bot = options.bot;
    this.#flushMs = options.flushMs ?? 25;
    this.#progress = options.features.includes('progress');
    this.#log = options.log ?? ((message, error) => console.error(`baton-server: ${message}`, error ?? ''));
  }

  /** The bot's author. */
  get author() {
    return { id: this.#bot.id, role: 'bot' as const, name: this.#bot.name };
  }

  /** Starts answering `question` in the background with the turn already stored as `pending`. */
  start(conversation: ConversationRecord, turn: TurnRecord, question: Message): void {
    if (this.#closing) return;
    const local: LocalTurn = {
      record: turn,
      abort: new AbortController(),
      stopped: false,
      started: false,
      nextIndex: 0,
      pending: '',
      lastFlushAt: 0,
      timer: undefined,
      flushQueued: false,
      writing: Promise.resolve(),
      done: Promise.resolve(),
    };
    this.#turns.set(conversation.id, local);
    local.done = this.#run(conversation, local, question).finally(() => {
      if (this.#turns.get(conversation.id) === local) this.#turns.delete(conversation.id);
    });
  }

  /**
   * Stops this process's running turn of a conversation, after writing the deltas it had buffered. The
   * caller then completes the message in its own transaction (cancel, new message, handoff, close).
   */
  async interrupt(conversationId: string, turnId?: string): Promise<void> {
    const local = this.#turns.get(conversationId);
    if (!local || local.stopped || (turnId !== undefined && local.record.id !== turnId)) return;
    local.abort.abort();
    this.#flush(local);
    local.stopped = true;
    await local.writing;
  }

  /**
   * Stops every running turn: buffered deltas are written, then each message completes with
   * `finishReason: "error"` and an `error` event `shutting_down`, so no stream is left hanging.
   */
  async close(): Promise<void> {
    this.#closing = true;
    await Promise.all(
      [...this.#turns.values()].map(async (local) => {
        if (local.stopped) return;
        local.abort.abort();
        this.#flush(local);
        await this.#finish(
          local,
          'error',
          {},
          {
            code: 'shutting_down',
            message: 'The assistant was interrupted by a server restart. Please ask again.',
          },
        );
        local.stopped = true;
      }),
    );
    await Promise.allSettled([...this.#turns.values()].map((t) => t.done));
  }

  async #run(conversation: ConversationRecord, local: LocalTurn, question: Message): Promise<void> {
    const turnId = local.record.id;
    let history: readonly Message[] = [];
    try {
      const page = await this.#store.history(conversation.id, { before: question.seq, limit: 20 });
      history = page.messages;
    } catch (error) {
      this.#log('could not read history for a bot turn', error);
    }
    const botTurn: BotTurn = {
      conversationId: conversation.id,
      turnId,
      question: question.text,
      history,
      ...(conversation.locale !== undefined && { locale: conversation.locale }),
      ...(conversation.session !== undefined && { session: conversation.session }),
      signal: local.abort.signal,
    };
    let iterator: AsyncIterator<BotChunk> | undefined;
    const aborted = new Promise<typeof STOPPED>((resolve) => {
      if (local.abort.signal.aborted) resolve(STOPPED);
      local.abort.signal.addEventListener('abort', () => resolve(STOPPED), { once: true });
    });
    try {
      iterator = this.#bot.answer(botTurn)[Symbol.asyncIterator]();
      for (;;) {
        // A bot that ignores its signal must not keep the turn (or the server's shutdown) waiting.
        const next = iterator.next();
        next.catch(() => undefined);
        const step = await Promise.race([next, aborted]);
        if (step === STOPPED || local.stopped) return;
        if (step.done) {
          await this.#finish(local, 'stop', {});
          return;
        }
        const chunk = step.value;
        if (chunk.type === 'progress') {
          if (this.#progress && !local.started && local.pending === '') {
            await this.#store.publish(conversation.id, {
              type: 'progress',
              data: { turnId, stage: chunk.stage, label: chunk.label },
            });
          }
        } else if (chunk.type === 'delta') {
          if (chunk.text === '') continue;
          local.pending += chunk.text;
          this.#scheduleFlush(local);
        } else {
          const completion: Completion = {
            ...(chunk.text !== undefined && { text: chunk.text }),
            ...(chunk.citations !== undefined && { citations: chunk.citations }),
            ...(chunk.suggestions !== undefined && { suggestions: chunk.suggestions }),
            ...(chunk.confidence !== undefined && { confidence: chunk.confidence }),
          };
          await this.#finish(local, 'stop', completion);
          return;
        }
      }
    } catch (error) {
      if (local.stopped || local.abort.signal.aborted) return;
      this.#log(`bot ${this.#bot.id} failed on turn ${turnId}`, error);
      await this.#finish(
        local,
        'error',
        {},
        {
          code: 'bot_failed',
          message: 'The assistant could not answer. Please try again.',
        },
      );
    } finally {
      void iterator?.return?.()?.catch(() => undefined);
      if (local.timer) clearTimeout(local.timer);
    }
  }

  #scheduleFlush(local: LocalTurn): void {
    if (local.timer) return;
    const wait = Math.max(0, local.lastFlushAt + this.#flushMs - Date.now());
    if (wait === 0) {
      this.#flush(local);
      return;
    }
    local.timer = setTimeout(() => {
      local.timer = undefined;
      this.#flush(local);
    }, wait);
  }

  /**
   * Queues a write of the buffered text (and `message.started` on the first one). The text is taken when
   * the write runs, not when it is queued: while the database is busy, text keeps joining the one queued
   * write instead of queueing a transaction per flush, so a slow store gets fewer, larger deltas and the
   * stream stays close to the bot instead of falling ever further behind.
   */
  #flush(local: LocalTurn): void {
    if (local.timer) {
      clearTimeout(local.timer);
      local.timer = undefined;
    }
    if (local.stopped || local.pending === '' || local.flushQueued) return;
    local.flushQueued = true;
    local.lastFlushAt = Date.now();
    let text: string | undefined;
    this.#write(
      local,
      async () => {
        // Taken once, so a retried transaction writes the same text.
        if (text === undefined) {
          local.flushQueued = false;
          text = local.pending;
          local.pending = '';
        }
        // Everything buffered was taken by a completion queued meanwhile: nothing to write.
        if (text === '') return [];
        return [
          ...this.#startEvents(local),
          {
            type: 'message.delta',
            data: { id: local.record.messageId, index: local.nextIndex, text },
          },
        ];
      },
      () => {
        if (text === undefined || text === '') return;
        local.started = true;
        local.nextIndex += 1;
      },
    );
  }

  #startEvents(local: LocalTurn): NewEvent[] {
    if (local.started) return [];
    return [
      {
        type: 'message.started',
        data: {
          id: local.record.messageId,
          role: 'bot',
          author: this.author,
          turnId: local.record.id,
          ...(local.record.replyTo !== undefined && { replyTo: local.record.replyTo }),
          createdAt: new Date().toISOString(),
        },
      },
    ];
  }

  /** Writes buffered text and the completion in one transaction; with `error`, also an `error` event. */
  async #finish(
    local: LocalTurn,
    finishReason: 'stop' | 'error',
    completion: Completion,
    error?: { code: string; message: string },
  ): Promise<void> {
    if (local.stopped) return;
    if (local.timer) {
      clearTimeout(local.timer);
      local.timer = undefined;
    }
    const text = local.pending;
    local.pending = '';
    this.#write(
      local,
      async (tx) => {
        const events = this.#startEvents(local);
        if (text !== '')
          events.push({
            type: 'message.delta',
            data: { id: local.record.messageId, index: local.nextIndex, text },
          });
        // A turn that failed before its first word still leaves an answer in the transcript: the safe
        // error sentence and a way to a person, so the customer is never left with nothing.
        const nothingSaid = finishReason === 'error' && !local.started && text === '' && error;
        const final: Completion = nothingSaid
          ? {
              ...completion,
              text: error.message,
              suggestions: [{ label: 'Talk to a person', action: 'handoff' }],
            }
          : completion;
        if (events.length > 0) await tx.append(events);
        events.length = 0;
        events.push(await completionEvent(tx, { ...local.record, status: 'streaming' }, finishReason, final));
        if (error) {
          tx.emit({ type: 'error', data: { ...error, turnId: local.record.id, retryable: true } });
        }
        if (events.length === 0) await tx.setTurnStatus(local.record.id, 'finished');
        return events;
      },
      () => {
        local.stopped = true;
      },
    );
    await local.writing;
  }

  /**
   * Queues one guarded write: inside a transaction, checks the turn still runs and control did not
   * move, then appends what `build` returns. A refused write stops the turn quietly.
   */
  #write(local: LocalTurn, build: (tx: ConversationTx) => Promise<NewEvent[]>, onWritten: () => void): void {
    const { record } = local;
    local.writing = local.writing.then(async () => {
      try {
        const written = await this.#store.withConversation(record.conversationId, async (tx) => {
          const turn = await tx.getTurn(record.id);
          const c = tx.conversation;
          if (
            !turn ||
            turn.status === 'finished' ||
            c.status !== 'open' ||
            c.control !== 'bot' ||
            c.controlVersion !== record.controlVersion
          ) {
            return false;
          }
          const events = await build(tx);
          if (events.length > 0) await tx.append(events);
          return true;
        });
        if (written) onWritten();
        else this.#stop(local);
      } catch (error) {
        this.#log(`could not write bot turn ${record.id}`, error);
        this.#stop(local);
      }
    });
  }

  #stop(local: LocalTurn): void {
    local.stopped = true;
    local.abort.abort();
  }
}
