/// <reference types="mocha" />
// Locales: English by default, others registered by importing their module and chosen by `locale` or by
// the page's <html lang>; Arabic lays out right to left with `dir` on the host.
import { expect } from '@esm-bundle/chai';
import '@baton-chat/widget';
import { en, resolveLocale } from '@baton-chat/widget';
import type { BatonChat } from '@baton-chat/widget';
import type { ChatSnapshot } from '@baton-chat/core';
import { createFakeChat, message } from './fake-chat.js';
import { axeViolations, handoff } from './helpers.js';

let el: BatonChat;
const $ = <E extends Element = HTMLElement>(s: string): E | null => el.shadowRoot!.querySelector<E>(s);
const text = (e: Element | null) => (e?.textContent ?? '').replace(/\s+/g, ' ').trim();

async function mount(attrs: Record<string, string> = {}) {
  el = document.createElement('baton-chat');
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, v);
  el.mode = 'inline';
  el.style.height = '480px';
  el.chat = createFakeChat({
    messages: [message('user', 'Hola'), message('bot', 'Claro, **aquí** tienes.')],
    handoff: handoff('queued', { queue: { position: 2, estimatedWaitSeconds: 120 } }),
    control: 'none',
  });
  document.body.append(el);
  await el.updateComplete;
}

const pageLang = document.documentElement.lang;
afterEach(() => {
  el?.remove();
  document.documentElement.lang = pageLang;
});

describe('<baton-chat> locales', () => {
  it('is English by default and for unregistered languages', async () => {
    document.documentElement.lang = 'fr';
    await mount();
    expect(text($('h2'))).to.equal(en.chatTitle);
    expect(el.dir).to.equal('ltr');
    expect(resolveLocale('fr')).to.equal(en);
  });

  it('loads locale modules on demand and re-renders in the page language', async () => {
    document.documentElement.lang = 'es-MX';
    await mount();
    expect(text($('h2'))).to.equal('Chat with us');
    // Imported after the widget rendered (as a lazy import would): it switches without a reload.
    const { es } = await import('@baton-chat/widget/locales/es');
    await el.updateComplete;
    expect(text($('h2'))).to.equal(es.chatTitle);
    expect(text($('[part=state]'))).to.equal(
      'Esperando a una persona · posición 2 en la cola · alrededor de 2 minutos',
    );
    expect($('[part=panel]')!.getAttribute('lang')).to.equal('es');
  });

  it('takes the locale attribute over the page: zh-CN', async () => {
    const { zhCN } = await import('@baton-chat/widget/locales/zh-CN');
    document.documentElement.lang = 'es';
    await mount({ locale: 'zh-CN' });
    expect(text($('h2'))).to.equal(zhCN.chatTitle);
    expect($<HTMLTextAreaElement>('#input')!.placeholder).to.equal('请输入您的问题…');
    expect(resolveLocale('zh')).to.equal(zhCN);
    expect(await axeViolations(el)).to.deep.equal([]);
  });

  it('Arabic: dir=rtl on the host, mirrored layout and send icon, no axe violations', async () => {
    const { ar } = await import('@baton-chat/widget/locales/ar');
    document.documentElement.lang = 'ar';
    await mount();
    expect(el.getAttribute('dir')).to.equal('rtl');
    expect(text($('h2'))).to.equal(ar.chatTitle);
    expect($('[part=panel]')!.getAttribute('lang')).to.equal('ar');
    // Own messages at the inline end (left), the avatar at the inline start (right) of the header.
    const user = $('.msg.user .bubble')!.getBoundingClientRect();
    const bot = $('.msg.bot .bubble')!.getBoundingClientRect();
    expect(user.left).to.be.lessThan(bot.left);
    const avatar = $('[part=avatar]')!.getBoundingClientRect();
    const title = $('h2')!.getBoundingClientRect();
    expect(avatar.left).to.be.greaterThan(title.left);
    expect(getComputedStyle($('.send svg')!).transform).to.not.equal('none');
    expect(await axeViolations(el)).to.deep.equal([]);
    el.locale = en;
    await el.updateComplete;
    expect(el.getAttribute('dir')).to.equal('ltr');
    expect(getComputedStyle($('.send svg')!).transform).to.equal('none');
  });

  it('a floating launcher keeps the side the page chose in RTL', async () => {
    await import('@baton-chat/widget/locales/ar');
    el = document.createElement('baton-chat');
    el.locale = 'ar';
    el.chat = createFakeChat();
    document.body.append(el);
    await el.updateComplete;
    expect($('.launcher')!.getBoundingClientRect().left).to.be.greaterThan(innerWidth / 2);
    el.position = 'left';
    await el.updateComplete;
    expect($('.launcher')!.getBoundingClientRect().left).to.be.lessThan(innerWidth / 2);
  });

  it('Arabic, light and dark: no axe violations in the offline, queued, streaming and agent states', async () => {
    await import('@baton-chat/widget/locales/ar');
    const ana = { id: 'a1', name: 'Ana Lima' };
    const states: [string, Partial<ChatSnapshot>][] = [
      ['offline', { connection: 'offline', messages: [message('user', 'مرحبا', { status: 'queued' })] }],
      ['queued', { handoff: handoff('queued', { queue: { position: 3, estimatedWaitSeconds: 600 } }) }],
      [
        'streaming',
        { messages: [message('user', 'سؤال'), message('bot', 'الجواب **هنا**', { status: 'streaming' })] },
      ],
      [
        'agent',
        {
          handoff: handoff('active', { agent: ana }),
          control: 'human',
          messages: [message('agent', 'مرحبًا، أنا آنا.')],
          typing: [{ role: 'agent', name: 'Ana Lima' }],
        },
      ],
    ];
    for (const [name, snapshot] of states) {
      el = document.createElement('baton-chat');
      el.mode = 'inline';
      el.locale = 'ar';
      el.chat = createFakeChat(snapshot);
      document.body.append(el);
      for (const theme of ['light', 'dark'] as const) {
        el.theme = theme;
        await el.updateComplete;
        expect(el.dir).to.equal('rtl');
        expect(await axeViolations(el), `${name} ${theme}`).to.deep.equal([]);
      }
      el.remove();
    }
  });
});
