/// <reference types="mocha" />
// A whole conversation on a page with `default-src 'self'` and `require-trusted-types-for 'script'`
// (only the `lit-html` and `dompurify` policies allowed): 0 securitypolicyviolation events.
import { expect } from '@esm-bundle/chai';
import { en } from '@baton-chat/widget';
import type { BatonChat } from '@baton-chat/widget';
import type { ChatSnapshot } from '@baton-chat/core';
import type { createFakeChat as CreateFakeChat, message as Message } from './fake-chat.js';
import { handoff } from './helpers.js';

interface CspWindow extends Window {
  __violations: string[];
  __baton?: { el: BatonChat; createFakeChat: typeof CreateFakeChat; message: typeof Message };
}

async function until<T>(check: () => T | null | undefined | false, what: string, ms = 8000): Promise<T> {
  const end = performance.now() + ms;
  for (;;) {
    const value = check();
    if (value) return value;
    if (performance.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('<baton-chat> under strict CSP and Trusted Types', function () {
  this.timeout(30_000);

  it('has no policy violations through a conversation: send, streamed answer, handoff, agent, CSAT', async () => {
    const frame = document.createElement('iframe');
    frame.style.cssText = 'width:420px;height:700px;border:0';
    frame.src = '/packages/widget/test/browser/fixtures/csp.html';
    document.body.append(frame);
    const win = frame.contentWindow as CspWindow;
    const { el, createFakeChat, message } = await until(() => win.__baton, 'the widget in the CSP page');
    const $ = <E extends Element = HTMLElement>(s: string): E | null => el.shadowRoot!.querySelector<E>(s);
    const violations = win.__violations;

    // The policy is enforced in this page: an HTML string sink throws and is reported.
    expect(() => {
      frame.contentDocument!.body.insertAdjacentHTML('beforeend', '<b>x</b>');
    }).to.throw();
    await until(() => violations.length > 0, 'the probe violation');
    expect(violations[0]).to.match(/^require-trusted-types-for/);
    violations.length = 0;

    await el.show();
    await el.send('Where is my **parcel**? [track](https://example.com) ![x](https://evil.example/p.png)');
    await until(
      () => el.snapshot.messages.findLast((m) => m.role === 'bot')?.status === 'complete',
      'answer',
    );
    await el.updateComplete;
    expect($('.msg.bot .bubble strong')!.textContent).to.equal('parcel');
    expect($('.msg.bot .bubble a[target=_blank]')).not.to.equal(null);

    $<HTMLButtonElement>('.suggestion')!.click();
    await until(() => el.snapshot.handoff?.state === 'queued', 'queued');
    await el.updateComplete;
    $<HTMLButtonElement>('[part=handoff-button]')!.click();
    await until(() => el.snapshot.handoff?.state === 'cancelled', 'cancelled');

    // The states the example backend has no agents for, from a fake client in the same page.
    const fake = createFakeChat({ messages: el.snapshot.messages });
    el.chat = fake;
    const set = async (patch: Partial<ChatSnapshot>) => {
      fake.set(patch);
      await el.updateComplete;
    };
    await set({ handoff: handoff('active', { agent: { id: 'a1', name: 'Ana Lima' } }), control: 'human' });
    await set({
      messages: [...fake.getSnapshot().messages, message('agent', 'Refund **sent**:\n\n- one\n- `two`')],
      typing: [{ role: 'agent', name: 'Ana Lima' }],
    });
    await set({ typing: [], handoff: handoff('assigned', { agent: { id: 'a2', name: 'Ben' } }) });
    await set({ handoff: handoff('failed', { fallback: 'offline_form' }), control: 'bot' });
    const form = $<HTMLFormElement>('[part=offline-form]')!;
    form.querySelector('input')!.value = 'kim@example.com';
    form.querySelector('textarea')!.value = 'Call me back';
    form.requestSubmit();
    await until(() => fake.calls.some((c) => c.method === 'send'), 'left message');
    await set({ handoff: handoff('ended', { outcome: 'resolved' }) });
    $<HTMLButtonElement>('[part=csat-button]')!.click();
    await el.updateComplete;
    el.theme = 'dark';
    el.locale = { ...en, lang: 'ar', dir: 'rtl' };
    await el.updateComplete;
    await el.hide();

    await new Promise((r) => setTimeout(r, 100));
    expect(violations).to.deep.equal([]);
    frame.remove();
  });
});
