/**
 * Conversation analysis for the reference server: sentiment and frustration cues per customer message,
 * the escalation policy, and the machine-made part of the agent's context package. Pure functions, no
 * I/O; the routes and the bot runner call them.
 */
export { analyzeUserMessage } from './analyze-user-message.js';
export type { EarlierMessages, MessageAnalysis } from './analyze-user-message.js';
export { buildAiContext } from './build-ai-context.js';
export type { AiContext, AiContextInput } from './build-ai-context.js';
export { detectIntents } from './detect-intents.js';
export type { Intent } from './detect-intents.js';
export { DEFAULT_ESCALATION_POLICY, MAX_PRIORITY, decideEscalation } from './escalation-policy.js';
export type { EscalationDecision, EscalationPolicy, EscalationState } from './escalation-policy.js';
export { extractEntities } from './extract-entities.js';
export type { Entity, EntityType } from './extract-entities.js';
export { CUES, asksForHuman, detectCues } from './frustration-cues.js';
export type { Cue } from './frustration-cues.js';
export { scoreSentiment } from './sentiment-score.js';
export { sentimentTrend } from './sentiment-trend.js';
export type { SentimentTrend } from './sentiment-trend.js';
export { summarizeConversation } from './summarize-conversation.js';
export type { SummaryInput } from './summarize-conversation.js';
export { suggestReply } from './suggest-reply.js';
export type { KnowledgeSearch, KnowledgeSearchResult, SuggestReplyInput } from './suggest-reply.js';
export { findUnansweredQuestion } from './unanswered-question.js';
