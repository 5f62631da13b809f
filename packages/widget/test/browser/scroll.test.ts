/// <reference types="mocha" />
// The thread follows new content while the user is at the bottom (after markdown and image layout too),
// stays put when they scrolled up, and never moves focus.
import { expect } from '@esm-bundle/chai';
import '@baton-chat/widget';
import type { BatonChat } from '@baton-chat/widget';
import type { ChatMessage } from '@baton-chat/core';
import { createFakeChat, message } from './fake-chat.js';
import type { FakeChat } from './fake-chat.js';
import { frames } from './helpers.js';

let el: BatonChat;
let chat: FakeChat;
const $ = <E extends Element = HTMLElement>(s: string): E | null => el.shadowRoot!.querySelector<E>(s);

const history = (): ChatMessage[] =>
  Array.from({ length: 14 }, (_, i) =>
    message(i % 2 ? 'bot' : 'user', `Message ${i}: ${'words '.repeat(12)}`),
  );

const longAnswer = [
  'Here is what happened with **order 1042**:',
  '',
  '1. It left the warehouse on Monday.',
  '2. The carrier scanned it in Lyon.',
  '3. It is out for delivery today.',
  '',
  '> Tracking: `FR-88231-X`',
  '',
  'If it does not arrive by 18:00, reply here and I will open a claim.',
].join('\n');

async function mount(): Promise<void> {
  chat = createFakeChat({ messages: history() });
  el = document.createElement('baton-chat');
  el.mode = 'inline';
  el.style.height = '420px';
  el.imageHosts = [location.hostname];
  el.chat = chat;
  document.body.append(el);
  await el.updateComplete;
  await frames(3);
}

const add = (m: ChatMessage) => chat.set({ messages: [...chat.getSnapshot().messages, m] });

function lastBubbleFullyVisible(): void {
  const thread = $('.thread')!;
  const rows = thread.querySelectorAll('[part~=message]');
  const last = rows[rows.length - 1]!.getBoundingClientRect();
  const box = thread.getBoundingClientRect();
  expect(thread.scrollHeight - thread.scrollTop - thread.clientHeight, 'distance from the end').to.be.below(
    2,
  );
  expect(last.bottom, 'last message bottom').to.be.at.most(box.bottom);
}

afterEach(() => el?.remove());

describe('<baton-chat> scrolling', () => {
  it('shows a new agent message fully when the user was at the bottom, without moving focus', async () => {
    await mount();
    lastBubbleFullyVisible();
    $<HTMLTextAreaElement>('#input')!.focus();
    add(message('agent', longAnswer));
    await el.updateComplete;
    await frames(3);
    lastBubbleFullyVisible();
    expect(el.shadowRoot!.activeElement).to.equal($('#input'));
  });

  it('keeps following when a message arrives between our scroll and its scroll event', async () => {
    await mount();
    for (let i = 0; i < 6; i++) {
      add(message(i % 2 ? 'agent' : 'bot', `${longAnswer}\n\n(${i})`));
      await el.updateComplete;
      // The widget scrolls in this frame; the next message renders before that scroll's event fires.
      await frames(1);
    }
    await frames(3);
    lastBubbleFullyVisible();
  });

  it('follows content that grows after rendering (an image loading)', async () => {
    await mount();
    const loaded = new Promise<void>((resolve) =>
      el.shadowRoot!.addEventListener('load', () => resolve(), { capture: true, once: true }),
    );
    const src = `${location.origin}/packages/widget/test/browser/fixtures/tall.svg?${Date.now()}`;
    add(message('bot', `A photo of the parcel:\n\n![parcel](${src})`));
    await el.updateComplete;
    await loaded;
    await frames(3);
    expect($('.msg:last-child img')!.getBoundingClientRect().height).to.be.above(100);
    lastBubbleFullyVisible();
    // Growth no render of the widget knows about (a late image, a web font) is followed too.
    $('.msg:last-child .bubble')!.style.paddingBlockEnd = '300px';
    await frames(3);
    lastBubbleFullyVisible();
  });

  it('stays where the user scrolled up to when new messages arrive', async () => {
    await mount();
    const thread = $('.thread')!;
    thread.scrollTop = 0;
    await frames(2);
    add(message('agent', longAnswer));
    await el.updateComplete;
    await frames(3);
    expect(thread.scrollTop).to.equal(0);
    // Back at the bottom, it follows again.
    thread.scrollTop = thread.scrollHeight;
    await frames(2);
    add(message('bot', longAnswer));
    await el.updateComplete;
    await frames(3);
    lastBubbleFullyVisible();
  });

  it('a streamed answer stays in view as it grows', async () => {
    await mount();
    const bot = message('bot', '', { status: 'streaming' });
    const words = longAnswer.split(' ');
    for (let i = 1; i <= words.length; i += 3) {
      chat.set({ messages: [...history(), { ...bot, text: words.slice(0, i).join(' ') }] });
      await el.updateComplete;
    }
    await frames(3);
    lastBubbleFullyVisible();
  });
});
