// Types for farm-reload.js, so a TypeScript vite.config.ts that imports the
// plugin by path type-checks (tsc --noEmit) without allowJs.
import type { Plugin } from 'vite';

export interface FarmReloadOptions {
  /** The endpoint farm-lsp POSTs to (default '/__farm/reload'). */
  path?: string;
}

export default function farmReload(options?: FarmReloadOptions): Plugin;
