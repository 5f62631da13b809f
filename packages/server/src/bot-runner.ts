import type { DurableEvent, Feature, Message } from '@baton-chat/protocol';
import type { Bot, BotChunk, BotTurn } from './bots/bot.js';
import type { ConversationRecord, NewEvent, Store, TurnAppend, TurnRecord } from './store/store.js';
import { TURN_TOUCH_MS } from './store/turn-writes.js';
import { completedEvent, type Completion } from './turns.js';

/** Options of {@link BotRunner}. */
export interface BotRunnerOptions {
  store: Store;
  bot: Bot;
  features: readonly Feature[];
  /** Deltas are buffered and written in one group commit at most this often, in milliseconds. Default 25. */
  flushMs?: number;
  log?: (message: string, error?: unknown) => void;
}

/** How a turn ends: written with its last text in one group commit. */
interface Final {
  finishReason: 'stop' | 'error';
  completion: Completion;
  error?: { code: string; message: string };
}

interface LocalTurn {
  record: TurnRecord;
  abort: AbortController;
  /** Set once this process must not write for the turn any more. */
  stopped: boolean;
  /** Interrupted: takes no more text; what is buffered is still written. */
  sealed: boolean;
  /** `message.started` is durable. */
  started: boolean;
  /** The conversation's last seq after this turn's previous write. */
  lastSeq: number;
  /** When the turn's `updated_at_ms` was last refreshed by one of its writes. */
  touchedAt: number;
  nextIndex: number;
  /** The text of the durable deltas, which is what the message's projection holds. */
  written: string;
  /** Text not yet taken by a group commit. */
  pending: string;
  /** The end of the turn, not yet taken by a group commit. */
  final: Final | undefined;
  /** Resolved once a group commit has written (or refused) everything buffered when they were added. */
  waiters: (() => void)[];
  done: Promise<void>;
}

/** One turn's share of a group commit. */
interface BatchItem {
  local: LocalTurn;
  write: TurnAppend;
  text: string;
  final: Final | undefined;
  waiters: (() => void)[];
}

const STOPPED = Symbol('stopped');
const FAILED = Symbol('failed');

/**
 * Runs bot turns: turns a bot's chunks into `message.started`, `progress`, batched `message.delta`s and
 * `message.completed`. Text is buffered per turn; at most every `flushMs` one group commit
 * ({@link Store.appendTurns}) writes what every running turn buffered, with seqs assigned at commit,
 * so the log stays exact while the database sees one transaction per tick instead of one per turn. The
 * store refuses a turn's write unless the turn is still the conversation's running turn and control has
 * not moved since it started; the turn then stops silently (whoever took control completed its message).
 * One commit runs at a time: text arriving meanwhile joins the next one, so a slow store gets fewer,
 * larger deltas and the streams stay close to the bots instead of falling ever further behind.
 */
export class BotRunner {
  readonly #store: Store;
  readonly #bot: Bot;
  readonly #flushMs: number;
  readonly #progress: boolean;
  readonly #log: (message: string, error?: unknown) => void;
  readonly #turns = new Map<string, LocalTurn>();
  /** Turns with buffered text, a final or waiters, for the next group commit. */
  readonly #dirty = new Set<LocalTurn>();
  #timer: NodeJS.Timeout | undefined;
  #timerUrgent = false;
  #committing = false;
  #urgent = false;
  #lastCommitAt = 0;
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

  /**
   * Starts answering `question` in the background with the turn already stored as `pending`, and
   * `history` (the messages before it) read in the same transaction, so the first word waits on nothing.
   */
  start(
    conversation: ConversationRecord,
    turn: TurnRecord,
    question: Message,
    history: readonly Message[],
  ): void {
    if (this.#closing) return;
    const local: LocalTurn = {
      record: turn,
      abort: new AbortController(),
      stopped: false,
      sealed: false,
      started: false,
      lastSeq: 0,
      touchedAt: 0,
      nextIndex: 0,
      written: '',
      pending: '',
      final: undefined,
      waiters: [],
      done: Promise.resolve(),
    };
    this.#turns.set(conversation.id, local);
    local.done = this.#run(conversation, local, question, history).finally(() => {
      if (this.#turns.get(conversation.id) === local) this.#turns.delete(conversation.id);
    });
  }

  /**
   * Stops this process's running turn of a conversation, after writing the deltas it had buffered
   * (at once, not at the next tick). The caller then completes the message in its own transaction
   * (cancel, new message, handoff, close).
   */
  async interrupt(conversationId: string, turnId?: string): Promise<void> {
    const local = this.#turns.get(conversationId);
    if (!local || local.stopped || (turnId !== undefined && local.record.id !== turnId)) return;
    local.abort.abort();
    local.sealed = true;
    await this.#flushed(local, true);
    local.stopped = true;
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
        await this.#finish(
          local,
          'error',
          {},
          {
            code: 'shutting_down',
            message: 'The assistant was interrupted by a server restart. Please ask again.',
          },
          true,
        );
        local.stopped = true;
      }),
    );
    await Promise.allSettled([...this.#turns.values()].map((t) => t.done));
  }

  async #run(
    conversation: ConversationRecord,
    local: LocalTurn,
    question: Message,
    history: readonly Message[],
  ): Promise<void> {
    const turnId = local.record.id;
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
        if (step === STOPPED || local.stopped || local.sealed || local.final) return;
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
          this.#dirty.add(local);
          this.#schedule();
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
    }
  }

  /**
   * Ends the turn: its buffered text and the completion are written together by the next group commit
   * (with `error`, also an `error` event), or at once when `urgent`. Resolves once that commit is done.
   */
  async #finish(
    local: LocalTurn,
    finishReason: 'stop' | 'error',
    completion: Completion,
    error?: { code: string; message: string },
    urgent = false,
  ): Promise<void> {
    if (local.stopped) return;
    // A completion already buffered (the bot finished just before a shutdown) is the one written.
    local.final ??= { finishReason, completion, ...(error && { error }) };
    await this.#flushed(local, urgent);
  }

  /** Resolves once a group commit has taken everything the turn buffered so far. */
  #flushed(local: LocalTurn, urgent: boolean): Promise<void> {
    if (local.stopped) return Promise.resolve();
    return new Promise<void>((resolve) => {
      local.waiters.push(resolve);
      this.#dirty.add(local);
      this.#schedule(urgent);
    });
  }

  /**
   * Arms the group commit: `flushMs` after the previous one started, at once when `urgent` (an
   * interrupt waits on it), never while one runs (the next is armed when it ends).
   */
  #schedule(urgent = false): void {
    if (urgent) this.#urgent = true;
    if (this.#committing || this.#dirty.size === 0) return;
    if (this.#timer) {
      if (!this.#urgent || this.#timerUrgent) return;
      clearTimeout(this.#timer);
    }
    const wait = this.#urgent ? 0 : Math.max(0, this.#lastCommitAt + this.#flushMs - Date.now());
    this.#timerUrgent = this.#urgent;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      void this.#commit();
    }, wait);
  }

  /** One group commit: takes what every dirty turn buffered and writes it in one store transaction. */
  async #commit(): Promise<void> {
    this.#committing = true;
    this.#urgent = false;
    const now = Date.now();
    this.#lastCommitAt = now;
    const batch: BatchItem[] = [];
    const idle: (() => void)[] = [];
    for (const local of this.#dirty) {
      const waiters = local.waiters.splice(0);
      const text = local.pending;
      const final = local.final;
      if (local.stopped || (text === '' && !final)) {
        idle.push(...waiters);
        continue;
      }
      local.pending = '';
      local.final = undefined;
      batch.push({ local, write: this.#writeOf(local, text, final, now), text, final, waiters });
    }
    this.#dirty.clear();
    for (const resolve of idle) resolve();
    try {
      if (batch.length > 0) {
        const results = await this.#append(batch);
        batch.forEach((item, i) => this.#settle(item, results[i], now));
      }
    } finally {
      for (const item of batch) for (const resolve of item.waiters) resolve();
      this.#committing = false;
      this.#schedule();
    }
  }

  /** Appends a batch; when the transaction fails, each write is retried alone, so one bad turn stops alone. */
  async #append(batch: readonly BatchItem[]): Promise<(DurableEvent[] | null | typeof FAILED)[]> {
    try {
      return await this.#store.appendTurns(batch.map((item) => item.write));
    } catch (error) {
      if (batch.length === 1) {
        this.#log(`could not write bot turn ${batch[0]!.write.turnId}`, error);
        return [FAILED];
      }
      return Promise.all(
        batch.map(async (item) => {
          try {
            const [result] = await this.#store.appendTurns([item.write]);
            return result ?? null;
          } catch (e) {
            this.#log(`could not write bot turn ${item.write.turnId}`, e);
            return FAILED;
          }
        }),
      );
    }
  }

  /**
   * Applies the outcome of a turn's write, in a batch formed at `formedAt`: advances the turn, or stops
   * it when refused or failed.
   */
  #settle(
    item: BatchItem,
    result: DurableEvent[] | null | typeof FAILED | undefined,
    formedAt: number,
  ): void {
    const { local } = item;
    if (!result || result === FAILED) {
      this.#stop(local);
      return;
    }
    local.started = true;
    local.lastSeq = result.at(-1)?.seq ?? local.lastSeq;
    if (item.write.previous?.touch !== false) local.touchedAt = formedAt;
    if (item.text !== '') {
      local.nextIndex += 1;
      local.written += item.text;
    }
    if (item.final) local.stopped = true;
  }

  /** The events (and ephemeral events) of one turn's share of a group commit. */
  #writeOf(local: LocalTurn, text: string, final: Final | undefined, at: number): TurnAppend {
    const { record } = local;
    const events: NewEvent[] = [];
    if (!local.started) {
      events.push({
        type: 'message.started',
        data: {
          id: record.messageId,
          role: 'bot',
          author: this.author,
          turnId: record.id,
          ...(record.replyTo !== undefined && { replyTo: record.replyTo }),
          createdAt: new Date().toISOString(),
        },
      });
    }
    if (text !== '') {
      events.push({ type: 'message.delta', data: { id: record.messageId, index: local.nextIndex, text } });
    }
    const write: TurnAppend = {
      conversationId: record.conversationId,
      turnId: record.id,
      controlVersion: record.controlVersion,
      events,
      streamed: local.written + text,
      ...(local.started && {
        previous: {
          lastSeq: local.lastSeq,
          messageId: record.messageId,
          touch: at - local.touchedAt >= TURN_TOUCH_MS,
        },
      }),
    };
    if (!final) return write;
    const { finishReason, completion, error } = final;
    // A turn that failed before its first word still leaves an answer in the transcript: the safe
    // error sentence and a way to a person, so the customer is never left with nothing.
    const nothingSaid = finishReason === 'error' && !local.started && text === '' && error;
    const completed: Completion = nothingSaid
      ? {
          ...completion,
          text: error.message,
          suggestions: [{ label: 'Talk to a person', action: 'handoff' }],
        }
      : completion;
    events.push(completedEvent(record.messageId, local.written + text, finishReason, completed));
    if (!error) return write;
    return {
      ...write,
      ephemeral: [{ type: 'error', data: { ...error, turnId: record.id, retryable: true } }],
    };
  }

  #stop(local: LocalTurn): void {
    local.stopped = true;
    local.abort.abort();
  }
}
