import { controlForHandoff, isLegalHandoffStep } from './handoff.js';
import { eventProblem, isDurableEventType, isKnownEventType } from './guards.js';
import type { BatonEvent, Control, DurableEvent, HandoffSnapshot } from './types.js';

/** The validator's rules. Errors fail conformance; warnings are reported only. */
export const VALIDATION_RULES = {
  BP001: 'the first event is `hello`, and it appears exactly once',
  BP002:
    'data is a JSON envelope whose type matches the SSE event field, with the stream conversationId and an RFC 3339 ts',
  BP003: 'durable events carry an SSE id equal to their seq; ephemeral events carry no id',
  BP004: 'durable seq values are contiguous, starting at hello.resumeFrom + 1',
  BP005: 'event data has every field its type requires',
  BP006: 'message.delta only for a started message that is not completed',
  BP007: 'delta indexes of a message are 0, 1, 2, ... without gaps or repeats',
  BP008: 'message.completed only for a started message, and only once',
  BP009: 'message ids are never reused by message.created or message.started',
  BP010: 'user message.created carries a clientMessageId',
  BP011: 'handoff.updated follows the handoff state machine, version +1 per step, one open handoff at a time',
  BP012: 'controlVersion never decreases and control matches the handoff state',
  BP013: 'the bot is silent (no message.started or bot delta) while control is not bot',
  BP014: 'nothing durable follows conversation.updated with status closed',
  BP015: 'sync.reset is the only event after hello and ends the stream',
  BP016: 'receipt.upToSeq is not greater than the receipt seq',
  W001: 'unknown event type (ignored by clients)',
  W002: 'completed text of a `stop` answer differs from its concatenated deltas',
} as const;

/** A rule id such as `BP004`. */
export type ValidationRule = keyof typeof VALIDATION_RULES;

/** One SSE message as a decoder yields it (see `createSseDecoder`). */
export interface StreamFrame {
  /** The SSE event type (`message` when the block had no `event:` field). */
  event: string;
  data: string;
  /** The `id:` field of this block, undefined when it had none. */
  id: string | undefined;
}

/** A rule violation at one frame of the stream. */
export interface ValidationIssue {
  rule: ValidationRule;
  severity: 'error' | 'warning';
  /** Index of the offending frame, or -1 for an issue found at the end of the stream. */
  frame: number;
  message: string;
}

/** What `validateStream` found. */
export interface ValidationResult {
  /** True when there is no error (warnings allowed). */
  ok: boolean;
  issues: ValidationIssue[];
  /** Every event of a known type that parsed, in stream order. */
  events: BatonEvent[];
}

/** Options for a validator. */
export interface StreamValidatorOptions {
  /**
   * Durable events the client already had before this stream (seq <= the resume cursor). They are
   * applied silently so a resumed stream can continue a message that started before the cursor.
   */
  history?: readonly DurableEvent[];
}

/** An incremental validator: feed frames as they arrive, then call `end()`. */
export interface StreamValidator {
  /** Checks one frame and returns the issues it raised. */
  push(frame: StreamFrame): ValidationIssue[];
  /** Finishes the stream and returns the complete result. */
  end(): ValidationResult;
}

interface MessageState {
  streaming: boolean;
  nextIndex: number;
  text: string;
  role: string;
  /** Adopted mid-way from a resumed stream: its earlier deltas are unknown. */
  partial?: boolean;
}

/**
 * Creates an incremental validator of one Baton event stream (one HTTP response), checking the
 * numbered rules in `VALIDATION_RULES`.
 *
 * @example
 * const validator = createStreamValidator();
 * for await (const frame of readSseStream(res.body)) validator.push(frame);
 * const { ok, issues } = validator.end();
 */
export function createStreamValidator(options: StreamValidatorOptions = {}): StreamValidator {
  const issues: ValidationIssue[] = [];
  const events: BatonEvent[] = [];
  const messages = new Map<string, MessageState>();
  let frameIndex = -1;
  let hello: { conversationId: string } | undefined;
  let expectedSeq: number | undefined;
  let handoff: HandoffSnapshot | null = null;
  let controlVersion = 0;
  let closed = false;
  let resetAt = -1;
  // A stream resumed past seq 0 without the history before it may continue messages and a handoff the
  // validator never saw begin; those are accepted as found rather than reported.
  let lenient = false;
  let handoffSeen = false;

  const report = (rule: ValidationRule, message: string, frame = frameIndex): ValidationIssue => {
    const issue: ValidationIssue = {
      rule,
      severity: rule.startsWith('W') ? 'warning' : 'error',
      frame,
      message,
    };
    issues.push(issue);
    return issue;
  };

  /** Applies one durable event to the model; `check` is false while replaying known history. */
  const apply = (event: DurableEvent, check: boolean): void => {
    const raise = check ? report : () => undefined;
    const control: Control = controlForHandoff(handoff);
    switch (event.type) {
      case 'message.created':
      case 'message.started': {
        const { id, role } = event.data;
        if (messages.has(id)) raise('BP009', `message id ${id} was already used`);
        if (event.type === 'message.created' && role === 'user' && !event.data.clientMessageId) {
          raise('BP010', `user message ${id} has no clientMessageId`);
        }
        if (event.type === 'message.started' && control !== 'bot') {
          raise('BP013', `bot started message ${id} while control is ${control}`);
        }
        messages.set(id, { streaming: event.type === 'message.started', nextIndex: 0, text: '', role });
        break;
      }
      case 'message.delta': {
        const { id, index, text } = event.data;
        if (lenient && !messages.has(id))
          messages.set(id, { streaming: true, nextIndex: index, text: '', role: 'bot', partial: true });
        const message = messages.get(id);
        if (!message?.streaming) {
          raise('BP006', `delta for message ${id}, which is ${message ? 'completed' : 'not started'}`);
          break;
        }
        if (message.role === 'bot' && control !== 'bot') {
          raise('BP013', `bot delta for message ${id} while control is ${control}`);
        }
        if (index !== message.nextIndex) {
          raise('BP007', `delta index ${index} for message ${id}, expected ${message.nextIndex}`);
        }
        message.nextIndex = Math.max(message.nextIndex, index + 1);
        message.text += text;
        break;
      }
      case 'message.completed': {
        const { id, text, finishReason } = event.data;
        if (lenient && !messages.has(id)) break;
        const message = messages.get(id);
        if (!message?.streaming) {
          raise(
            'BP008',
            `completed for message ${id}, which is ${message ? 'already completed' : 'not started'}`,
          );
          break;
        }
        if (finishReason === 'stop' && !message.partial && text !== message.text) {
          raise('W002', `completed text of ${id} differs from its ${message.nextIndex} deltas`);
        }
        message.streaming = false;
        break;
      }
      case 'handoff.updated': {
        if (!(lenient && !handoffSeen) && !isLegalHandoffStep(handoff, event.data)) {
          const from = handoff ? `${handoff.id} ${handoff.state} v${handoff.version}` : 'no handoff';
          raise(
            'BP011',
            `illegal handoff step from ${from} to ${event.data.id} ${event.data.state} v${event.data.version}`,
          );
        }
        handoff = event.data;
        handoffSeen = true;
        break;
      }
      case 'conversation.updated': {
        const { controlVersion: version, control: declared, status } = event.data;
        if (version < controlVersion)
          raise('BP012', `controlVersion went back from ${controlVersion} to ${version}`);
        if (!(lenient && !handoffSeen) && declared !== controlForHandoff(handoff)) {
          raise(
            'BP012',
            `control is ${declared} but the handoff state ${handoff?.state ?? '(none)'} means ${controlForHandoff(handoff)}`,
          );
        }
        controlVersion = Math.max(controlVersion, version);
        if (status === 'closed') closed = true;
        break;
      }
      case 'receipt':
        if (event.data.upToSeq > event.seq) {
          raise('BP016', `receipt up to ${event.data.upToSeq} sent at seq ${event.seq}`);
        }
        break;
      default:
        break;
    }
  };

  for (const event of options.history ?? []) apply(event, false);

  const push = (frame: StreamFrame): ValidationIssue[] => {
    frameIndex++;
    const before = issues.length;
    if (resetAt >= 0) report('BP015', `frame after sync.reset (frame ${resetAt})`);

    let envelope: Record<string, unknown>;
    try {
      const parsed: unknown = JSON.parse(frame.data);
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
        throw new TypeError('not an object');
      envelope = parsed as Record<string, unknown>;
    } catch {
      report('BP002', `data is not a JSON object: ${frame.data.slice(0, 80)}`);
      return issues.slice(before);
    }
    const type = envelope.type;
    if (typeof type !== 'string') {
      report('BP002', 'envelope has no type');
      return issues.slice(before);
    }
    if (frame.event !== 'message' && frame.event !== type) {
      report('BP002', `SSE event field ${frame.event} differs from envelope type ${type}`);
    }

    if (frameIndex === 0 && type !== 'hello') report('BP001', `first event is ${type}, not hello`);
    if (type === 'hello' && frameIndex > 0) report('BP001', 'hello sent again');

    if (hello && envelope.conversationId !== hello.conversationId) {
      report(
        'BP002',
        `conversationId ${String(envelope.conversationId)} differs from hello's ${hello.conversationId}`,
      );
    }

    if (!isKnownEventType(type)) {
      report('W001', `unknown event type ${type}`);
      if (frame.id !== undefined) expectSeq(Number(frame.id));
      return issues.slice(before);
    }

    const problem = eventProblem(envelope);
    if (problem) {
      report(problem.startsWith('data') ? 'BP005' : 'BP002', `${type}: ${problem}`);
      if (isDurableEventType(type) && Number.isSafeInteger(envelope.seq)) expectSeq(envelope.seq as number);
      return issues.slice(before);
    }
    const event = envelope as unknown as BatonEvent;
    events.push(event);

    if (isDurableEventType(event.type)) {
      const durable = event as DurableEvent;
      if (frame.id !== String(durable.seq)) {
        report('BP003', `${type} seq ${durable.seq} sent with SSE id ${frame.id ?? '(none)'}`);
      }
      expectSeq(durable.seq);
      if (closed) report('BP014', `${type} after the conversation was closed`);
      apply(durable, true);
      return issues.slice(before);
    }

    if (frame.id !== undefined) report('BP003', `ephemeral ${type} carries SSE id ${frame.id}`);
    if (event.type === 'hello' && frameIndex === 0) {
      hello = { conversationId: event.conversationId };
      expectedSeq = event.data.resumeFrom + 1;
      lenient = event.data.resumeFrom > 0 && options.history === undefined;
    } else if (event.type === 'sync.reset') {
      if (frameIndex !== 1) report('BP015', `sync.reset at frame ${frameIndex}, not right after hello`);
      resetAt = frameIndex;
    }
    return issues.slice(before);
  };

  function expectSeq(seq: number): void {
    if (expectedSeq !== undefined && seq !== expectedSeq) {
      report('BP004', `seq ${seq}, expected ${expectedSeq}`);
    }
    expectedSeq = seq + 1;
  }

  return {
    push,
    end(): ValidationResult {
      if (frameIndex < 0) report('BP001', 'the stream carried no event at all', -1);
      return { ok: !issues.some((i) => i.severity === 'error'), issues: [...issues], events: [...events] };
    },
  };
}

/**
 * Validates a complete stream at once.
 *
 * @example
 * const { ok, issues } = validateStream(decodeSse([bytes]));
 */
export function validateStream(
  frames: Iterable<StreamFrame>,
  options?: StreamValidatorOptions,
): ValidationResult {
  const validator = createStreamValidator(options);
  for (const frame of frames) validator.push(frame);
  return validator.end();
}
