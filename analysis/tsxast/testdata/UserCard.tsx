import React, { forwardRef, memo, useEffect, useState } from 'react';
import type { User } from '../types/models';
import { useUsers } from '../hooks/api';
import './UserCard.css';

export interface UserCardProps {
  user: User;
  onSelect?: (id: string) => void;
  compact?: boolean;
}

type BadgeProps = { label: string; tone: 'info' | 'warn' };

/** Shows one user. */
export function UserCard({ user, onSelect, compact = false }: UserCardProps) {
  const [open, setOpen] = useState(false);
  useEffect(() => {
    document.title = user.name;
  }, [user.name]);
  function Avatar() {
    const [loaded] = useState(false); // a nested component: its hooks are its own
    return <img alt={user?.email} data-loaded={loaded} />;
  }
  return (
    <div className="card" onClick={() => onSelect?.(user.id)}>
      <Avatar />
      {open && !compact ? <p>{user.address?.city}</p> : null}
      <button onClick={() => setOpen(!open)}>Größe ändern 😀</button>
    </div>
  );
}

export const Badge = ({ label, tone }: BadgeProps) => <span className={`badge ${tone}`}>{label}</span>;

export const MemoList = memo(function MemoList(props: { ids: string[] }) {
  const { data } = useUsers();
  return <ul>{props.ids.map((id) => <li key={id}>{data?.byId[id]?.name}</li>)}</ul>;
});

export const FancyInput = forwardRef<HTMLInputElement, { placeholder?: string }>((props, ref) => (
  <input ref={ref} placeholder={props.placeholder} />
));

export const Typed: React.FC<BadgeProps> = ({ label }) => {
  const ctx = React.useContext(ThemeContext);
  return <b style={ctx.style}>{label}</b>;
};

const ThemeContext = React.createContext({ style: {} });

export default function () {
  const users = useUsers();
  return <UserCard user={users.data[0]} />;
}
