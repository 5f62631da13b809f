/**
 * Every string `<baton-chat>` shows or announces. A locale is a plain object, so adding a language is one
 * object literal; functions take the numbers and names that vary, so each language can place and
 * pluralise them its own way.
 */
export interface BatonLocale {
  /** BCP 47 tag of the language, set as `lang` on the panel. */
  lang: string;
  /** Writing direction of the language. */
  dir: 'ltr' | 'rtl';
  /** Accessible name of the launcher and the panel. */
  chatTitle: string;
  openChat: string;
  closeChat: string;
  /** Launcher badge, for screen readers. */
  unread: (count: number) => string;
  /** Header state lines. */
  stateBot: string;
  stateWaiting: string;
  queuePosition: (position: number) => string;
  estimatedWait: (minutes: number) => string;
  stateConnecting: (agentName: string | undefined) => string;
  stateAgent: (agentName: string) => string;
  stateOffline: string;
  stateClosed: string;
  talkToPerson: string;
  cancelRequest: string;
  /** Banner while the device is offline. */
  offlineBanner: string;
  reconnecting: string;
  /** Who wrote a message, for screen readers and labels. */
  authorYou: string;
  authorBot: string;
  authorAgent: string;
  authorSystem: string;
  /** Per-message status of own messages. */
  statusSending: string;
  statusQueued: string;
  statusFailed: string;
  retry: string;
  /** An agent typing. */
  typing: (name: string) => string;
  /** Bot answers. */
  stop: string;
  stopped: string;
  answerFailed: string;
  sources: string;
  helpful: string;
  notHelpful: string;
  thanksFeedback: string;
  suggestions: string;
  /** The composer. */
  inputLabel: string;
  inputPlaceholder: string;
  send: string;
  /** Empty thread. */
  emptyTitle: string;
  emptyBody: string;
  /** Live-region announcements. */
  announceAnswer: (author: string, text: string) => string;
  announceHandoff: (state: string) => string;
  /**
   * Handoff changes in words, announced once each: the protocol's states plus `transferred` (to another
   * agent or queue), `returned` (back to the bot), `resolved` (ended as resolved) and `failedForm`
   * (nobody available, a leave-a-message form offered).
   */
  handoffStates: Record<
    | 'requested'
    | 'queued'
    | 'assigned'
    | 'active'
    | 'ended'
    | 'failed'
    | 'cancelled'
    | 'transferred'
    | 'returned'
    | 'resolved'
    | 'failedForm',
    (agentName: string | undefined) => string
  >;
  /** Header line while a transfer waits for the next agent (named once assigned). */
  transferring: (agentName: string | undefined) => string;
  /** The leave-a-message form after a failed handoff. */
  leaveMessage: string;
  emailLabel: string;
  messageLabel: string;
  sendMessage: string;
  /** Appended to the left message so the agent knows where to reply. */
  replyTo: (email: string) => string;
  messageLeft: string;
  /** Satisfaction survey after a resolved conversation. */
  csatQuestion: string;
  csatScore: (score: number) => string;
  csatLow: string;
  csatHigh: string;
  error: string;
  thread: string;
  /** The button at the top of a long restored history that renders older messages. */
  showEarlier: string;
}

const minutes = (m: number): string => (m <= 1 ? 'about a minute' : `about ${m} minutes`);

/** English, the default locale. */
export const en: BatonLocale = {
  lang: 'en',
  dir: 'ltr',
  chatTitle: 'Chat with us',
  openChat: 'Open chat',
  closeChat: 'Close chat',
  unread: (n) => (n === 1 ? '1 unread message' : `${n} unread messages`),
  stateBot: 'AI assistant',
  stateWaiting: 'Waiting for a person',
  queuePosition: (p) => (p === 1 ? 'you are next' : `position ${p} in line`),
  estimatedWait: minutes,
  stateConnecting: (name) => (name ? `Connecting you to ${name}…` : 'Connecting you to a person…'),
  stateAgent: (name) => `${name} · support team`,
  stateOffline: 'Offline',
  stateClosed: 'Conversation ended',
  talkToPerson: 'Talk to a person',
  cancelRequest: 'Cancel request',
  offlineBanner: 'You are offline. Messages will be sent when you reconnect.',
  reconnecting: 'Reconnecting…',
  authorYou: 'You',
  authorBot: 'Assistant',
  authorAgent: 'Agent',
  authorSystem: 'Notice',
  statusSending: 'Sending…',
  statusQueued: 'Waiting for connection',
  statusFailed: 'Not sent',
  retry: 'Retry',
  typing: (name) => `${name} is typing…`,
  stop: 'Stop answering',
  stopped: 'Stopped',
  answerFailed: 'The answer could not be completed.',
  sources: 'Sources',
  helpful: 'Helpful',
  notHelpful: 'Not helpful',
  thanksFeedback: 'Thanks for the feedback',
  suggestions: 'Suggested replies',
  inputLabel: 'Message',
  inputPlaceholder: 'Type your question…',
  send: 'Send',
  emptyTitle: 'Hi! How can we help?',
  emptyBody: 'Ask anything. Our assistant answers right away, and a person is one tap away.',
  announceAnswer: (author, text) => `${author}: ${text}`,
  announceHandoff: (state) => state,
  handoffStates: {
    requested: () => 'You asked for a person.',
    queued: () => 'You are in line for a person.',
    assigned: (name) => (name ? `${name} is about to join.` : 'A person is about to join.'),
    active: (name) => (name ? `${name} joined the chat.` : 'A person joined the chat.'),
    ended: (name) => (name ? `${name} left the chat.` : 'The person left the chat.'),
    failed: () => 'No one is available right now. The assistant is here to help.',
    cancelled: () => 'Request for a person cancelled.',
    transferred: (name) => `You're being transferred to ${name ?? 'another person'}.`,
    returned: () => "You're back with the assistant.",
    resolved: (name) => (name ? `${name} marked the conversation resolved.` : 'Conversation resolved.'),
    failedForm: () => "No one is available right now. Leave a message and we'll reply by email.",
  },
  transferring: (name) => `Transferring you to ${name ?? 'another person'}…`,
  leaveMessage: 'Leave a message',
  emailLabel: 'Your email',
  messageLabel: 'Your message',
  sendMessage: 'Send message',
  replyTo: (email) => `Reply to: ${email}`,
  messageLeft: 'Thanks! We got your message and will reply by email.',
  csatQuestion: 'How was your conversation?',
  csatScore: (n) => `${n} of 5`,
  csatLow: 'Poor',
  csatHigh: 'Great',
  error: 'Something went wrong. Please try again.',
  thread: 'Conversation',
  showEarlier: 'Show earlier messages',
};

interface LocaleRegistry {
  locales: Map<string, BatonLocale>;
  listeners: Set<() => void>;
}

// On globalThis under a Symbol.for key, so locale modules and widgets from different copies (npm and CDN)
// meet in one registry.
const registry = (): LocaleRegistry =>
  ((globalThis as Record<symbol, LocaleRegistry | undefined>)[Symbol.for('baton-chat.locales')] ??= {
    locales: new Map(),
    listeners: new Set(),
  });

/**
 * Makes `locale` available to every `<baton-chat>` by its `lang` (`zh-CN`) and its language (`zh`), and
 * re-renders widgets on the page. The locale modules (`@baton-chat/widget/locales/es`) call it when
 * imported.
 *
 * @example
 * ```ts
 * registerLocale({ ...en, lang: 'en-GB', chatTitle: 'Chat to us' });
 * ```
 */
export function registerLocale(locale: BatonLocale): void {
  const { locales, listeners } = registry();
  const tag = locale.lang.toLowerCase();
  locales.set(tag, locale);
  if (!locales.has(tag.split('-')[0]!)) locales.set(tag.split('-')[0]!, locale);
  for (const listener of listeners) listener();
}

/**
 * The registered locale for a BCP 47 tag: exact match, else its language, else English (`en`).
 *
 * @example resolveLocale('es-MX') // the Spanish locale once `@baton-chat/widget/locales/es` is imported
 */
export function resolveLocale(tag: string | undefined): BatonLocale {
  const { locales } = registry();
  const lower = (tag ?? '').toLowerCase();
  return locales.get(lower) ?? locales.get(lower.split('-')[0]!) ?? en;
}

/** Calls `listener` after every `registerLocale`; returns the function that stops it. */
export function onLocaleRegistered(listener: () => void): () => void {
  const { listeners } = registry();
  listeners.add(listener);
  return () => listeners.delete(listener);
}
