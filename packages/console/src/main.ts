// Entry of the static app (dist/app/console.js): registers the elements that index.html uses.
import './define.js';
