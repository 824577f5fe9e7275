import { defineConfig } from '@farm-framework/core';

// Every section the design documents, with non-default values.
export default defineConfig({
  name: 'shop',
  database: { type: 'mongodb', url: process.env.DATABASE_URL || 'mongodb://db:27017/shop' },
  ai: {
    providers: {
      ollama: { enabled: true, models: ['llama3.1', 'codellama'], defaultModel: 'codellama' },
      openai: { enabled: false, apiKey: process.env.OPENAI_API_KEY, models: [{ name: 'gpt-4o' }] },
    },
  },
  plugins: ['analytics', ['auth', { providers: ['github'] }], { name: 'billing' }],
  development: {
    ports: { frontend: 5173, backend: 8080 },
    backend: {
      command: ['python3', '-m', 'uvicorn', 'src.main:app', '--host', '127.0.0.1', '--port', '{port}'],
      cwd: 'apps/api',
      health: '/health',
      startTimeoutMs: 20000,
    },
    hotReload: {
      enabled: true,
      watch: {
        debounceMs: 50,
        usePolling: true,
        interval: 500,
        paths: [
          { pattern: 'apps/api/src/**/*.py', ignore: ['**/__pycache__/**', '**/test_*.py'] },
          'farm.config.ts',
        ],
      },
      typeGeneration: { generateOnRouteChange: false, outDir: 'web/src', pydantic: 1 },
      aiModels: false,
      database: { autoApply: 'none' },
      performance: { slowReloadThreshold: 3000, maxRetries: 5, cooldownPeriod: 1000 },
      errorRecovery: { fallbackToRestart: false },
    },
  },
  paths: { models: 'backend/models/**/*.py', client: 'lib/client.ts' },
} as const);
