/// <reference types="mocha" />
// Every state <baton-chat> shows, driven through a fake client: what a user sees and can do, and axe.
import { expect } from '@esm-bundle/chai';
import '@baton-chat/widget';
import { en } from '@baton-chat/widget';
import type { BatonChat } from '@baton-chat/widget';
import type { ChatSnapshot } from '@baton-chat/core';
import { createFakeChat, message } from './fake-chat.js';
import type { FakeChat } from './fake-chat.js';

type AxeResults = { violations: { id: string; nodes: { target: unknown }[] }[] };
let axeLoaded: Promise<void> | undefined;
async function axeViolations(context: Element): Promise<string[]> {
  axeLoaded ??= new Promise((resolve, reject) => {
    const script = document.createElement('script');
    script.src = '/node_modules/axe-core/axe.min.js';
    script.onload = () => resolve();
    script.onerror = () => reject(new Error('axe-core did not load'));
    document.head.append(script);
  });
  await axeLoaded;
  const finite = (context.shadowRoot ?? context).getAnimations({ subtree: true });
  await Promise.all(
    finite.filter((a) => a.effect?.getTiming().iterations !== Infinity).map((a) => a.finished),
  );
  const axe = (window as unknown as { axe: { run(c: Element): Promise<AxeResults> } }).axe;
  const results = await axe.run(context);
  return results.violations.map((v) => `${v.id} ${JSON.stringify(v.nodes.map((n) => n.target))}`);
}

let el: BatonChat;
let chat: FakeChat;
const $ = <E extends Element = HTMLElement>(s: string): E | null => el.shadowRoot!.querySelector<E>(s);
const $$ = (s: string) => [...el.shadowRoot!.querySelectorAll<HTMLElement>(s)];

async function mount(snapshot: Partial<ChatSnapshot>, mode: 'inline' | 'floating' = 'inline') {
  chat = createFakeChat(snapshot);
  el = document.createElement('baton-chat');
  el.mode = mode;
  el.chat = chat;
  document.body.append(el);
  await el.updateComplete;
  await chat.ready;
}

const update = async (patch: Partial<ChatSnapshot>) => {
  chat.set(patch);
  await el.updateComplete;
};

const queued = {
  id: 'ho1',
  state: 'queued',
  version: 2,
  reason: 'user_requested',
  requestedBy: 'user',
  queue: { position: 3, estimatedWaitSeconds: 300 },
  createdAt: '2026-11-24T10:00:00Z',
  updatedAt: '2026-11-24T10:00:00Z',
} as const;
const active = {
  ...queued,
  state: 'active',
  version: 4,
  queue: undefined,
  agent: { id: 'a7', name: 'Ana Lima' },
} as unknown as NonNullable<ChatSnapshot['handoff']>;

afterEach(() => el?.remove());

describe('<baton-chat> states', () => {
  it('shows own message status: sending, waiting for connection, failed with Retry', async () => {
    const sending = message('user', 'one', { status: 'sending' });
    const queuedMsg = message('user', 'two', { status: 'queued' });
    const failed = message('user', 'three', { status: 'failed' });
    await mount({ messages: [sending, queuedMsg, failed] });
    expect($$('[part=message-status]').map((e) => e.textContent!.replace(/\s+/g, ' ').trim())).to.deep.equal([
      'Sending…',
      'Waiting for connection',
      'Not sent Retry',
    ]);
    $<HTMLButtonElement>('[part=retry-button]')!.click();
    expect(chat.calls.find((c) => c.method === 'retry')!.args).to.deep.equal([failed.key]);
    expect(await axeViolations(el)).to.deep.equal([]);
  });

  it('offline: banner, state line, and no violations', async () => {
    await mount({ connection: 'offline', messages: [message('user', 'hi', { status: 'queued' })] });
    expect($('[part=banner]')!.textContent).to.contain('offline');
    expect($('[part=state]')!.textContent).to.contain('Offline');
    expect(await axeViolations(el)).to.deep.equal([]);
  });

  it('queued: position and wait in the header, Cancel request', async () => {
    await mount({ handoff: queued as unknown as ChatSnapshot['handoff'], control: 'none' });
    expect($('[part=state]')!.textContent).to.contain('position 3 in line · about 5 minutes');
    const button = $<HTMLButtonElement>('[part=handoff-button]')!;
    expect(button.textContent!.trim()).to.equal('Cancel request');
    button.click();
    expect(chat.calls.some((c) => c.method === 'cancelHandoff')).to.equal(true);
    expect(await axeViolations(el)).to.deep.equal([]);
  });

  it('agent active: the agent is named in the header and on their messages, distinct from the bot', async () => {
    const messages = [
      message('user', 'I was charged twice'),
      message('bot', 'Let me get a person.'),
      message('system', 'Ana Lima joined the chat.'),
      message('agent', 'Hi, I am **Ana**. Let me check.'),
    ];
    await mount({ handoff: active, control: 'human', messages });
    expect($('[part=state]')!.textContent).to.contain('Ana Lima');
    expect($('[part=avatar]')!.textContent!.trim()).to.equal('AL');
    expect($('[part=handoff-button]')).to.equal(null);
    const rows = $$('[part~=message]');
    expect(rows.map((r) => r.getAttribute('part'))).to.deep.equal([
      'message message-user',
      'message message-bot',
      'message message-system',
      'message message-agent',
    ]);
    expect($('.msg.agent .author')!.textContent).to.equal('Ana Lima');
    expect($('.msg.agent strong')!.textContent).to.equal('Ana');
    expect($('.msg.user .sr-only')!.textContent).to.equal('You:');
    expect(await axeViolations(el)).to.deep.equal([]);
    el.theme = 'dark';
    await el.updateComplete;
    expect(await axeViolations(el), 'dark').to.deep.equal([]);
  });

  it('bot answers: citations as safe links, thumbs that send feedback, suggestions that send or hand off', async () => {
    const answer = message('bot', 'Parcels arrive in **3 days**.', {
      citations: [
        { title: 'Delivery times', url: 'https://help.example.com/delivery' },
        { title: 'Bad', url: 'javascript:alert(1)' },
        { title: 'Returns', url: '/help/returns' },
      ],
      suggestions: [{ label: 'Track my parcel' }, { label: 'Talk to a person', action: 'handoff' }],
    });
    await mount({ messages: [message('user', 'when?'), answer] });
    const links = $$('[part=citations] a');
    // A relative link is resolved (against the server, here the page, as no server is set).
    expect(links.map((a) => a.getAttribute('href'))).to.deep.equal([
      'https://help.example.com/delivery',
      `${location.origin}/help/returns`,
    ]);
    expect(links[0]!.getAttribute('rel')).to.equal('noopener noreferrer');
    const feedback: unknown[] = [];
    el.addEventListener('baton-feedback', (e) => feedback.push(e.detail));
    $<HTMLButtonElement>('[part=feedback] button')!.click();
    expect(feedback).to.deep.equal([{ messageId: answer.id, value: 'up' }]);
    expect(chat.calls.find((c) => c.method === 'sendFeedback')!.args).to.deep.equal([answer.id, 'up']);
    await update({ messages: [message('user', 'when?'), { ...answer, feedback: 'up' }] });
    expect($('[part=feedback] button')!.getAttribute('aria-pressed')).to.equal('true');
    const [track, person] = $$('[part=suggestion]');
    track!.click();
    await Promise.resolve();
    expect(chat.calls.find((c) => c.method === 'send')!.args[0]).to.equal('Track my parcel');
    person!.click();
    await Promise.resolve();
    expect(chat.calls.some((c) => c.method === 'requestHuman')).to.equal(true);
    expect(await axeViolations(el)).to.deep.equal([]);
  });

  it('announces a handoff change once and a finished answer once, never while streaming', async () => {
    await mount({});
    const live = $('.live')!;
    const seen: string[] = [];
    new MutationObserver(() => seen.push(live.textContent!)).observe(live, {
      childList: true,
      subtree: true,
    });
    const bot = message('bot', '', { status: 'streaming' });
    for (const text of ['Your', 'Your parcel', 'Your parcel is on its way.']) {
      await update({ messages: [{ ...bot, text }] });
    }
    await update({ messages: [{ ...bot, text: 'Your parcel is on its way.', status: 'complete' }] });
    await update({ handoff: queued as unknown as ChatSnapshot['handoff'] });
    await update({ handoff: { ...queued, queue: { position: 2 } } as unknown as ChatSnapshot['handoff'] });
    await update({ handoff: active });
    expect(seen).to.deep.equal([
      'Echo Bot: Your parcel is on its way.',
      'You are in line for a person.',
      'Ana Lima joined the chat.',
    ]);
  });

  it('shows an agent typing', async () => {
    await mount({ handoff: active, control: 'human', typing: [{ role: 'agent', name: 'Ana Lima' }] });
    expect($('[part=progress]')!.textContent!.trim()).to.equal('Ana Lima is typing…');
  });

  it('shows the unread count on the closed launcher and marks read when opened', async () => {
    await mount({ unread: 2, messages: [message('bot', 'a'), message('bot', 'b')] }, 'floating');
    expect($('[part=badge]')!.textContent).to.contain('2 unread messages');
    expect(chat.calls.some((c) => c.method === 'markRead')).to.equal(false);
    await el.show();
    await Promise.resolve();
    expect(chat.calls.some((c) => c.method === 'markRead')).to.equal(true);
  });

  it('renders right to left with an RTL locale', async () => {
    await mount({ messages: [message('user', 'مرحبا'), message('bot', 'أهلاً')] });
    el.locale = { ...en, lang: 'ar', dir: 'rtl' };
    await el.updateComplete;
    const panel = $('[part=panel]')!;
    expect(panel.getAttribute('dir')).to.equal('rtl');
    expect(panel.getAttribute('lang')).to.equal('ar');
    // Own messages sit at the inline end: on the left in RTL.
    const user = $('.msg.user .bubble')!.getBoundingClientRect();
    const bot = $('.msg.bot .bubble')!.getBoundingClientRect();
    expect(user.left).to.be.lessThan(bot.left);
  });
});
