import { useMemo } from 'react';
import { useListUsers } from '@/hooks/api';
import type { Role, User } from '@/types/models';

export interface UsersState {
  users: User[];
  admins: User[];
  isLoading: boolean;
  error: Error | null;
}

/** Users of one role (all when role is undefined), with admins split out. */
export function useUsers(role?: Role): UsersState {
  const query = useListUsers({ role, limit: 100 });
  const users = useMemo(() => query.data ?? [], [query.data]);
  const admins = useMemo(() => users.filter((user) => user.role === 'admin'), [users]);
  return { users, admins, isLoading: query.isLoading, error: query.error };
}
