// The widget playground: form controls drive one <baton-chat>, and a snippet shows the markup that
// reproduces the current settings. A file of its own (no inline script), so the server's strict CSP holds.
// The settings are kept in the address (?theme=dark&locale=ar...), so a look can be shared as a link.
import '/widget/baton-widget.js'; // registers <baton-chat>

const DEFAULTS = {
  mode: 'inline',
  theme: 'light',
  position: 'right',
  locale: 'en',
  accent: '#3451d1',
  radius: '16',
};
const CHOICES = {
  mode: ['inline', 'floating'],
  theme: ['light', 'dark', 'auto'],
  position: ['right', 'left'],
  locale: ['en', 'es', 'zh-CN', 'ar'],
};
// English is built into the widget; the others are separate modules next to it, loaded on first use.
const LOCALE_MODULES = {
  es: () => import('/widget/baton-widget-locale-es.js'),
  'zh-CN': () => import('/widget/baton-widget-locale-zh-CN.js'),
  ar: () => import('/widget/baton-widget-locale-ar.js'),
};

const form = document.querySelector('#settings');
const chat = document.querySelector('#chat');
const snippet = document.querySelector('#snippet');
const caption = document.querySelector('#snippet-caption');
const copyStatus = document.querySelector('#copy-status');
const note = document.querySelector('#stage-note');
const noteText = document.querySelector('#stage-note-text');

/** Reads and checks the settings from the address; anything unknown falls back to its default. */
function fromAddress() {
  const params = new URLSearchParams(location.search);
  const settings = { ...DEFAULTS };
  for (const key of Object.keys(DEFAULTS)) {
    const value = params.get(key);
    if (value === null) continue;
    if (CHOICES[key] && !CHOICES[key].includes(value)) continue;
    if (key === 'accent' && !/^#[0-9a-f]{6}$/i.test(value)) continue;
    if (key === 'radius' && !/^\d{1,2}$/.test(value)) continue;
    settings[key] = value;
  }
  return settings;
}

function fromForm() {
  const data = new FormData(form);
  return Object.fromEntries(
    Object.keys(DEFAULTS).map((key) => [key, String(data.get(key) ?? DEFAULTS[key])]),
  );
}

function toForm(settings) {
  for (const [key, value] of Object.entries(settings)) {
    const field = form.elements.namedItem(key);
    if (field) field.value = value;
  }
}

/** Black or white, whichever reads better on the accent (WCAG relative luminance). */
function textOn(hex) {
  const [r, g, b] = [1, 3, 5].map((i) => {
    const c = parseInt(hex.slice(i, i + 2), 16) / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  });
  const luminance = 0.2126 * r + 0.7152 * g + 0.0722 * b;
  return 1.05 / (luminance + 0.05) >= (luminance + 0.05) / 0.05 ? '#ffffff' : '#000000';
}

/** The custom properties that differ from the widget's defaults. */
function customProperties(settings) {
  const props = [];
  if (settings.accent.toLowerCase() !== DEFAULTS.accent) {
    props.push(['--baton-accent', settings.accent], ['--baton-accent-fg', textOn(settings.accent)]);
  }
  if (settings.radius !== DEFAULTS.radius) props.push(['--baton-radius', `${settings.radius}px`]);
  return props;
}

function styleBlock(selector, props) {
  if (props.length === 0) return [];
  return [
    '<style>',
    `  ${selector} {`,
    ...props.map(([name, value]) => `    ${name}: ${value};`),
    '  }',
    '</style>',
  ];
}

/** The markup a site would paste to get what the playground shows. */
function snippetFor(settings) {
  const server = location.origin;
  const props = customProperties(settings);
  if (settings.mode === 'floating') {
    const data = [
      `  src="${server}/widget/baton.js"`,
      `  data-server="${server}"`,
      settings.theme !== 'light' && `  data-theme="${settings.theme}"`,
      settings.position !== 'right' && `  data-position="${settings.position}"`,
      settings.locale !== 'en' && `  data-locale="${settings.locale}"`,
      '  async',
    ].filter(Boolean);
    return {
      caption:
        'The script tag: paints the launcher at once and loads the widget (and its language) when it is wanted.',
      text: [...styleBlock('baton-launcher,\n  baton-chat', props), '<script', ...data, '></script>'].join(
        '\n',
      ),
    };
  }
  const attributes = [
    `  server="${server}"`,
    '  mode="inline"',
    settings.theme !== 'light' && `  theme="${settings.theme}"`,
    settings.locale !== 'en' && `  locale="${settings.locale}"`,
  ].filter(Boolean);
  return {
    caption: 'With npm (@baton-chat/widget) and your bundler: the element fills its container.',
    text: [
      '<script type="module">',
      "  import '@baton-chat/widget';",
      ...(settings.locale !== 'en' ? [`  import '@baton-chat/widget/locales/${settings.locale}';`] : []),
      '</script>',
      ...styleBlock('baton-chat', props),
      '<baton-chat',
      ...attributes,
      '></baton-chat>',
    ].join('\n'),
  };
}

let applied = 0;
async function apply(settings) {
  const run = ++applied;
  if (settings.locale !== 'en') await LOCALE_MODULES[settings.locale]();
  // A slower locale import must not undo a later change.
  if (run !== applied) return;

  chat.mode = settings.mode;
  chat.theme = settings.theme;
  chat.position = settings.position;
  chat.locale = settings.locale;
  // CSSOM, not a style attribute: the page's CSP allows no inline styles, and needs none for this.
  for (const name of ['--baton-accent', '--baton-accent-fg', '--baton-radius'])
    chat.style.removeProperty(name);
  for (const [name, value] of customProperties(settings)) chat.style.setProperty(name, value);

  document.documentElement.dataset.theme = settings.theme;
  document.querySelector('#radius-value').textContent = `${settings.radius}px`;
  const floating = settings.mode === 'floating';
  note.hidden = !floating;
  noteText.textContent = `The launcher is in the bottom ${settings.position} corner of the page.`;

  const { caption: text, text: code } = snippetFor(settings);
  caption.textContent = text;
  snippet.textContent = code;
  copyStatus.textContent = '';

  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(settings)) {
    if (value !== DEFAULTS[key]) params.set(key, value);
  }
  const query = params.toString();
  history.replaceState(null, '', query ? `?${query}` : location.pathname);
}

form.addEventListener('input', () => void apply(fromForm()));
form.addEventListener('change', () => void apply(fromForm()));
// After a reset the fields hold their defaults only once the event has run.
form.addEventListener('reset', () => setTimeout(() => void apply(fromForm())));
form.addEventListener('submit', (event) => event.preventDefault());

document.querySelector('#open-panel').addEventListener('click', () => void chat.show());

document.querySelector('#copy').addEventListener('click', async () => {
  try {
    await navigator.clipboard.writeText(snippet.textContent);
    copyStatus.textContent = 'Copied';
  } catch {
    // No clipboard access (an insecure origin, or permission refused): select the text to copy by hand.
    getSelection().selectAllChildren(snippet);
    copyStatus.textContent = 'Selected: press Ctrl+C or ⌘C to copy';
  }
});

const initial = fromAddress();
toForm(initial);
void apply(initial);
