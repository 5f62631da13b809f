export * from './constants.js';
export type * from './types.js';
export {
  TERMINAL_HANDOFF_STATES,
  controlForHandoff,
  isLegalHandoffStep,
  isTerminalHandoff,
  transitionHandoff,
} from './handoff.js';
export type { HandoffErrorCode, HandoffTransitionResult } from './handoff.js';
export {
  eventProblem,
  isBatonEvent,
  isCreateConversationResponse,
  isDurableEventType,
  isEphemeralEventType,
  isHandoffSnapshot,
  isHistoryResponse,
  isKnownEventType,
  isMessage,
  isProblem,
  isSendMessageResponse,
  responseProblem,
} from './guards.js';
export type { ResponseKind } from './guards.js';
export { projectMessage } from './message-projection.js';
export { VALIDATION_RULES, createStreamValidator, validateStream } from './validator.js';
export type {
  StreamFrame,
  StreamValidator,
  StreamValidatorOptions,
  ValidationIssue,
  ValidationResult,
  ValidationRule,
} from './validator.js';
export { createSseDecoder, decodeSse, readSseStream } from './sse-decoder.js';
export type { SseDecoder, SseDecoderOptions, SseMessage } from './sse-decoder.js';
export { encodeEvent, encodeSse, encodeSseComment } from './sse-encoder.js';
export type { SseOutgoingMessage } from './sse-encoder.js';
export { hmacSha256Hex, signWebhook, verifyWebhook } from './webhook.js';
export type { VerifyWebhookOptions, VerifyWebhookResult } from './webhook.js';
export { isUuid, uuidv7 } from './ids.js';
