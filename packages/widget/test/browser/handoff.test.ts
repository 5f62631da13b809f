/// <reference types="mocha" />
// Every handoff change after "queued": agent joined, typing, transferred, back to the bot, failed with a
// leave-a-message form or a link, and the satisfaction survey; each announced once; axe in light, dark,
// LTR and RTL; a keyboard-only conversation through to the survey.
import { expect } from '@esm-bundle/chai';
import { sendKeys } from '@web/test-runner-commands';
import '@baton-chat/widget';
import '@baton-chat/widget/locales/ar';
import type { BatonChat } from '@baton-chat/widget';
import type { ChatSnapshot } from '@baton-chat/core';
import { createFakeChat, message } from './fake-chat.js';
import type { FakeChat } from './fake-chat.js';
import { axeViolations, frames, handoff } from './helpers.js';

let el: BatonChat;
let chat: FakeChat;
const $ = <E extends Element = HTMLElement>(s: string): E | null => el.shadowRoot!.querySelector<E>(s);
const $$ = (s: string) => [...el.shadowRoot!.querySelectorAll<HTMLElement>(s)];
const text = (e: Element | null) => (e?.textContent ?? '').replace(/\s+/g, ' ').trim();

async function mount(snapshot: Partial<ChatSnapshot>, mode: 'inline' | 'floating' = 'inline') {
  chat = createFakeChat(snapshot);
  el = document.createElement('baton-chat');
  el.mode = mode;
  el.chat = chat;
  document.body.append(el);
  await el.updateComplete;
  await chat.ready;
  await el.updateComplete;
}

const update = async (patch: Partial<ChatSnapshot>) => {
  chat.set(patch);
  await el.updateComplete;
};

function liveLog(): string[] {
  const live = $('.live')!;
  const seen: string[] = [];
  new MutationObserver(() => seen.push(live.textContent!)).observe(live, { childList: true, subtree: true });
  return seen;
}

const ana = { id: 'a1', name: 'Ana Lima' };
const ben = { id: 'a2', name: 'Ben Okafor' };

/** axe in light and dark, left to right and right to left (Arabic). */
async function axeEverywhere(): Promise<void> {
  for (const locale of [undefined, 'ar']) {
    for (const theme of ['light', 'dark'] as const) {
      el.locale = locale;
      el.theme = theme;
      await el.updateComplete;
      expect(await axeViolations(el), `${theme} ${locale ?? 'en'}`).to.deep.equal([]);
    }
  }
  el.locale = undefined;
  el.theme = 'light';
  await el.updateComplete;
}

async function shiftTab(): Promise<void> {
  await sendKeys({ down: 'Shift' });
  await sendKeys({ press: 'Tab' });
  await sendKeys({ up: 'Shift' });
}

afterEach(() => {
  el?.remove();
  // Answered surveys and sent forms are remembered across reloads; every test starts without them.
  localStorage.removeItem('baton-chat:done');
});

describe('<baton-chat> handoff states', () => {
  it('announces joined, transferred, joined again and back to the bot once each, and shows them', async () => {
    await mount({ messages: [message('user', 'I was charged twice')] });
    const seen = liveLog();
    await update({ handoff: handoff('queued', { queue: { position: 1 } }), control: 'none' });
    await update({ handoff: handoff('assigned', { agent: ana }) });
    await update({ handoff: handoff('active', { agent: ana }), control: 'human' });
    expect(text($('[part=state]'))).to.contain('Ana Lima');
    await update({ typing: [{ role: 'agent', id: 'a1', name: 'Ana Lima' }] });
    expect(text($('[part=progress]'))).to.equal('Ana Lima is typing…');
    await update({ typing: [] });

    // Transfer to a queue, then to Ben: the header says so; Ben joining is an ordinary join.
    await update({ handoff: handoff('queued', { queue: { position: 2 } }), control: 'none' });
    expect(text($('[part=state]'))).to.equal('Transferring you to another person…');
    await update({ handoff: handoff('assigned', { agent: ben }) });
    expect(text($('[part=state]'))).to.equal('Transferring you to Ben Okafor…');
    expect(text($('[part=handoff-button]'))).to.equal('Cancel request');
    await update({ handoff: handoff('active', { agent: ben }), control: 'human' });
    expect(text($('[part=state]'))).to.contain('Ben Okafor');
    expect(text($('[part=avatar]'))).to.equal('BO');
    // Rendering again without a change announces nothing more.
    el.requestUpdate();
    await el.updateComplete;

    await update({ handoff: handoff('ended', { agent: ben, outcome: 'returned_to_bot' }), control: 'bot' });
    expect(text($('[part=notice]'))).to.equal("You're back with the assistant.");
    expect(text($('[part=state]'))).to.equal('AI assistant');
    expect(text($('[part=handoff-button]'))).to.equal('Talk to a person');
    expect(seen).to.deep.equal([
      'You are in line for a person.',
      'Ana Lima is about to join.',
      'Ana Lima joined the chat.',
      "You're being transferred to another person.",
      "You're being transferred to Ben Okafor.",
      'Ben Okafor joined the chat.',
      "You're back with the assistant.",
    ]);
    // A newer message hides the notice.
    await update({ messages: [...chat.getSnapshot().messages, message('bot', 'How else can I help?')] });
    expect($('[part=notice]')).to.equal(null);
  });

  it('transferred: no axe violations in light, dark, LTR and RTL', async () => {
    await mount({ handoff: handoff('active', { agent: ana }), control: 'human' });
    await update({ handoff: handoff('assigned', { agent: ben }), control: 'none' });
    expect(text($('[part=state]'))).to.equal('Transferring you to Ben Okafor…');
    await axeEverywhere();
    el.locale = 'ar';
    await el.updateComplete;
    expect(text($('[part=state]'))).to.equal('جارٍ تحويلك إلى Ben Okafor…');
  });

  it('failed with the bot as fallback: a notice, announced once', async () => {
    await mount({ handoff: handoff('queued'), control: 'none' });
    const seen = liveLog();
    await update({
      handoff: handoff('failed', { failureReason: 'no_agents', fallback: 'bot' }),
      control: 'bot',
    });
    expect(text($('[part=notice]'))).to.equal(
      'No one is available right now. The assistant is here to help.',
    );
    expect($('[part=offline-form]')).to.equal(null);
    expect(seen).to.deep.equal(['No one is available right now. The assistant is here to help.']);
  });

  it('failed with offline_form: the left message is sent as a normal send with the email to reply to', async () => {
    await mount({ handoff: handoff('queued'), control: 'none' });
    const seen = liveLog();
    await update({
      handoff: handoff('failed', { failureReason: 'out_of_hours', fallback: 'offline_form' }),
      control: 'bot',
    });
    expect(seen).to.deep.equal(["No one is available right now. Leave a message and we'll reply by email."]);
    const form = $<HTMLFormElement>('[part=offline-form]')!;
    await axeEverywhere();
    const sent: unknown[] = [];
    el.addEventListener('baton-send', (e) => sent.push(e.detail));
    // Both fields are required: an empty form sends nothing.
    form.requestSubmit();
    await el.updateComplete;
    expect(chat.calls.filter((c) => c.method === 'send')).to.have.length(0);

    form.querySelector<HTMLInputElement>('input[name=email]')!.value = 'kim@example.com';
    form.querySelector<HTMLTextAreaElement>('textarea[name=message]')!.value = 'Please refund order 1042.';
    form.requestSubmit();
    await new Promise((r) => setTimeout(r));
    await el.updateComplete;
    const call = chat.calls.find((c) => c.method === 'send')!;
    expect(call.args).to.deep.equal([
      'Please refund order 1042.\n\nReply to: kim@example.com',
      { metadata: { offlineForm: { handoffId: 'ho1', email: 'kim@example.com' } } },
    ]);
    expect(sent).to.have.length(1);
    const thanks = 'Thanks! We got your message and will reply by email.';
    expect(text($('[part=notice]'))).to.equal(thanks);
    expect(el.shadowRoot!.activeElement).to.equal($('[part=notice]'));
    expect(seen.at(-1)).to.equal(thanks);
    expect(await axeViolations(el)).to.deep.equal([]);
    // The left message itself arriving in the thread keeps the thanks; an answer after it hides it.
    await update({ messages: [message('user', 'Please refund order 1042.\n\nReply to: kim@example.com')] });
    expect(text($('[part=notice]'))).to.equal(thanks);
    await update({ messages: [...chat.getSnapshot().messages, message('bot', 'Noted!')] });
    expect($('[part=notice]')).to.equal(null);
    expect(el.shadowRoot!.activeElement, 'focus falls back to the composer').to.equal($('#input'));
  });

  it('failed with offline_form and offline-form-url: a link instead of the form', async () => {
    await mount({ handoff: handoff('failed', { failureReason: 'no_agents', fallback: 'offline_form' }) });
    el.offlineFormUrl = 'https://shop.example/contact';
    await el.updateComplete;
    const link = $<HTMLAnchorElement>('[part=notice] a')!;
    expect(link.href).to.equal('https://shop.example/contact');
    expect(link.rel).to.equal('noopener noreferrer');
    expect(text(link)).to.equal('Leave a message');
    expect($('[part=offline-form]')).to.equal(null);
    el.offlineFormUrl = 'javascript:alert(1)';
    await el.updateComplete;
    expect($('[part=notice] a')).to.equal(null);
    expect($('[part=offline-form]')).not.to.equal(null);
  });

  it('CSAT after a resolved conversation: 1-5 sends csat feedback once, then thanks; axe everywhere', async () => {
    await mount({
      handoff: handoff('active', { agent: ana }),
      control: 'human',
      messages: [message('user', 'refund?'), message('agent', 'Done, refunded.')],
    });
    const seen = liveLog();
    const feedback: unknown[] = [];
    el.addEventListener('baton-feedback', (e) => feedback.push(e.detail));
    await update({ handoff: handoff('ended', { agent: ana, outcome: 'resolved' }), control: 'bot' });
    expect(seen).to.deep.equal(['Ana Lima marked the conversation resolved.']);
    const survey = $('[part=csat]')!;
    expect(survey.getAttribute('role')).to.equal('group');
    expect(text(survey)).to.contain('How was your conversation?');
    const buttons = $$('[part=csat-button]');
    expect(buttons.map((b) => b.getAttribute('aria-label'))).to.deep.equal([
      '1 of 5',
      '2 of 5',
      '3 of 5',
      '4 of 5',
      '5 of 5',
    ]);
    for (const b of buttons) expect(b.getBoundingClientRect().height).to.be.at.least(24);
    await axeEverywhere();
    buttons[3]!.click();
    await el.updateComplete;
    await el.updateComplete;
    expect(chat.calls.filter((c) => c.method === 'sendFeedback').map((c) => c.args)).to.deep.equal([
      [null, 4],
    ]);
    expect(feedback).to.deep.equal([{ messageId: null, value: 4 }]);
    expect($('[part=csat]')).to.equal(null);
    expect(text($('[part=notice]'))).to.equal('Thanks for the feedback');
    expect(el.shadowRoot!.activeElement).to.equal($('[part=notice]'));
    expect(seen).to.deep.equal(['Ana Lima marked the conversation resolved.', 'Thanks for the feedback']);
  });

  it('CSAT after the conversation was closed', async () => {
    await mount({ status: 'closed', conversationId: 'c1', messages: [message('bot', 'Bye!')] });
    expect(text($('[part=state]'))).to.equal('Conversation ended');
    expect($('[part=csat]')).not.to.equal(null);
  });

  it('remembers across reloads that the survey was answered and the form sent', async () => {
    // Messages first: a survey shows only while no message is newer than the handoff's last change.
    const resolved = {
      messages: [message('user', 'refund?'), message('agent', 'Done, refunded.')],
      handoff: handoff('ended', { id: 'ho-rated', agent: ana, outcome: 'resolved' }),
    };
    await mount(resolved);
    $$('[part=csat-button]')[4]!.click();
    await el.updateComplete;
    el.remove();
    // A reload: a new element restoring the same conversation.
    await mount(resolved);
    expect(text($('[part=csat]')), 'survey asked again').to.equal('');
    expect(text($('[part=notice]'))).to.equal('Thanks for the feedback');
    el.remove();

    const failed = {
      messages: [message('user', 'a person please')],
      handoff: handoff('failed', { id: 'ho-form', fallback: 'offline_form' }),
    };
    await mount(failed);
    const form = $<HTMLFormElement>('[part=offline-form]')!;
    form.querySelector('input')!.value = 'kim@example.com';
    form.querySelector('textarea')!.value = 'Call me back';
    form.requestSubmit();
    await new Promise((r) => setTimeout(r));
    await el.updateComplete;
    expect(text($('[part=notice]'))).to.contain('We got your message');
    el.remove();
    await mount(failed);
    expect(text($('[part=offline-form]')), 'form shown again').to.equal('');
    expect(text($('[part=notice]'))).to.contain('We got your message');
    el.remove();

    // Another conversation's survey is still asked.
    await mount({
      ...resolved,
      handoff: handoff('ended', { id: 'ho-other', agent: ana, outcome: 'resolved' }),
    });
    expect($('[part=csat]')).not.to.equal(null);
  });

  it('keyboard only: open, send, get an agent, resolve, rate, close', async () => {
    await mount({}, 'floating');
    $<HTMLButtonElement>('.launcher')!.focus();
    await sendKeys({ press: 'Enter' });
    await el.updateComplete;
    await frames();
    expect(el.shadowRoot!.activeElement).to.equal($('#input'));
    await sendKeys({ type: 'My parcel is late' });
    await sendKeys({ press: 'Enter' });
    expect(chat.calls.find((c) => c.method === 'send')!.args[0]).to.equal('My parcel is late');
    const asked = message('user', 'My parcel is late');
    await update({ messages: [asked, message('bot', 'Sorry! Want a person?')] });

    // Shift+Tab from the composer walks back through the thread to the header's "Talk to a person".
    let guard = 0;
    while (el.shadowRoot!.activeElement !== $('[part=handoff-button]') && guard++ < 12) await shiftTab();
    expect(text($('[part=handoff-button]'))).to.equal('Talk to a person');
    await sendKeys({ press: 'Enter' });
    expect(chat.calls.some((c) => c.method === 'requestHuman')).to.equal(true);

    expect(el.shadowRoot!.activeElement, 'focus stays on the button while waiting').to.equal(
      $('[part=handoff-button]'),
    );
    await update({ handoff: handoff('queued', { queue: { position: 1 } }), control: 'none' });
    expect(text(el.shadowRoot!.activeElement)).to.equal('Cancel request');
    await update({ handoff: handoff('active', { agent: ana }), control: 'human' });
    // The button went away with the agent joining: focus moves to the composer, not to the page.
    expect(el.shadowRoot!.activeElement).to.equal($('#input'));
    await update({
      messages: [...chat.getSnapshot().messages, message('agent', 'Found it: it ships today.')],
    });
    // New messages never steal focus.
    expect(el.shadowRoot!.activeElement).to.equal($('#input'));
    await update({ handoff: handoff('ended', { agent: ana, outcome: 'resolved' }), control: 'bot' });

    // The survey sits right before the composer: Shift+Tab reaches its last score.
    await shiftTab();
    expect(el.shadowRoot!.activeElement!.getAttribute('aria-label')).to.equal('5 of 5');
    await sendKeys({ press: 'Enter' });
    await el.updateComplete;
    expect(chat.calls.filter((c) => c.method === 'sendFeedback').map((c) => c.args)).to.deep.equal([
      [null, 5],
    ]);
    await el.updateComplete;
    expect(el.shadowRoot!.activeElement).to.equal($('[part=notice]'));

    await sendKeys({ press: 'Escape' });
    await el.updateComplete;
    expect(el.open).to.equal(false);
    expect(el.shadowRoot!.activeElement).to.equal($('.launcher'));
  });
});
