import type { DurationStats, InsightsReport } from '@baton-chat/protocol/agent';
import { asksForHuman } from '../analysis/index.js';
import type { SqlExecutor } from '../store/sql-client.js';
import type { DayRange } from './date-range.js';
import {
  groupSimilarQuestions,
  type UnansweredQuestion,
  type UnansweredSignal,
} from './similar-questions.js';

export type { DurationStats, InsightsReport };

/** One conversation as exported for training: one JSON line. */
export interface ExportedConversation {
  id: string;
  createdAt: string;
  status: string;
  locale?: string;
  messages: {
    id: string;
    role: string;
    text: string;
    createdAt: string;
    confidence?: number;
    citations?: unknown[];
  }[];
  handoffs: {
    id: string;
    reason: string;
    requestedBy: string;
    state: string;
    outcome?: string;
    failureReason?: string;
    createdAt: string;
  }[];
  feedback: {
    kind: string;
    value: string | number;
    messageId?: string;
    comment?: string;
    createdAt: string;
  }[];
  wrapups: { handoffId: string; outcome: string; summary: string; createdAt: string }[];
}

/** Settings of {@link createSqlInsights}. */
export interface InsightsSettings {
  /** Bot answers below this confidence count as unanswered. Default 0.35 (the kb bot's threshold). */
  lowConfidence?: number;
  /** An open conversation silent this long counts as finished. Default 30 minutes. */
  idleMs?: number;
  /** The clock (tests). */
  now?: () => number;
}

/** Reads the insights report and the training export from the server's SQL tables. */
export interface InsightsSource {
  report(range: DayRange): Promise<InsightsReport>;
  /** Conversations of the range oldest first, a page of `pageSize` at a time. */
  exportPages(range: DayRange, pageSize?: number): AsyncGenerator<ExportedConversation[]>;
}

type Row = Record<string, unknown>;

const IN_RANGE =
  'SELECT id, created_at, status, last_seq, locale FROM conversations WHERE created_at >= $1 AND created_at < $2';

const num = (v: unknown): number => Number(v ?? 0);
const seconds = (v: unknown): number | null => (v == null ? null : Math.round(Number(v) * 10) / 10);

/** The customer message a bot message answers: its `replyTo`, else the customer message before it. */
const QUESTION_OF = `LEFT JOIN messages r ON r.conversation_id = b.conversation_id AND r.id = b.body->>'replyTo'
  LEFT JOIN LATERAL (
    SELECT p.id, p.body FROM messages p
     WHERE b.body->>'replyTo' IS NULL AND p.conversation_id = b.conversation_id AND p.role = 'user'
       AND p.seq < b.seq ORDER BY p.seq DESC LIMIT 1) p ON TRUE
  CROSS JOIN LATERAL (
    SELECT coalesce(r.id, p.id) AS id, coalesce(r.body, p.body)->>'text' AS text,
           coalesce(r.body, p.body)->>'createdAt' AS at,
           coalesce(r.status, CASE WHEN p.body->>'status' = 'retracted' THEN 'retracted' END) AS status) q`;

/**
 * Creates the insights reader over the store's SQL database. Every number is one SQL statement
 * over the conversations created in the range (no index beyond the primary keys is needed for about
 * 10,000 conversations a range); grouping similar questions is the only work done in JavaScript.
 */
export function createSqlInsights(sql: SqlExecutor, settings: InsightsSettings = {}): InsightsSource {
  const lowConfidence = settings.lowConfidence ?? 0.35;
  const idleMs = settings.idleMs ?? 1_800_000;
  const now = settings.now ?? Date.now;

  async function unansweredQuestions(range: DayRange): Promise<UnansweredQuestion[]> {
    const args = [range.startIso, range.endIso];
    const [lowRows, downRows, escalationRows] = await Promise.all([
      sql.query<Row>(
        `WITH c AS (${IN_RANGE})
         SELECT b.conversation_id, c.locale, (b.body->>'confidence')::float8 AS confidence, q.id, q.text, q.at
           FROM messages b JOIN c ON c.id = b.conversation_id ${QUESTION_OF}
          WHERE b.role = 'bot' AND b.status = 'complete' AND (b.body->>'confidence')::float8 < $3
            AND q.status IS DISTINCT FROM 'retracted'`,
        [...args, lowConfidence],
      ),
      sql.query<Row>(
        `WITH c AS (${IN_RANGE})
         SELECT b.conversation_id, c.locale, (b.body->>'confidence')::float8 AS confidence, q.id, q.text, q.at
           FROM feedback f JOIN c ON c.id = f.conversation_id
           JOIN messages b ON b.conversation_id = f.conversation_id AND b.id = f.data->>'messageId' ${QUESTION_OF}
          WHERE f.data->>'kind' = 'thumbs' AND f.data->>'value' = 'down' AND q.status IS DISTINCT FROM 'retracted'`,
        args,
      ),
      // The three customer messages before each handoff's first event, and the bot's last confidence.
      sql.query<Row>(
        `WITH c AS (${IN_RANGE}),
         starts AS (
           SELECT e.conversation_id, e.data->>'id' AS handoff_id, min(e.seq) AS seq, c.locale
             FROM events e JOIN c ON c.id = e.conversation_id
            WHERE e.type = 'handoff.updated' GROUP BY e.conversation_id, e.data->>'id', c.locale),
         asked AS (
           SELECT s.*, (SELECT (b.body->>'confidence')::float8 FROM messages b
                         WHERE b.conversation_id = s.conversation_id AND b.role = 'bot' AND b.seq < s.seq
                         ORDER BY b.seq DESC LIMIT 1) AS confidence
             FROM starts s)
         SELECT s.conversation_id, s.handoff_id, s.locale, s.confidence, q.id, q.text, q.at, q.seq
           FROM asked s CROSS JOIN LATERAL (
             SELECT m.id, m.body->>'text' AS text, m.body->>'createdAt' AS at, m.seq FROM messages m
              WHERE m.conversation_id = s.conversation_id AND m.role = 'user' AND m.status <> 'retracted'
                AND m.seq < s.seq ORDER BY m.seq DESC LIMIT 3) q
          ORDER BY s.conversation_id, s.handoff_id, q.seq DESC`,
        args,
      ),
    ]);

    const questions = new Map<string, UnansweredQuestion & { signals: UnansweredSignal[] }>();
    const add = (row: Row, signal: UnansweredSignal) => {
      if (row.id == null || typeof row.text !== 'string' || row.text.trim() === '') return;
      const key = `${row.conversation_id as string} ${row.id as string}`;
      const confidence = row.confidence == null ? undefined : Number(row.confidence);
      const known = questions.get(key);
      if (known) {
        if (!known.signals.includes(signal)) known.signals.push(signal);
        if (confidence !== undefined && (known.confidence === undefined || confidence < known.confidence))
          known.confidence = confidence;
        return;
      }
      questions.set(key, {
        conversationId: row.conversation_id as string,
        messageId: row.id as string,
        text: row.text,
        ...(row.locale != null && { locale: row.locale as string }),
        at: row.at as string,
        ...(confidence !== undefined && { confidence }),
        signals: [signal],
      });
    };
    for (const row of lowRows) add(row, 'low_confidence');
    for (const row of downRows) add(row, 'thumbs_down');
    // Per handoff, the newest customer message that is more than an ask for a person.
    const taken = new Set<string>();
    for (const row of escalationRows) {
      const handoff = `${row.conversation_id as string} ${row.handoff_id as string}`;
      if (taken.has(handoff) || typeof row.text !== 'string' || asksForHuman(row.text)) continue;
      taken.add(handoff);
      add(row, 'escalation');
    }
    return [...questions.values()];
  }

  return {
    async report(range) {
      const args = [range.startIso, range.endIso];
      const idleBefore = new Date(now() - idleMs).toISOString();
      const [questions, totals, reasons, csat, timing, resolution, volume] = await Promise.all([
        unansweredQuestions(range),
        sql.query<Row>(`SELECT count(*) AS n FROM (${IN_RANGE}) c`, args),
        sql.query<Row>(
          `WITH c AS (${IN_RANGE})
           SELECT h.snapshot->>'reason' AS reason, count(*) AS n FROM handoffs h JOIN c ON c.id = h.conversation_id
            GROUP BY 1 ORDER BY n DESC, reason`,
          args,
        ),
        sql.query<Row>(
          `WITH c AS (${IN_RANGE}),
           latest AS (
             SELECT DISTINCT ON (f.conversation_id) f.data->>'value' AS v
               FROM feedback f JOIN c ON c.id = f.conversation_id
              WHERE f.data->>'kind' = 'csat' ORDER BY f.conversation_id, f.created_at DESC, f.id DESC)
           SELECT v, count(*) AS n FROM latest GROUP BY v`,
          args,
        ),
        sql.query<Row>(
          `WITH c AS (${IN_RANGE}),
           starts AS (
             SELECT e.conversation_id, e.data->>'id' AS handoff_id, min(e.seq) AS seq,
                    min(e.ts) FILTER (WHERE e.data->>'state' = 'active') AS accepted_at
               FROM events e JOIN c ON c.id = e.conversation_id
              WHERE e.type = 'handoff.updated' GROUP BY 1, 2),
           spans AS (
             SELECT s.*, lead(s.seq) OVER (PARTITION BY s.conversation_id ORDER BY s.seq) AS next_seq FROM starts s),
           measured AS (
             SELECT (h.snapshot->>'createdAt')::timestamptz AS requested,
                    sp.accepted_at::timestamptz AS accepted,
                    (SELECT min(m.body->>'createdAt') FROM messages m
                      WHERE m.conversation_id = sp.conversation_id AND m.role = 'agent' AND m.seq > sp.seq
                        AND (sp.next_seq IS NULL OR m.seq < sp.next_seq))::timestamptz AS replied
               FROM spans sp JOIN handoffs h ON h.conversation_id = sp.conversation_id AND h.id = sp.handoff_id),
           d AS (
             SELECT extract(epoch FROM accepted - requested) AS wait_s,
                    extract(epoch FROM replied - requested) AS reply_s FROM measured)
           SELECT count(wait_s) AS wait_n,
                  percentile_cont(0.5) WITHIN GROUP (ORDER BY wait_s) AS wait_p50,
                  percentile_cont(0.9) WITHIN GROUP (ORDER BY wait_s) AS wait_p90,
                  count(reply_s) AS reply_n,
                  percentile_cont(0.5) WITHIN GROUP (ORDER BY reply_s) AS reply_p50,
                  percentile_cont(0.9) WITHIN GROUP (ORDER BY reply_s) AS reply_p90
             FROM d`,
          args,
        ),
        sql.query<Row>(
          `WITH c AS (${IN_RANGE}),
           x AS (
             SELECT c.status,
                    EXISTS (SELECT 1 FROM handoffs h WHERE h.conversation_id = c.id AND h.state = 'ended'
                              AND h.snapshot->>'outcome' = 'resolved') AS human,
                    EXISTS (SELECT 1 FROM handoffs h WHERE h.conversation_id = c.id AND h.state <> 'cancelled')
                      AS escalated,
                    EXISTS (SELECT 1 FROM handoffs h WHERE h.conversation_id = c.id
                              AND h.state IN ('requested', 'queued', 'assigned', 'active')) AS waiting,
                    (SELECT e.ts FROM events e WHERE e.conversation_id = c.id AND e.seq = c.last_seq) AS last_ts
               FROM c),
           y AS (SELECT x.*, status = 'open' AND (waiting OR coalesce(last_ts, '') >= $3) AS live FROM x)
           SELECT count(*) AS total,
                  count(*) FILTER (WHERE human) AS human,
                  count(*) FILTER (WHERE NOT human AND NOT escalated AND NOT live) AS bot,
                  count(*) FILTER (WHERE NOT human AND live) AS in_progress
             FROM y`,
          [...args, idleBefore],
        ),
        sql.query<Row>(
          `WITH c AS (${IN_RANGE}),
           t AS (SELECT (c.created_at::timestamptz AT TIME ZONE 'UTC') AS at FROM c)
           SELECT extract(isodow FROM at) AS d, extract(hour FROM at) AS h, count(*) AS n FROM t GROUP BY 1, 2`,
          args,
        ),
      ]);

      const distribution: [number, number, number, number, number] = [0, 0, 0, 0, 0];
      for (const row of csat) {
        const score = Number(row.v);
        if (Number.isInteger(score) && score >= 1 && score <= 5)
          distribution[score - 1] = (distribution[score - 1] ?? 0) + num(row.n);
      }
      const rated = distribution.reduce((s, n) => s + n, 0);
      const sum = distribution.reduce((s, n, i) => s + n * (i + 1), 0);
      const t = timing[0] ?? {};
      const r = resolution[0] ?? {};
      const grid = Array.from({ length: 7 }, () => Array.from({ length: 24 }, () => 0));
      for (const row of volume) grid[num(row.d) - 1]![num(row.h)] = num(row.n);
      const total = num(r.total);
      const human = num(r.human);
      const bot = num(r.bot);
      const inProgress = num(r.in_progress);
      const reasonRows = reasons.map((row) => ({ reason: String(row.reason), count: num(row.n) }));
      return {
        range: { from: range.from, to: range.to },
        generatedAt: new Date(now()).toISOString(),
        conversations: num(totals[0]?.n),
        unanswered: { questions: questions.length, groups: groupSimilarQuestions(questions) },
        escalations: { total: reasonRows.reduce((s, x) => s + x.count, 0), reasons: reasonRows },
        csat: {
          count: rated,
          average: rated === 0 ? null : Math.round((sum / rated) * 100) / 100,
          distribution,
        },
        firstResponse: { count: num(t.reply_n), p50: seconds(t.reply_p50), p90: seconds(t.reply_p90) },
        waitToHuman: { count: num(t.wait_n), p50: seconds(t.wait_p50), p90: seconds(t.wait_p90) },
        resolution: { total, bot, human, inProgress, unresolved: total - bot - human - inProgress },
        volume: { byWeekdayHour: grid },
      };
    },

    async *exportPages(range, pageSize = 100) {
      let after = { createdAt: '', id: '' };
      for (;;) {
        const conversations = await sql.query<Row>(
          `SELECT id, created_at, status, locale FROM conversations
            WHERE created_at >= $1 AND created_at < $2 AND (created_at, id) > ($3, $4)
            ORDER BY created_at, id LIMIT $5`,
          [range.startIso, range.endIso, after.createdAt, after.id, pageSize],
        );
        if (conversations.length === 0) return;
        const ids = conversations.map((c) => c.id as string);
        const [messages, handoffs, feedback, wrapups] = await Promise.all([
          sql.query<Row>(
            `SELECT conversation_id, body FROM messages
              WHERE conversation_id = ANY($1::text[]) AND status <> 'retracted' ORDER BY conversation_id, seq`,
            [ids],
          ),
          sql.query<Row>(
            `SELECT conversation_id, snapshot FROM handoffs WHERE conversation_id = ANY($1::text[])
              ORDER BY conversation_id, waiting_since_ms, id`,
            [ids],
          ),
          sql.query<Row>(
            `SELECT conversation_id, data, created_at FROM feedback WHERE conversation_id = ANY($1::text[])
              ORDER BY conversation_id, created_at, id`,
            [ids],
          ),
          sql.query<Row>(
            `SELECT conversation_id, handoff_id, outcome, summary, created_at FROM wrapups
              WHERE conversation_id = ANY($1::text[]) ORDER BY conversation_id, created_at`,
            [ids],
          ),
        ]);
        const lines = new Map<string, ExportedConversation>();
        for (const c of conversations) {
          lines.set(c.id as string, {
            id: c.id as string,
            createdAt: c.created_at as string,
            status: c.status as string,
            ...(c.locale != null && { locale: c.locale as string }),
            messages: [],
            handoffs: [],
            feedback: [],
            wrapups: [],
          });
        }
        for (const row of messages) {
          const m = row.body as {
            id: string;
            role: string;
            text: string;
            createdAt: string;
            confidence?: number;
            citations?: unknown[];
          };
          lines.get(row.conversation_id as string)?.messages.push({
            id: m.id,
            role: m.role,
            text: m.text,
            createdAt: m.createdAt,
            ...(m.confidence !== undefined && { confidence: m.confidence }),
            ...(m.citations !== undefined && { citations: m.citations }),
          });
        }
        for (const row of handoffs) {
          const h = row.snapshot as ExportedConversation['handoffs'][number];
          lines.get(row.conversation_id as string)?.handoffs.push({
            id: h.id,
            reason: h.reason,
            requestedBy: h.requestedBy,
            state: h.state,
            ...(h.outcome !== undefined && { outcome: h.outcome }),
            ...(h.failureReason !== undefined && { failureReason: h.failureReason }),
            createdAt: h.createdAt,
          });
        }
        for (const row of feedback) {
          const f = row.data as {
            kind: string;
            value: string | number;
            messageId?: string;
            comment?: string;
          };
          lines.get(row.conversation_id as string)?.feedback.push({
            kind: f.kind,
            value: f.value,
            ...(f.messageId !== undefined && { messageId: f.messageId }),
            ...(f.comment !== undefined && { comment: f.comment }),
            createdAt: row.created_at as string,
          });
        }
        for (const row of wrapups) {
          lines.get(row.conversation_id as string)?.wrapups.push({
            handoffId: row.handoff_id as string,
            outcome: row.outcome as string,
            summary: row.summary as string,
            createdAt: row.created_at as string,
          });
        }
        yield [...lines.values()];
        const last = conversations.at(-1)!;
        after = { createdAt: last.created_at as string, id: last.id as string };
        if (conversations.length < pageSize) return;
      }
    },
  };
}
