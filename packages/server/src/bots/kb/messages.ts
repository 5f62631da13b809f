/** The fixed sentences of the knowledge-base bot in one language. */
export interface BotMessages {
  /** Label of the `progress` chunk. */
  searching: string;
  /** The honest answer when no article fits well enough. */
  unsure: string;
  /** Appended to `unsure` when a weak match exists. */
  closest: (title: string) => string;
  /** Label of the handoff suggestion. */
  talkToPerson: string;
}

const MESSAGES: Readonly<Record<string, BotMessages>> = {
  en: {
    searching: 'Searching the help center...',
    unsure:
      "I'm not sure I have the right answer to that, and I'd rather not guess. A person from our team can help you with it.",
    closest: (title) => `The closest article I found is "${title}", in case it helps.`,
    talkToPerson: 'Talk to a person',
  },
  zh: {
    searching: '正在搜索帮助中心...',
    unsure: '抱歉，我不确定能正确回答这个问题，不想随便猜测。我们的客服人员可以为您提供帮助。',
    closest: (title) => `最相关的文章是“${title}”，也许对您有帮助。`,
    talkToPerson: '联系人工客服',
  },
  ja: {
    searching: 'ヘルプセンターを検索しています...',
    unsure:
      '申し訳ありませんが、このご質問に正しくお答えできるか自信がありません。担当スタッフがお手伝いします。',
    closest: (title) => `関連がありそうな記事は「${title}」です。`,
    talkToPerson: 'スタッフと話す',
  },
};

/** The bot's fixed sentences in `language`, English when that language has none. */
export function messagesFor(language: string | undefined): BotMessages {
  return hasMessages(language) ? (MESSAGES[language] as BotMessages) : (MESSAGES['en'] as BotMessages);
}

/** Whether the bot has its fixed sentences in `language`. */
export function hasMessages(language: string | undefined): language is string {
  return language !== undefined && Object.hasOwn(MESSAGES, language);
}
