import { projectMessage } from '@baton-chat/protocol';
import type {
  BatonEvent,
  Control,
  ConversationStatus,
  DurableEvent,
  HandoffSnapshot,
  Message,
} from '@baton-chat/protocol';
import { reasonLabel } from './queue.js';
import type { ConversationDetail } from '@baton-chat/protocol/agent';

/** A line of the transcript that is not a message: somebody joined or left, the handoff moved. */
export interface TranscriptNote {
  kind: 'note';
  /** Seq of the event the note comes from (its identity). */
  seq: number;
  text: string;
  at: string;
}

/** One entry of the transcript, in log order. */
export type TranscriptItem = { kind: 'message'; message: Message } | TranscriptNote;

/** What the console knows about one conversation; built by {@link transcriptFromDetail}, moved by {@link applyEvent}. */
export interface TranscriptState {
  readonly items: readonly TranscriptItem[];
  readonly handoff: HandoffSnapshot | null;
  readonly control: Control;
  readonly controlVersion: number;
  readonly status: ConversationStatus;
}

const seqOf = (item: TranscriptItem): number => (item.kind === 'note' ? item.seq : item.message.seq);

function insert(items: readonly TranscriptItem[], item: TranscriptItem): TranscriptItem[] {
  const seq = seqOf(item);
  let i = items.length;
  while (i > 0 && seqOf(items[i - 1]!) > seq) i--;
  return [...items.slice(0, i), item, ...items.slice(i)];
}

/** The transcript state of a conversation as `GET /v1/agent/conversations/{id}` returned it. */
export function transcriptFromDetail(detail: ConversationDetail): TranscriptState {
  return {
    items: [...detail.messages]
      .sort((a, b) => a.seq - b.seq)
      .map((message) => ({ kind: 'message', message })),
    handoff: detail.handoff,
    control: detail.conversation.control,
    controlVersion: detail.conversation.controlVersion,
    status: detail.conversation.status,
  };
}

/** Whether `next` is a newer handoff snapshot than `current` (a newer handoff, or a higher version). */
function newerHandoff(current: HandoffSnapshot | null, next: HandoffSnapshot): boolean {
  if (!current) return true;
  if (current.id !== next.id) return next.createdAt >= current.createdAt;
  return next.version > current.version;
}

function handoffNote(h: HandoffSnapshot): string | undefined {
  switch (h.state) {
    case 'requested':
      return `Handoff requested: ${reasonLabel(h.reason).toLowerCase()}${h.note ? ` ("${h.note}")` : ''}`;
    case 'ended':
      return h.outcome === 'returned_to_bot'
        ? 'Returned to the bot'
        : `Handoff ended: ${(h.outcome ?? 'ended').replace(/_/g, ' ')}`;
    case 'failed':
      return `Handoff failed: ${(h.failureReason ?? 'error').replace(/_/g, ' ')}`;
    case 'cancelled':
      return 'The customer cancelled the handoff';
    default:
      return undefined;
  }
}

function withNote(state: TranscriptState, event: DurableEvent, text: string): TranscriptState {
  if (state.items.some((i) => i.kind === 'note' && i.seq === event.seq)) return state;
  return { ...state, items: insert(state.items, { kind: 'note', seq: event.seq, text, at: event.ts }) };
}

/**
 * Applies one live event to the transcript. Pure and idempotent: an event already applied (the stream
 * repeats one, or the history already had it) leaves the state as it was, so live events and
 * re-fetched history merge without duplicates. Ephemeral events (typing, ...) return `state`.
 */
export function applyEvent(state: TranscriptState, event: BatonEvent): TranscriptState {
  if (!('seq' in event)) return state;
  switch (event.type) {
    case 'message.created':
    case 'message.started': {
      if (state.items.some((i) => i.kind === 'message' && i.message.id === event.data.id)) return state;
      const message = projectMessage(undefined, event)!;
      return { ...state, items: insert(state.items, { kind: 'message', message }) };
    }
    case 'message.delta':
    case 'message.completed':
    case 'message.updated':
    case 'message.retracted': {
      const index = state.items.findIndex((i) => i.kind === 'message' && i.message.id === event.data.id);
      if (index < 0) return state;
      const current = (state.items[index] as { message: Message }).message;
      if (event.type === 'message.delta' && current.nextDeltaIndex !== event.data.index) return state;
      const next = projectMessage(current, event);
      if (!next || next === current) return state;
      const items = state.items.slice();
      items[index] = { kind: 'message', message: next };
      return { ...state, items };
    }
    case 'handoff.updated': {
      if (!newerHandoff(state.handoff, event.data)) return state;
      const next = { ...state, handoff: event.data };
      const text = handoffNote(event.data);
      return text ? withNote(next, event, text) : next;
    }
    case 'conversation.updated':
      if (event.data.controlVersion < state.controlVersion) return state;
      return {
        ...state,
        control: event.data.control,
        controlVersion: event.data.controlVersion,
        status: event.data.status,
      };
    case 'participant.joined':
      return withNote(state, event, `${event.data.participant.name ?? 'An agent'} joined the conversation`);
    case 'participant.left': {
      const who = event.data.participant.name ?? 'The agent';
      const why = event.data.reason ? ` (${event.data.reason.replace(/_/g, ' ')})` : '';
      return withNote(state, event, `${who} left the conversation${why}`);
    }
    default:
      return state;
  }
}

/** Adds older messages (a page of history before the loaded ones); messages already shown are skipped. */
export function addOlder(state: TranscriptState, messages: readonly Message[]): TranscriptState {
  let next = state;
  for (const message of messages) next = addMessage(next, message);
  return next;
}

/** Adds a message the server returned (an agent's own send) unless the stream already delivered it. */
export function addMessage(state: TranscriptState, message: Message): TranscriptState {
  if (state.items.some((i) => i.kind === 'message' && i.message.id === message.id)) return state;
  return { ...state, items: insert(state.items, { kind: 'message', message }) };
}
