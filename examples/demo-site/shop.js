// Loads the Baton widget bundle the server publishes at /widget/ and registers <baton-chat>.
// A module file (not inline) so the page keeps its strict Content-Security-Policy.
import '/widget/baton-widget.min.js';
