import { defineConfig } from '@farm-framework/core';

export default defineConfig({
  database: { url: process.env.DATABASE_URL || 'mongodb://127.0.0.1:27017/app' },
  ai: {
    providers: {
      ollama: { enabled: true, url: 'http://127.0.0.1:11434', models: ['llama3.1'], defaultModel: 'llama3.1' },
    },
  },
  plugins: ['analytics'],
  development: { hotReload: { watch: { debounceMs: 100 } } },
});
