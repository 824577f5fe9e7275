export default defineConfig({
  databse: { url: 'mongodb://x' },
  database: { url: getUrl() },
  plugins: 'analytics',
  development: {
    ports: { frontend: '3000', backend: 8000.5 },
    hotReload: {
      watch: true,
      typeGeneration: false,
      database: { autoApply: 'sometimes' },
      performance: { maxRetries: -1, extra: 1 },
    },
  },
  paths: { models: '[unclosed' },
});
