/// <reference types="mocha" />
import { expect } from '@esm-bundle/chai';
import {
  MARKDOWN_MAX_CHARS,
  MARKDOWN_MAX_LINES,
  createMarkdownStream,
  renderMarkdown,
} from '@baton-chat/widget';
import type { BatonChat } from '@baton-chat/widget';
import { createFakeChat, message } from './fake-chat.js';
import { frames } from './helpers.js';

/** An inline <baton-chat> on a scripted chat, in the page. */
function mountInline() {
  const chat = createFakeChat();
  const el = document.createElement('baton-chat') as BatonChat;
  el.mode = 'inline';
  el.chat = chat;
  document.body.append(el);
  return { chat, el };
}

const fragment = (htmlText: string): HTMLElement => {
  const div = document.createElement('div');
  div.innerHTML = htmlText;
  return div;
};

describe('renderMarkdown', () => {
  it('renders GFM: emphasis, lists, code, tables', () => {
    const out = fragment(
      renderMarkdown('**a** _b_\n\n- one\n- two\n\n```js\nx < 1\n```\n\n| h |\n| - |\n| c |'),
    );
    expect(out.querySelector('strong')!.textContent).to.equal('a');
    expect(out.querySelectorAll('li')).to.have.length(2);
    expect(out.querySelector('pre code')!.textContent).to.equal('x < 1\n');
    expect(out.querySelector('td')!.textContent).to.equal('c');
  });

  it('opens links in a new tab without opener or referrer, raw HTML links too', () => {
    const out = fragment(
      renderMarkdown('[a](https://example.com) <a href="https://x.test/">b</a> https://auto.test'),
    );
    const links = [...out.querySelectorAll('a')];
    expect(links).to.have.length(3);
    for (const a of links) {
      expect(a.getAttribute('target')).to.equal('_blank');
      expect(a.getAttribute('rel')).to.equal('noopener noreferrer');
    }
  });

  it('drops javascript: links, scripts, styles, forms, event handlers and ids', () => {
    const out = fragment(
      renderMarkdown(
        '[x](javascript:alert(1)) <script>alert(1)</script><p style="background:url(https://e.test/a)" id="x" onclick="alert(1)">p</p><form><input></form>',
      ),
    );
    expect(out.querySelector('script, form, input, [style], [id], [onclick]')).to.equal(null);
    expect(out.querySelector('a')?.getAttribute('href') ?? null).to.equal(null);
  });

  it('shows remote images as links unless their host is allow-listed', () => {
    const blocked = fragment(renderMarkdown('![secret](https://evil.test/x.png?q=data)'));
    expect(blocked.querySelector('img')).to.equal(null);
    const link = blocked.querySelector('a')!;
    expect(link.textContent).to.equal('secret');
    expect(link.getAttribute('href')).to.equal('https://evil.test/x.png?q=data');
    expect(link.getAttribute('rel')).to.equal('noopener noreferrer');

    const raw = fragment(renderMarkdown('<img src="https://evil.test/y.png" alt="">'));
    expect(raw.querySelector('img')).to.equal(null);
    expect(raw.querySelector('a')!.textContent).to.equal('https://evil.test/y.png');

    const data = fragment(renderMarkdown('![d](data:image/png;base64,AAAA)'));
    expect(data.querySelector('img, a')).to.equal(null);
    expect(data.textContent!.trim()).to.equal('d');

    const allowed = { imageHosts: ['cdn.example.com', '*.img.example.org'] };
    expect(
      fragment(renderMarkdown('![a](https://cdn.example.com/a.png)', allowed)).querySelector('img'),
    ).not.to.equal(null);
    expect(
      fragment(renderMarkdown('![a](https://x.img.example.org/a.png)', allowed)).querySelector('img'),
    ).not.to.equal(null);
    expect(
      fragment(renderMarkdown('![a](https://cdn.example.com.evil.test/a.png)', allowed)).querySelector('img'),
    ).to.equal(null);
  });

  it(`parses at most ${MARKDOWN_MAX_CHARS} characters, shows as many more as text, then cuts`, () => {
    const text = `${'a'.repeat(MARKDOWN_MAX_CHARS)}**<b>tail</b>**`;
    const out = fragment(renderMarkdown(text));
    expect(out.querySelector('strong, b')).to.equal(null);
    expect(out.textContent!.replace(/\n/g, '') === text, 'all text shown').to.equal(true);
    const long = fragment(renderMarkdown('b'.repeat(3 * MARKDOWN_MAX_CHARS)));
    expect(long.textContent!.replace(/\n/g, '') === `${'b'.repeat(2 * MARKDOWN_MAX_CHARS)}…`).to.equal(true);
  });

  it(`parses at most ${MARKDOWN_MAX_LINES} lines and shows the rest as text`, () => {
    const out = fragment(renderMarkdown('- item\n'.repeat(MARKDOWN_MAX_LINES + 10)));
    expect(out.querySelectorAll('li')).to.have.length(MARKDOWN_MAX_LINES);
    expect(out.textContent!.match(/- item/g)).to.have.length(10);
  });

  it('shows delimiter-heavy and deeply nested text as text instead of parsing it slowly', () => {
    const heavy = `**bold** ${'**_* '.repeat(400)}`;
    expect(fragment(renderMarkdown(heavy)).querySelector('strong')).to.equal(null);
    expect(fragment(renderMarkdown('**bold** text')).querySelector('strong')).not.to.equal(null);
    const deep = fragment(renderMarkdown(`${'> '.repeat(50)}a`));
    expect(deep.querySelector('blockquote')).to.equal(null);
    expect(deep.textContent!.trim().endsWith('a')).to.equal(true);
  });
});

describe('createMarkdownStream', () => {
  const answer = Array.from({ length: 40 }, (_, i) =>
    i % 4 === 0
      ? `## Part ${i}\n\n`
      : i % 4 === 1
        ? `- item ${i}\n- item **${i}**\n\n`
        : `Paragraph ${i} with *some* words and \`code\`.\n\n`,
  ).join('');

  it('re-parses only the unfinished tail and keeps completed blocks as they were', () => {
    const stream = createMarkdownStream();
    let previous: readonly string[] = [];
    let parsed = 0;
    let maxParsed = 0;
    for (let i = 1; i <= answer.length; i += 3) {
      const out = stream.update(answer.slice(0, i));
      // Every block but the last of the previous result is final: same string, same place.
      for (let b = 0; b < previous.length - 1; b++) expect(out.blocks[b]).to.equal(previous[b]);
      previous = out.blocks;
      parsed += out.parsedChars;
      maxParsed = Math.max(maxParsed, out.parsedChars);
    }
    const final = stream.update(answer, true);
    expect(final.blocks.join('')).to.equal(renderMarkdown(answer));
    // Linear: each update parses about one block, never the whole text.
    expect(maxParsed).to.be.lessThan(120);
    expect(parsed).to.be.lessThan(answer.length * 25);
  });

  it('starts over when the text is not an extension (an edit or a different final text)', () => {
    const stream = createMarkdownStream();
    stream.update('first paragraph\n\nsecond');
    expect(stream.update('other\n\nthing', true).blocks).to.deep.equal(['<p>other</p>\n', '<p>thing</p>\n']);
  });

  it('closes bold, strikethrough and code spans of the unfinished block while streaming', () => {
    const stream = createMarkdownStream();
    expect(stream.update('Done.\n\nThe **Trail Run').blocks).to.deep.equal([
      '<p>Done.</p>\n',
      '<p>The <strong>Trail Run</strong></p>\n',
    ]);
    expect(stream.update('Done.\n\nThe **Trail Runner** costs `12').blocks[1]).to.equal(
      '<p>The <strong>Trail Runner</strong> costs <code>12</code></p>\n',
    );
    expect(stream.update('Done.\n\nThe **Trail Runner** costs `12`.', true).blocks[1]).to.equal(
      '<p>The <strong>Trail Runner</strong> costs <code>12</code>.</p>\n',
    );
  });

  it('a complete text is not parsed again when nothing changed', () => {
    const stream = createMarkdownStream();
    stream.update('a\n\nb', true);
    expect(stream.update('a\n\nb', true).parsedChars).to.equal(0);
  });

  it('keeps the DOM nodes of completed blocks while an answer streams in <baton-chat>', async () => {
    const { chat, el } = mountInline();
    const bot = message('bot', '', { status: 'streaming' });
    chat.set({ messages: [bot] });
    await el.updateComplete;
    chat.set({ messages: [{ ...bot, text: 'First paragraph.\n\nSecond' }] });
    // Text added to a streaming answer is rendered at the next frame.
    await frames(1);
    await el.updateComplete;
    const first = el.shadowRoot!.querySelector('.md p')!;
    expect(first.textContent).to.equal('First paragraph.');
    chat.set({ messages: [{ ...bot, text: 'First paragraph.\n\nSecond paragraph, longer.\n\nThird' }] });
    await frames(1);
    await el.updateComplete;
    chat.set({
      messages: [
        { ...bot, text: 'First paragraph.\n\nSecond paragraph, longer.\n\nThird.', status: 'complete' },
      ],
    });
    await el.updateComplete;
    const ps = el.shadowRoot!.querySelectorAll('.md p');
    expect(ps).to.have.length(3);
    expect(ps[0]).to.equal(first);
    el.remove();
  });

  it('renders the tokens that arrive within one frame once, and a finished answer at once', async () => {
    const { chat, el } = mountInline();
    const bot = message('bot', 'The', { status: 'streaming' });
    chat.set({ messages: [bot] });
    await el.updateComplete;
    await frames(1);
    const text = () => el.shadowRoot!.querySelector('.md')!.textContent!.trim();
    let renders = 0;
    const counting = el as unknown as { updated(c: Map<string, unknown>): void };
    const updated = counting.updated.bind(el);
    counting.updated = (c) => {
      renders++;
      updated(c);
    };
    let sofar = 'The';
    for (const word of [' parcel', ' left', ' the', ' warehouse']) {
      sofar += word;
      chat.set({ messages: [{ ...bot, text: sofar }] });
      await Promise.resolve();
    }
    expect(text(), 'not before the frame').to.equal('The');
    await frames(2);
    expect(text()).to.equal('The parcel left the warehouse');
    expect(renders).to.equal(1);
    chat.set({ messages: [{ ...bot, text: `${sofar} today.`, status: 'complete' }] });
    await el.updateComplete;
    expect(text()).to.equal('The parcel left the warehouse today.');
    el.remove();
  });
});
