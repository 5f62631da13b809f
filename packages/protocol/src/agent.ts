/**
 * Wire types of the reference server's agent API (docs/agent-api.md): what `/v1/agent/*` answers and
 * accepts, and the frames of its event stream. Types only, no runtime code: the server and the agent
 * console import them from `@baton-chat/protocol/agent`, so the two cannot drift apart.
 *
 * @packageDocumentation
 */
import type {
  BatonEvent,
  ContextPackage,
  Control,
  ConversationStatus,
  HandoffSnapshot,
  Message,
  SessionInfo,
} from './types.js';

/** What an agent may do: `admin` also manages agents, canned replies and the knowledge base. */
export type AgentRole = 'agent' | 'admin';

/** Presence an agent sets; `offline` is what a signed-out or silent console decays to. */
export type AgentStatus = 'available' | 'away' | 'offline';

/** An agent account as the agent API shows it (`GET /v1/agent/me`); never the password hash. */
export interface Agent {
  id: string;
  email: string;
  name: string;
  role: AgentRole;
  /** Skills this agent serves; empty serves the general queue only. */
  skills: string[];
  /** Languages this agent speaks (BCP 47 primary tags such as `en`, `zh`); empty: any. */
  languages: string[];
  /** Most conversations assigned or active at once. */
  maxConcurrent: number;
  status: AgentStatus;
  avatarUrl?: string;
  /** When a console of this agent was last connected (ms since epoch); 0 when never. */
  lastSeenMs: number;
  createdAt: string;
}

/** An open handoff and what a queue row shows about it (`GET /v1/agent/work`). */
export interface WorkItem {
  conversationId: string;
  handoff: HandoffSnapshot;
  skill?: string;
  language?: string;
  /** Larger is more urgent; the escalation analyzer raises it. */
  priority: number;
  /** When the customer started waiting for a human (ms since epoch). */
  waitingSinceMs: number;
  customer: { id: string | null; name?: string; verified: boolean };
  /** The newest customer message, cut to 200 characters ('' when none). */
  preview: string;
  /** The conversation's locale as the widget reported it. */
  locale?: string;
}

/** An agent as other agents see them (transfer targets, team presence; `GET /v1/agent/agents`). */
export interface AgentPresence {
  id: string;
  name: string;
  role: AgentRole;
  status: AgentStatus;
  /** A console of this agent is connected (seen within the last minute). */
  online: boolean;
  /** Conversations assigned to or active with the agent. */
  load: number;
  maxConcurrent: number;
  skills: string[];
  languages: string[];
  avatarUrl?: string;
}

/** An earlier conversation of the same customer, for the console's history panel. */
export interface EarlierConversation {
  id: string;
  createdAt: string;
  status: ConversationStatus;
  /** The first customer message ('' when none). */
  firstMessage: string;
  handoffOutcome?: string;
}

/** The stored conversation as the agent API shows it (never its token). */
export interface ConversationInfo {
  id: string;
  status: ConversationStatus;
  control: Control;
  controlVersion: number;
  lastSeq: number;
  /** The oldest seq still kept (retention may have dropped earlier events). */
  oldestSeq: number;
  /** Id of the newest handoff, or null when none was ever requested. */
  handoffId: string | null;
  user: {
    id: string | null;
    verified: boolean;
    name?: string;
    email?: string;
    attributes?: Record<string, string | number | boolean>;
  };
  locale?: string;
  session?: SessionInfo;
  metadata?: Record<string, unknown>;
  createdAt: string;
}

/** Answer of `GET /v1/agent/conversations/{id}`. */
export interface ConversationDetail {
  conversation: ConversationInfo;
  handoff: HandoffSnapshot | null;
  /** The newest messages (up to 100), oldest first. */
  messages: Message[];
  hasMore: boolean;
  earlier: EarlierConversation[];
  /** The agent context package (protocol section 13), when the server builds one. */
  context?: ContextPackage | null;
}

/** A knowledge-base passage found by `GET /v1/agent/kb/search`. */
export interface KbHit {
  title: string;
  url: string;
  snippet: string;
}

/** Target of a transfer: one agent, or a queue by skill and/or language. */
export type TransferTarget = { agentId: string } | { skill?: string; language?: string };

/** One frame of the agent event stream (`GET /v1/agent/events`): its SSE event name and data. */
export type AgentStreamEvent =
  | {
      type: 'hello';
      data: { agent: Agent; work: WorkItem[]; agents: AgentPresence[]; serverTime: string };
    }
  | { type: 'work'; data: { items: WorkItem[] } }
  | { type: 'agents'; data: { agents: AgentPresence[] } }
  | { type: 'conversation'; data: { conversationId: string; event: BatonEvent } };

/** A team-wide saved reply that agents insert into the composer (`GET /v1/agent/canned-replies`). */
export interface CannedReply {
  id: string;
  /** What an agent types after `/` to find it: `/` and 1 to 32 of `a-z`, `0-9`, `-`, `_`; unique. */
  shortcut: string;
  /** A short name, at most 80 characters. */
  title: string;
  /**
   * The reply, markdown, at most 4,000 characters. `{{customer.name}}`, `{{customer.firstName}}` and
   * `{{agent.name}}` are filled in by the console when it inserts the reply.
   */
  body: string;
  createdAt: string;
  updatedAt: string;
}

/** What creating or replacing a canned reply takes (`POST` / `PUT /v1/agent/canned-replies`). */
export type CannedReplyInput = Pick<CannedReply, 'shortcut' | 'title' | 'body'>;

/** Percentiles of a duration, in seconds (one decimal); null when there is nothing to measure. */
export interface DurationStats {
  count: number;
  p50: number | null;
  p90: number | null;
}

/** Why a customer question counts as unanswered. */
export type UnansweredSignal = 'low_confidence' | 'thumbs_down' | 'escalation';

/** Similar questions the bot did not answer well, grouped. */
export interface QuestionGroup {
  /** How many questions the group holds. */
  count: number;
  /** The most frequent wording (the newest one on a tie). */
  example: string;
  /** Up to three other wordings, newest first. */
  variants: string[];
  /** Average of the bot's answer confidences in the group (2 decimals); null when none was known. */
  confidence: number | null;
  /** How many of the questions had each signal. */
  signals: Record<UnansweredSignal, number>;
  /** Up to five conversations the questions come from, newest first. */
  conversationIds: string[];
  /** When the newest question was asked. */
  lastAt: string;
}

/** The insights of a range of days (`GET /v1/agent/insights`). */
export interface InsightsReport {
  range: { from: string; to: string };
  generatedAt: string;
  /** Conversations started in the range. */
  conversations: number;
  unanswered: { questions: number; groups: QuestionGroup[] };
  /** Handoffs requested in conversations of the range, per reason, most first. */
  escalations: { total: number; reasons: { reason: string; count: number }[] };
  /** The newest CSAT score of each rated conversation; `distribution[0]` counts the 1s. */
  csat: { count: number; average: number | null; distribution: [number, number, number, number, number] };
  /** From the handoff request to the first agent message of that handoff. */
  firstResponse: DurationStats;
  /** From the handoff request to the first agent accepting it. */
  waitToHuman: DurationStats;
  /**
   * `human`: a handoff ended `resolved`; `inProgress`: open and either waiting for or with a person,
   * or active within the idle time; `bot`: closed or idle without a handoff (cancelled requests
   * aside); `unresolved`: the rest (failed or abandoned handoffs, returned to the bot and left).
   */
  resolution: { total: number; bot: number; human: number; inProgress: number; unresolved: number };
  /** Conversations started per ISO weekday (row 0 = Monday) and hour (column 0 = 00:00-00:59), UTC. */
  volume: { byWeekdayHour: number[][] };
}

/** A knowledge-base article file as the editor lists it (`GET /v1/agent/kb/articles`). */
export interface KbArticleListing {
  slug: string;
  title: string;
  category: string;
  locale: string;
  /** Path relative to the knowledge-base folder, `/`-separated. */
  file: string;
}

/** A file of the knowledge-base folder that does not parse; listed so an admin can see what to fix. */
export interface KbBrokenArticle {
  file: string;
  error: string;
}

/** One article with its source, as the editor reads and writes it. */
export interface KbArticle extends KbArticleListing {
  tags: string[];
  /** The whole file: front matter and markdown. */
  markdown: string;
  /** A hash of `markdown`; send it back when saving so an edit made meanwhile is not overwritten. */
  version: string;
}
