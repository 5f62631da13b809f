import type {
  BatonEvent,
  Control,
  ContextPackage,
  ConversationStatus,
  HandoffSnapshot,
  Message,
  SessionInfo,
} from '@baton-chat/protocol';

/** What an agent may do: `admin` also manages agents and the knowledge base. */
export type AgentRole = 'agent' | 'admin';

/** Presence an agent sets; `offline` is what a signed-out or silent console decays to. */
export type AgentStatus = 'available' | 'away' | 'offline';

/** The signed-in agent's account, as `GET /v1/agent/me` returns it (docs/agent-api.md). */
export interface Agent {
  id: string;
  email: string;
  name: string;
  role: AgentRole;
  skills: string[];
  languages: string[];
  /** Most conversations assigned or active at once. */
  maxConcurrent: number;
  status: AgentStatus;
  avatarUrl?: string;
  lastSeenMs: number;
  createdAt: string;
}

/** One open handoff and what a queue row shows about it. */
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
  /** The newest customer message, cut to 200 characters. */
  preview: string;
  locale?: string;
}

/** Another agent, as a transfer target. */
export interface AgentPresence {
  id: string;
  name: string;
  role: string;
  status: string;
  /** A console of theirs was connected within the last minute. */
  online: boolean;
  /** Conversations assigned to or active with them. */
  load: number;
  maxConcurrent: number;
  skills: string[];
  languages: string[];
  avatarUrl?: string;
}

/** An earlier conversation of the same customer. */
export interface EarlierConversation {
  id: string;
  createdAt: string;
  status: ConversationStatus;
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

/** One event of the agent event stream (`GET /v1/agent/events`). */
export type AgentStreamEvent =
  | {
      type: 'hello';
      data: { agent: Agent; work: WorkItem[]; agents: AgentPresence[]; serverTime: string };
    }
  | { type: 'work'; data: { items: WorkItem[] } }
  | { type: 'agents'; data: { agents: AgentPresence[] } }
  | { type: 'conversation'; data: { conversationId: string; event: BatonEvent } };

/** Percentiles of a duration in seconds; null when nothing was measured. */
export interface DurationStats {
  count: number;
  p50: number | null;
  p90: number | null;
}

/** Similar questions the bot did not answer well (`GET /v1/agent/insights`). */
export interface QuestionGroup {
  count: number;
  example: string;
  variants: string[];
  /** Average confidence of the bot's answers, or null when unknown. */
  confidence: number | null;
  signals: { low_confidence: number; thumbs_down: number; escalation: number };
  conversationIds: string[];
  lastAt: string;
}

/** The insights of a range of days (docs/agent-api.md). */
export interface InsightsReport {
  range: { from: string; to: string };
  generatedAt: string;
  conversations: number;
  unanswered: { questions: number; groups: QuestionGroup[] };
  escalations: { total: number; reasons: { reason: string; count: number }[] };
  csat: { count: number; average: number | null; distribution: number[] };
  firstResponse: DurationStats;
  waitToHuman: DurationStats;
  resolution: { total: number; bot: number; human: number; inProgress: number; unresolved: number };
  /** Conversations started per weekday (0 = Monday) and hour, UTC. */
  volume: { byWeekdayHour: number[][] };
}

/** A knowledge-base article as the editor lists it. */
export interface KbArticleListing {
  slug: string;
  title: string;
  category: string;
  locale: string;
  file: string;
}

/** One article with its markdown source and version (for saving without overwriting). */
export interface KbArticle extends KbArticleListing {
  tags: string[];
  markdown: string;
  version: string;
}
