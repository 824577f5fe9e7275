import { useEffect, useState } from 'react';

export interface AnalyticsPanelProps {
  title?: string;
  refreshMs?: number;
}

interface Counter {
  page: string;
  views: number;
}

export default function AnalyticsPanel({ title = 'Analytics', refreshMs = 10000 }: AnalyticsPanelProps) {
  const [counters, setCounters] = useState<Counter[]>([]);

  useEffect(() => {
    const tick = () => {
      setCounters((current) =>
        current.length === 0
          ? [{ page: window.location.pathname, views: 1 }]
          : current.map((c) => (c.page === window.location.pathname ? { ...c, views: c.views + 1 } : c)),
      );
    };
    tick();
    const id = window.setInterval(tick, refreshMs);
    return () => window.clearInterval(id);
  }, [refreshMs]);

  return (
    <aside className="analytics-panel">
      <h2>{title}</h2>
      <ul>
        {counters.map((c) => (
          <li key={c.page}>
            {c.page}: {c.views}
          </li>
        ))}
      </ul>
    </aside>
  );
}
