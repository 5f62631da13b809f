import type { CannedReply } from '@baton-chat/protocol/agent';

/** What the placeholders of a canned reply are filled with; a missing value leaves its placeholder. */
export interface PlaceholderValues {
  /** The customer's name, as the site or the customer gave it. */
  customerName?: string | undefined;
  /** The signed-in agent's name. */
  agentName?: string | undefined;
}

/** A canned reply made ready for the composer. */
export interface FilledReply {
  text: string;
  /** Placeholders left because their value is unknown (`{{customer.name}}`), in order of appearance. */
  unfilled: string[];
}

const PLACEHOLDER = /\{\{\s*([a-zA-Z]+\.[a-zA-Z]+)\s*\}\}/g;

/**
 * Fills `{{customer.name}}`, `{{customer.firstName}}` and `{{agent.name}}` in a canned reply's body.
 * Placeholders whose value is unknown (an anonymous customer) and unknown placeholders stay as written,
 * and are listed in `unfilled` so the console can point the agent at them.
 *
 * @example
 * ```ts
 * fillPlaceholders('Hi {{customer.firstName}}!', { customerName: 'Lena Ortiz' }); // { text: 'Hi Lena!', unfilled: [] }
 * ```
 */
export function fillPlaceholders(body: string, values: PlaceholderValues): FilledReply {
  const customer = values.customerName?.trim() || undefined;
  const known: Record<string, string | undefined> = {
    'customer.name': customer,
    'customer.firstname': customer?.split(/\s+/)[0],
    'agent.name': values.agentName?.trim() || undefined,
  };
  const unfilled: string[] = [];
  const text = body.replace(PLACEHOLDER, (whole, key: string) => {
    const value = known[key.toLowerCase()];
    if (value !== undefined) return value;
    unfilled.push(whole);
    return whole;
  });
  return { text, unfilled };
}

/** The first placeholder left in a draft (`{{customer.firstName}}`), which must not reach a customer. */
export function firstPlaceholder(draft: string): string | undefined {
  return new RegExp(PLACEHOLDER.source).exec(draft)?.[0];
}

/**
 * The filter typed after `/` when the composer holds nothing but a shortcut being typed (`/ref` ->
 * `ref`, `/` -> ''), else undefined: a `/` later in the text, or after a space, is just a slash.
 */
export function slashQuery(draft: string): string | undefined {
  return /^\/[^\s/]*$/.test(draft) ? draft.slice(1).toLowerCase() : undefined;
}

/**
 * The canned replies matching `query`: shortcuts starting with it first, then shortcuts and titles
 * containing it; each group keeps the server's order (by shortcut). An empty query matches all.
 */
export function filterCannedReplies(replies: readonly CannedReply[], query: string): CannedReply[] {
  const q = query.trim().toLowerCase().replace(/^\//, '');
  if (q === '') return replies.slice();
  const starts: CannedReply[] = [];
  const contains: CannedReply[] = [];
  for (const reply of replies) {
    const shortcut = reply.shortcut.slice(1).toLowerCase();
    if (shortcut.startsWith(q)) starts.push(reply);
    else if (shortcut.includes(q) || reply.title.toLowerCase().includes(q)) contains.push(reply);
  }
  return [...starts, ...contains];
}
