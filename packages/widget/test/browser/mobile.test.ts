/// <reference types="mocha" />
// On a phone-sized screen the open panel fills the screen, keeps the composer above the on-screen keyboard
// (the visual viewport shrinking, here by zooming the page as a pinch would), does not zoom on focus and
// does not let the page behind it scroll.
import { expect } from '@esm-bundle/chai';
import { executeServerCommand, setViewport } from '@web/test-runner-commands';
import '@baton-chat/widget';
import type { BatonChat } from '@baton-chat/widget';
import { createFakeChat, message } from './fake-chat.js';
import { axeViolations, frames } from './helpers.js';

let el: BatonChat;
let tall: HTMLElement;
const $ = <E extends Element = HTMLElement>(s: string): E | null => el.shadowRoot!.querySelector<E>(s);

const wheel = (x: number, y: number, deltaY: number) => executeServerCommand('baton-wheel', { x, y, deltaY });
const pageScale = (scale: number) => executeServerCommand('baton-page-scale', { scale });

async function mount(): Promise<void> {
  tall = document.createElement('div');
  tall.style.height = '3000px';
  document.body.append(tall);
  el = document.createElement('baton-chat');
  el.chat = createFakeChat({
    messages: [message('user', 'Where is my order?'), message('bot', 'It ships **today**.')],
  });
  document.body.append(el);
  await el.updateComplete;
  await el.show();
  // The panel's opening animation moves it for a moment.
  const opening = el.shadowRoot!.getAnimations();
  await Promise.all(
    opening.filter((a) => a.effect?.getTiming().iterations !== Infinity).map((a) => a.finished),
  );
  await frames(2);
}

afterEach(async () => {
  await pageScale(1);
  el?.remove();
  tall?.remove();
  window.scrollTo(0, 0);
});

describe('<baton-chat> on a phone', () => {
  beforeEach(() => setViewport({ width: 390, height: 844 }));

  it('fills the screen, does not zoom on focus, and the page behind does not scroll', async () => {
    await mount();
    const panel = $('.panel')!.getBoundingClientRect();
    expect([panel.left, panel.top, panel.width, panel.height]).to.deep.equal([0, 0, 390, 844]);
    el.position = 'left';
    await el.updateComplete;
    const left = $('.panel')!.getBoundingClientRect();
    expect([left.left, left.width], 'position=left still fills the screen').to.deep.equal([0, 390]);
    // Mobile browsers zoom into fields under 16px on focus.
    expect(parseFloat(getComputedStyle($('#input')!).fontSize)).to.be.at.least(16);
    await wheel(195, 40, 600);
    await frames(3);
    expect(window.scrollY, 'page scrolled behind the open panel').to.equal(0);
    expect(await axeViolations(el)).to.deep.equal([]);
    await el.hide();
    await frames(2);
    await wheel(195, 400, 600);
    await frames(3);
    expect(window.scrollY, 'the page scrolls again once the panel is closed').to.be.above(0);
    expect(document.documentElement.style.overflow).to.equal('');
  });

  it('keeps the composer above the on-screen keyboard', async () => {
    await mount();
    $('#input')!.focus();
    // The keyboard shrinks the visual viewport, not the layout viewport (innerHeight stays 844).
    await pageScale(2);
    await frames(3);
    const vv = window.visualViewport!;
    expect(vv.height).to.be.below(500);
    expect(window.innerHeight).to.equal(844);
    const composer = $('[part=composer]')!.getBoundingClientRect();
    expect(composer.bottom, 'composer bottom').to.be.at.most(vv.offsetTop + vv.height + 1);
    expect(composer.top).to.be.above(vv.offsetTop);
    expect(el.shadowRoot!.activeElement === $('#input'), 'the composer keeps focus').to.equal(true);
    await pageScale(1);
    await frames(3);
    expect($('.panel')!.getBoundingClientRect().height).to.equal(844);
  });
});

describe('<baton-chat> on a wide screen', () => {
  beforeEach(() => setViewport({ width: 1280, height: 800 }));

  it('leaves the page scrollable while the floating panel is open', async () => {
    await mount();
    expect($('.panel')!.getBoundingClientRect().width).to.be.below(400);
    await wheel(200, 400, 600);
    await frames(3);
    expect(window.scrollY).to.be.above(0);
  });
});
