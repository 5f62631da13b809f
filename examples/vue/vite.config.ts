import vue from '@vitejs/plugin-vue';
import { defineConfig } from 'vite';

// The page calls its own origin; Vite forwards the API to the Baton server, so no CORS setup is needed
// while developing. BATON_SERVER picks the server (default: what `npm start` at the repository root runs).
const target = process.env.BATON_SERVER ?? 'http://127.0.0.1:8787';
const proxy = { '/v1': { target, changeOrigin: true } };

export default defineConfig({
  plugins: [
    vue({
      // <baton-chat> is a custom element, not a Vue component: Vue leaves it to the browser and sets
      // its properties (objects included) and listens to its events.
      template: { compilerOptions: { isCustomElement: (tag) => tag.startsWith('baton-') } },
    }),
  ],
  server: { proxy },
  preview: { proxy },
});
