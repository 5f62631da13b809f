export { BatonChat } from './baton-chat.js';
export type { BatonChatMode, BatonChatTheme } from './baton-chat.js';
export { defineBatonChat } from './define.js';
export { ChatController } from './chat-controller.js';
export type {
  BatonErrorDetail,
  BatonEventMap,
  BatonFeedbackDetail,
  BatonMessageDetail,
  BatonSendDetail,
} from './events.js';
export { en, onLocaleRegistered, registerLocale, resolveLocale } from './locale.js';
export type { BatonLocale } from './locale.js';
export { MARKDOWN_MAX_CHARS, MARKDOWN_MAX_LINES, createMarkdownStream, renderMarkdown } from './markdown.js';
export type { MarkdownOptions, MarkdownStream, RenderedMarkdown } from './markdown.js';
