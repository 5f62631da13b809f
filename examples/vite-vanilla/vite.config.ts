import { defineConfig } from 'vite';

// The page calls its own origin; Vite forwards the API to the Baton server, so no CORS setup is needed
// while developing. BATON_SERVER picks the server (default: what `npm start` at the repository root runs).
const target = process.env.BATON_SERVER ?? 'http://127.0.0.1:8787';
const proxy = { '/v1': { target, changeOrigin: true } };

export default defineConfig({
  server: { proxy },
  preview: { proxy },
});
