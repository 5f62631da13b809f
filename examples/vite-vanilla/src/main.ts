import '@baton-chat/widget'; // registers <baton-chat>
import './style.css';

// Vite forwards /v1 to the Baton server (vite.config.ts), so the page's own origin is the server here.
// On your site: your Baton server's URL, with your site's origin in its --allowed-origins.
const chat = document.createElement('baton-chat');
chat.server = '/';
chat.theme = 'auto';
document.body.append(chat);

document.querySelector('#open-chat')!.addEventListener('click', () => {
  void chat.show(); // opens the panel and focuses the message field
});

// Every `baton-*` event bubbles and is typed: `detail.message` is a ChatMessage of @baton-chat/core.
const answers = document.querySelector('#answers')!;
chat.addEventListener('baton-message', (event) => {
  const { message } = event.detail;
  const item = document.createElement('li');
  // textContent, never innerHTML: names and text come from the server.
  item.textContent = `${message.author.name ?? message.role}: ${message.text.length} characters`;
  answers.append(item);
});
