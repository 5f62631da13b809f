/// <reference types="mocha" />
// <baton-chat> against the real example backend (started by the web-test-runner config).
import { expect } from '@esm-bundle/chai';
import { sendKeys } from '@web/test-runner-commands';
import { createMemoryPersister } from '@baton-chat/core';
import '@baton-chat/widget';
import type { BatonChat } from '@baton-chat/widget';
import type { ChatSnapshot } from '@baton-chat/core';

const backend = async (): Promise<string> => {
  const res = await fetch('/__baton_backend__');
  if (!res.ok) throw new Error(await res.text());
  return ((await res.json()) as { url: string }).url;
};

// axe-core is a UMD script: load it once as a classic script from node_modules.
type AxeResults = { violations: { id: string; help: string; nodes: { target: unknown }[] }[] };
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
  // Let finite animations (the panel opening) end first: axe cannot judge half-transparent text.
  const finite = (context.shadowRoot ?? context).getAnimations({ subtree: true });
  await Promise.all(
    finite.filter((a) => a.effect?.getTiming().iterations !== Infinity).map((a) => a.finished),
  );
  const axe = (window as unknown as { axe: { run(c: Element): Promise<AxeResults> } }).axe;
  const results = await axe.run(context);
  return results.violations.map((v) => `${v.id}: ${v.help} ${JSON.stringify(v.nodes.map((n) => n.target))}`);
}

async function until<T>(
  check: () => T | null | undefined | false,
  what: string,
  ms = 8000,
): Promise<NonNullable<T>> {
  const end = performance.now() + ms;
  for (;;) {
    const value = check();
    if (value) return value as NonNullable<T>;
    if (performance.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

let el: BatonChat;
const $ = <E extends Element = HTMLElement>(selector: string): E | null =>
  el.shadowRoot!.querySelector<E>(selector);
const snap = (): ChatSnapshot => el.snapshot;
const lastBot = () => snap().messages.findLast((m) => m.role === 'bot');

async function mount(mode: 'floating' | 'inline' = 'floating'): Promise<BatonChat> {
  el = document.createElement('baton-chat');
  el.mode = mode;
  el.chatOptions = { persister: createMemoryPersister() };
  el.server = await backend();
  document.body.append(el);
  await el.updateComplete;
  return el;
}

async function typeAndSend(text: string): Promise<void> {
  $('textarea')!.focus();
  await sendKeys({ type: text });
  await sendKeys({ press: 'Enter' });
}

afterEach(() => el?.remove());

describe('<baton-chat> with the example backend', function () {
  this.timeout(20_000);

  it('opens from the launcher, focuses the composer, sends and shows the streamed answer, announced once', async () => {
    await mount();
    expect($('.panel')!.hidden).to.equal(true);
    const opened: string[] = [];
    el.addEventListener('baton-open', () => opened.push('open'));
    $<HTMLButtonElement>('.launcher')!.click();
    await el.updateComplete;
    expect($('.panel')!.hidden).to.equal(false);
    expect(opened).to.deep.equal(['open']);
    await until(() => el.shadowRoot!.activeElement === $('textarea'), 'focus in the composer');

    const live = $('.live')!;
    const announcements: string[] = [];
    new MutationObserver(() => announcements.push(live.textContent ?? '')).observe(live, {
      childList: true,
      characterData: true,
      subtree: true,
    });
    const sent: string[] = [];
    el.addEventListener('baton-send', (e) => sent.push(e.detail.text));
    await typeAndSend('Where is my **parcel**?');
    expect(sent).to.deep.equal(['Where is my **parcel**?']);
    expect($<HTMLTextAreaElement>('textarea')!.value).to.equal('');

    const userRow = await until(() => $('.msg.user'), 'own message');
    // Own text is shown as typed, never as markdown.
    expect(userRow.querySelector('.bubble')!.textContent!.trim()).to.equal('Where is my **parcel**?');
    await until(() => lastBot()?.status === 'complete', 'complete answer');
    await el.updateComplete;
    const botBubble = $('.msg.bot .bubble')!;
    expect(botBubble.querySelector('strong')!.textContent).to.equal('parcel');
    expect(botBubble.textContent!.replace(/\s+/g, ' ').trim()).to.equal('You said: Where is my parcel?');
    expect($('.msg.bot .author')!.textContent).to.equal('Echo Bot');
    expect($('[role=log]')).not.to.equal(null);
    // The backend suggests a handoff after every answer.
    expect($('.suggestion')!.textContent!.trim()).to.equal('Talk to a person');
    expect($('.msg.bot .feedback button')).not.to.equal(null);
    await new Promise((r) => setTimeout(r, 50));
    expect(announcements).to.deep.equal(['Echo Bot: You said: Where is my parcel?']);
  });

  it('streams a long answer with a Stop button that stops it', async () => {
    await mount('inline');
    const words = Array.from({ length: 400 }, (_, i) => `word${i}`).join(' ');
    $<HTMLTextAreaElement>('textarea')!.focus();
    await el.send(words);
    await until(() => lastBot()?.status === 'streaming' && lastBot()!.text.length > 0, 'streaming answer');
    await el.updateComplete;
    expect($('.msg.bot .bubble')!.getAttribute('aria-busy')).to.equal('true');
    const violations = await axeViolations(el);
    expect(violations, 'axe while streaming').to.deep.equal([]);
    const stop = await until(() => $<HTMLButtonElement>('.stop'), 'stop button');
    stop.click();
    await until(() => lastBot()?.finishReason === 'cancelled', 'cancelled answer');
    await el.updateComplete;
    expect($('.stop')).to.equal(null);
    expect($('.msg.bot .meta')!.textContent).to.equal('Stopped');
    expect(lastBot()!.text.length).to.be.lessThan(words.length);
  });

  it('"Talk to a person" queues with position and wait, announces it, and can be cancelled', async () => {
    await mount('inline');
    const live = $('.live')!;
    await el.chat!.ready;
    $<HTMLButtonElement>('[part=handoff-button]')!.click();
    await until(() => snap().handoff?.state === 'queued', 'queued handoff');
    await el.updateComplete;
    const state = $('[part=state]')!.textContent!;
    expect(state).to.contain('Waiting for a person');
    expect(state).to.contain('you are next');
    expect(state).to.match(/about \d+ minutes?/);
    expect(live.textContent).to.contain('in line for a person');
    const cancel = $<HTMLButtonElement>('[part=handoff-button]')!;
    expect(cancel.textContent!.trim()).to.equal('Cancel request');
    cancel.click();
    await until(() => snap().handoff?.state === 'cancelled', 'cancelled handoff');
    await el.updateComplete;
    expect(live.textContent).to.contain('cancelled');
    expect($('[part=handoff-button]')!.textContent!.trim()).to.equal('Talk to a person');
    expect($('[part=state]')!.textContent).to.contain('AI assistant');
  });

  it('has no axe violations closed and open-empty, in light and dark', async () => {
    await mount();
    expect(await axeViolations(el), 'closed').to.deep.equal([]);
    await el.show();
    expect(await axeViolations(el), 'open, empty').to.deep.equal([]);
    el.theme = 'dark';
    await el.updateComplete;
    expect(await axeViolations(el), 'open, empty, dark').to.deep.equal([]);
  });

  it('works by keyboard: Enter on the launcher opens, type, send, Escape closes and returns focus', async () => {
    await mount();
    $<HTMLButtonElement>('.launcher')!.focus();
    await sendKeys({ press: 'Enter' });
    await until(
      () => el.open && el.shadowRoot!.activeElement === $('textarea'),
      'open with focus in the composer',
    );
    await sendKeys({ type: 'hello by keyboard' });
    await sendKeys({ press: 'Enter' });
    await until(() => lastBot()?.status === 'complete', 'answer');
    expect(lastBot()!.text).to.equal('You said: hello by keyboard');
    await sendKeys({ press: 'Escape' });
    await until(() => !el.open, 'closed');
    expect($('.panel')!.hidden).to.equal(true);
    await until(() => el.shadowRoot!.activeElement === $('.launcher'), 'focus back on the launcher');
  });

  it('baton-send can be cancelled', async () => {
    await mount('inline');
    el.addEventListener('baton-send', (e) => e.preventDefault());
    await typeAndSend('not sent');
    await new Promise((r) => setTimeout(r, 100));
    expect(snap().messages).to.have.length(0);
  });
});
