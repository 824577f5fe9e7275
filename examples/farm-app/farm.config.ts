import { defineConfig } from '@farm-framework/core';

export default defineConfig({
  name: 'farm-app',
  database: {
    type: 'mongodb',
    url: process.env.DATABASE_URL || 'mongodb://127.0.0.1:27017/farm_app',
  },
  ai: {
    providers: {
      ollama: {
        enabled: true,
        url: 'http://127.0.0.1:11434',
        models: ['llama3.1'],
        defaultModel: 'llama3.1',
      },
    },
  },
  plugins: ['analytics'],
  development: {
    ports: { frontend: 3000, backend: 8000 },
    // No `backend` section: farm-lsp runs in external mode and expects you to
    // start the API yourself (e.g. `uvicorn src.main:app --reload` in apps/api).
    // Uncomment to let farm-lsp own the backend process behind its proxy on
    // ports.backend; {port} is replaced with a free internal port.
    // backend: {
    //   command: ['python3', '-m', 'uvicorn', 'src.main:app', '--host', '127.0.0.1', '--port', '{port}'],
    //   cwd: 'apps/api',
    //   health: '/openapi.json',
    //   startTimeoutMs: 15000,
    // },
    frontend: { url: 'http://127.0.0.1:3000' },
    hotReload: {
      enabled: true,
      watch: {
        debounceMs: 100,
        usePolling: false,
        interval: 1000,
        // The files farm-lsp acts on (farm.config.ts always): an entry's
        // pattern minus its ignores. Editing a test_*.py plans nothing.
        paths: [
          { pattern: 'apps/api/**/*.py', ignore: ['**/test_*.py', '**/tests/**'] },
          { pattern: 'apps/api/migrations/*.json' },
          { pattern: 'apps/web/**/*.{ts,tsx,js,jsx,json}', ignore: ['**/*.test.*'] },
          { pattern: 'plugins/**' },
        ],
      },
      typeGeneration: {
        enabled: true,
        generateOnModelChange: true,
        generateOnRouteChange: true,
        outDir: 'apps/web/src',
        pydantic: 1,
      },
      aiModels: { enabled: true, hotSwap: true, preloadModels: true },
      database: { autoApply: 'additive' },
      performance: { slowReloadThreshold: 5000, maxRetries: 3, cooldownPeriod: 5000 },
      errorRecovery: { enabled: true, fallbackToRestart: true, logErrors: true },
    },
  },
});
