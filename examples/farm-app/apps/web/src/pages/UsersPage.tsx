import { useState } from 'react';
import { UserCard } from '@/components/UserCard';
import { useDeleteUserMutation } from '@/hooks/api';
import { useUsers } from '@/hooks/useUsers';
import type { Role } from '@/types/models';

export default function UsersPage() {
  const [role, setRole] = useState<Role | undefined>(undefined);
  const { users, admins, isLoading, error } = useUsers(role);
  const deleteUser = useDeleteUserMutation();

  if (isLoading) return <p>Loading users…</p>;
  if (error) return <p role="alert">Could not load users: {error.message}</p>;

  return (
    <main>
      <h1>Users ({users.length}, {admins.length} admins)</h1>
      <select value={role ?? ''} onChange={(e) => setRole((e.target.value || undefined) as Role | undefined)}>
        <option value="">All roles</option>
        <option value="admin">Admins</option>
        <option value="member">Members</option>
        <option value="guest">Guests</option>
      </select>
      {users.map((user) => (
        <UserCard
          key={user._id ?? user.username}
          user={user}
          onSelect={(id) => deleteUser.mutate({ params: { user_id: id } })}
        />
      ))}
    </main>
  );
}
