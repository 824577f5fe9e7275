import { useState } from 'react';
import type { Role, User } from '@/types/models';

export interface UserCardProps {
  user: User;
  onSelect?: (id: string) => void;
  compact?: boolean;
}

const roleLabels: Record<Role, string> = {
  admin: 'Administrator',
  member: 'Member',
  guest: 'Guest',
};

export function UserCard({ user, onSelect, compact = false }: UserCardProps) {
  const [expanded, setExpanded] = useState(false);
  const name = user.full_name ?? user.username;

  return (
    <article className="user-card" onClick={() => user._id && onSelect?.(user._id)}>
      <header>
        <h3>{name}</h3>
        <span className={`role role-${user.role}`}>{roleLabels[user.role ?? 'member']}</span>
      </header>
      <a href={`mailto:${user.email}`}>{user.email}</a>
      {!compact && (
        <button type="button" onClick={() => setExpanded((v) => !v)}>
          {expanded ? 'Less' : 'More'}
        </button>
      )}
      {expanded && (
        <dl>
          <dt>Tags</dt>
          <dd>{(user.tags ?? []).join(', ') || '—'}</dd>
          <dt>City</dt>
          <dd>{user.address?.city ?? 'unknown'}</dd>
          <dt>Logins</dt>
          <dd>{user.login_count}</dd>
        </dl>
      )}
    </article>
  );
}
