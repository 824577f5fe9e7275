import path from 'node:path';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';
// farm-lsp's Vite plugin (POST /__farm/reload): it lets farm-lsp say what the
// browser must do after a save (update a module, remount, or reload the page).
// Copy editors/vite/farm-reload.js into your own app, or import it by path.
import farmReload from '../../../../editors/vite/farm-reload.js';

export default defineConfig({
  plugins: [react(), farmReload()],
  resolve: {
    alias: { '@': path.resolve(__dirname, 'src') },
  },
  server: {
    port: 3000,
    proxy: {
      '/api': 'http://127.0.0.1:8000',
      '/health': 'http://127.0.0.1:8000',
    },
  },
});
