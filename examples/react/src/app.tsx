import { useState } from 'react';
import '@baton-chat/widget'; // registers <baton-chat>
import type { BatonChatTheme } from '@baton-chat/widget';
import { HeadlessChat } from './headless-chat.tsx';

/** Both ways to put Baton in a React app, side by side. */
export function App() {
  const [theme, setTheme] = useState<BatonChatTheme>('light');
  const [answers, setAnswers] = useState(0);

  return (
    <main>
      <h1>Baton in React 19</h1>
      <div className="columns">
        <section aria-labelledby="element-title">
          <h2 id="element-title">
            The <code>&lt;baton-chat&gt;</code> element
          </h2>
          <p>
            React 19 sets the element&apos;s properties and listens to its events directly: no wrapper.{' '}
            <label>
              Theme{' '}
              <select value={theme} onChange={(e) => setTheme(e.target.value as BatonChatTheme)}>
                <option value="light">light</option>
                <option value="dark">dark</option>
                <option value="auto">auto</option>
              </select>
            </label>
          </p>
          <div className="frame">
            {/* Vite forwards /v1 to the Baton server (vite.config.ts), so "/" is the server here. */}
            <baton-chat
              server="/"
              mode="inline"
              theme={theme}
              onbaton-message={(event) => {
                if (event.detail.message.role === 'bot') setAnswers((n) => n + 1);
              }}
            />
          </div>
          <p role="status">Answers received (from the baton-message event): {answers}</p>
        </section>
        <section aria-labelledby="headless-title">
          <h2 id="headless-title">
            Your own UI on <code>@baton-chat/core</code>
          </h2>
          <p>
            The headless client is a store:{' '}
            <code>useSyncExternalStore(chat.subscribe, chat.getSnapshot)</code> re-renders on every change,
            streamed tokens included.
          </p>
          <HeadlessChat />
        </section>
      </div>
    </main>
  );
}
