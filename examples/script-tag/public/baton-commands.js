/* global Baton -- defined by the stub below, then by baton.js */
// The queue stub: calls made before baton.js ran are kept in Baton.q and replayed by it.
window.Baton =
  window.Baton ||
  function () {
    (Baton.q = Baton.q || []).push(arguments);
  };

// Queued now, run once the chat is ready: listeners for what the visitor does.
for (const name of ['ready', 'open', 'close', 'send', 'message']) {
  Baton('on', name, (detail) => {
    const item = document.createElement('li');
    const text = detail?.text ?? detail?.message?.text;
    item.textContent = text ? `${name}: ${text}` : name;
    document.getElementById('log')?.append(item);
  });
}

document.addEventListener('click', (event) => {
  const command = event.target instanceof Element && event.target.closest('[data-command]')?.dataset.command;
  if (command === 'open') Baton('open');
  if (command === 'send') Baton('send', 'Where is my order?');
  // A real site computes the hash on its server (HMAC-SHA256 of the id with the identity secret).
  if (command === 'identify')
    Baton('identify', { id: 'user-42', name: 'Ada Lovelace', email: 'ada@example.com' });
  if (command === 'shutdown') Baton('shutdown');
});
