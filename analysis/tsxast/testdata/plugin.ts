import { definePlugin } from '@farm-framework/core';

export default definePlugin({
  name: 'analytics',
  version: '1.0.0',
  frontend: { components: { AnalyticsPanel: { path: './components/AnalyticsPanel.tsx' } } },
});
