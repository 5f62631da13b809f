/// <reference types="mocha" />
// A long restored history paints only its newest messages; older ones come in as the user scrolls up or
// presses "Show earlier messages", without the view moving, and everything else keeps working.
import { expect } from '@esm-bundle/chai';
import { sendKeys } from '@web/test-runner-commands';
import '@baton-chat/widget';
import type { BatonChat } from '@baton-chat/widget';
import type { ChatMessage } from '@baton-chat/core';
import { createFakeChat, message } from './fake-chat.js';
import type { FakeChat } from './fake-chat.js';
import { axeViolations, frames } from './helpers.js';

let el: BatonChat;
let chat: FakeChat;
const $ = <E extends Element = HTMLElement>(s: string): E | null => el.shadowRoot!.querySelector<E>(s);
const rows = (): HTMLElement[] => [...el.shadowRoot!.querySelectorAll<HTMLElement>('.msg')];
const thread = (): HTMLElement => $('.thread')!;
const text = (e: Element | null) => (e?.textContent ?? '').trim();

// About 80 words with a list and a code block, like a real support answer.
const answer = (i: number): string =>
  [
    `**Answer ${i}.** To change the delivery address of an order that has not shipped yet, open your account and`,
    'follow these steps:',
    '',
    '1. Go to *Orders* and pick the order.',
    '2. Choose **Change address** and enter the new one.',
    '3. Confirm with the code we send you by email.',
    '',
    '```',
    `curl https://api.example.com/orders/${1000 + i}/address`,
    '```',
    '',
    'If the parcel already left the warehouse, the carrier can still redirect it for a small fee.',
  ].join('\n');

const restored = (count: number): ChatMessage[] =>
  Array.from({ length: count }, (_, i) =>
    i % 2 ? message('bot', answer(i)) : message('user', `Question ${i}: where is my parcel?`),
  );

async function mount(count = 1000): Promise<ChatMessage[]> {
  const history = restored(count);
  chat = createFakeChat({ messages: history });
  el = document.createElement('baton-chat');
  el.mode = 'inline';
  el.style.height = '520px';
  el.chat = chat;
  document.body.append(el);
  await el.updateComplete;
  await frames(3);
  return history;
}

const topOf = (row: Element): number => row.getBoundingClientRect().top;

afterEach(() => el?.remove());

describe('<baton-chat> long restored history', () => {
  it('paints the newest messages at the bottom and keeps the rest out of the DOM, unannounced', async () => {
    const history = await mount();
    const shown = rows();
    expect(shown.length, 'messages in the DOM').to.be.within(20, 60);
    expect(shown.at(-1)!.dataset.key).to.equal(history.at(-1)!.key);
    const t = thread();
    expect(t.scrollHeight - t.scrollTop - t.clientHeight, 'distance from the end').to.be.below(2);
    expect(shown.at(-1)!.getBoundingClientRect().bottom).to.be.at.most(t.getBoundingClientRect().bottom);
    expect($('[part=earlier-button]')!.textContent!.trim()).to.equal('Show earlier messages');
    expect($('.live')!.textContent, 'restored history is not announced').to.equal('');
  });

  it('reveals older messages when the user scrolls near the top, without the view moving', async () => {
    await mount();
    const before = rows().length;
    const first = rows()[0]!;
    const t = thread();
    t.scrollTop = 0;
    const seenAt = topOf(first);
    await frames(4);
    expect(rows().length, 'messages in the DOM').to.be.above(before);
    expect(rows()[0] === first, 'older messages above the first one').to.equal(false);
    expect(Math.abs(topOf(first) - seenAt), 'the message the user saw stays in place').to.be.below(2);
    expect(t.scrollTop).to.be.above(0);
  });

  it('reveals older messages by keyboard, down to the first one', async () => {
    const history = await mount(100);
    // The thread is a tab stop; the next one is the button at its top.
    thread().focus();
    await sendKeys({ press: 'Tab' });
    const button = $<HTMLButtonElement>('[part=earlier-button]')!;
    expect(el.shadowRoot!.activeElement === button, 'the button has focus').to.equal(true);
    await frames(2);
    // Focusing it brought it into view; it stays there instead of loading more by itself.
    const box = thread().getBoundingClientRect();
    expect(button.getBoundingClientRect().top).to.be.at.least(box.top - 1);
    const before = rows().length;
    const first = rows()[0]!;
    const seenAt = topOf(first);
    await sendKeys({ press: 'Enter' });
    await el.updateComplete;
    await frames(2);
    expect(rows().length).to.equal(before + 30);
    expect(Math.abs(topOf(first) - seenAt), 'no jump').to.be.below(2);
    for (let i = 0; i < 5 && $('[part=earlier-button]'); i++) {
      $('[part=earlier-button]')!.focus();
      await sendKeys({ press: 'Enter' });
      await el.updateComplete;
      await frames(2);
    }
    expect(text($('[part=earlier-button]')), 'no button once everything is shown').to.equal('');
    expect(rows().length).to.equal(100);
    expect(rows()[0]!.dataset.key).to.equal(history[0]!.key);
    expect(el.shadowRoot!.activeElement === thread(), 'focus stays in the thread').to.equal(true);
  });

  it('shows a new message at the bottom after a restore, and streams into it', async () => {
    const history = await mount();
    const before = rows().length;
    const reply = message('agent', answer(5000));
    chat.set({ messages: [...history, reply] });
    await el.updateComplete;
    await frames(3);
    expect(rows().length).to.equal(before + 1);
    const t = thread();
    expect(rows().at(-1)!.dataset.key).to.equal(reply.key);
    expect(t.scrollHeight - t.scrollTop - t.clientHeight, 'distance from the end').to.be.below(2);
    expect($('.live')!.textContent).to.contain('Answer 5000');
    const bot = message('bot', '', { status: 'streaming' });
    const words = answer(6000).split(' ');
    for (let i = 1; i <= words.length; i += 4) {
      chat.set({ messages: [...history, reply, { ...bot, text: words.slice(0, i).join(' ') }] });
      await el.updateComplete;
    }
    await frames(3);
    expect(rows().length).to.equal(before + 2);
    expect(t.scrollHeight - t.scrollTop - t.clientHeight, 'distance from the end').to.be.below(2);
  });

  it('keeps the reader in place when new messages arrive while they read older ones', async () => {
    const history = await mount();
    thread().scrollTop = 0;
    await frames(4);
    const first = rows()[0]!;
    const seenAt = topOf(first);
    chat.set({ messages: [...history, ...restored(40)] });
    await el.updateComplete;
    await frames(3);
    expect(first.isConnected, 'what the user reads stays rendered').to.equal(true);
    expect(Math.abs(topOf(first) - seenAt)).to.be.below(2);
  });

  it('has no axe violations with the button shown', async () => {
    await mount(200);
    expect(await axeViolations(el)).to.deep.equal([]);
  });
});
