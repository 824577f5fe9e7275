// Calls every generated function and hook of the corpus app fullstack_v2
// (compiled by TestTypeScriptCompiles with tsc --strict).
import type { ItemsPublic, Message, Token, UsersPublic, app__models__item__Item, app__schemas__user__User } from './types/models';
import * as api from './services/api';
import * as hooks from './hooks/api';

export async function callAll(token: string): Promise<unknown[]> {
  api.setBaseUrl(api.getBaseUrl() + '/backend');
  api.setRequestInterceptor((_url, init) => {
    init.headers.set('Authorization', `Bearer ${token}`);
  });
  const t: Token = await api.loginAccessToken({ username: 'a@example.com', password: 'secret123' });
  const me: app__schemas__user__User = await api.testToken();
  const users: UsersPublic = await api.readUsers({ skip: 0, limit: 10 });
  const items: ItemsPublic = await api.readItems();
  const created = await api.createItem({ title: 'chair', description: null });
  const doc: app__models__item__Item = await api.readItemDocument({ id: created.id });
  const bye: Message = await api.deleteItem({ id: doc._id ?? created.id });
  return [
    t.access_token,
    me.email,
    users.count,
    items.data.map((i) => i.owner_id),
    bye.message,
    await api.recoverPassword({ email: me.email }),
    await api.resetPassword({ token: t.access_token, new_password: 'new-secret' }),
    // Fields with defaults (is_active, is_superuser) may be left out.
    await api.createUser({ email: 'b@example.com', password: 'password1' }),
    await api.updateUserMe({ full_name: 'B' }),
    await api.readUserMe(),
    await api.deleteUserMe(),
    await api.updatePasswordMe({ current_password: 'password1', new_password: 'password2' }),
    await api.registerUser({ email: 'c@example.com', password: 'password3', full_name: null }),
    await api.readUserById({ user_id: me.id }),
    await api.updateUser({ user_id: me.id }, { is_superuser: true }),
    await api.deleteUser({ user_id: me.id }),
    (await api.readUserDocument({ user_id: me.id })).hashed_password,
    await api.testEmail({ email_to: 'd@example.com' }),
    (await api.healthCheck()) === true,
    (await api.legacyHealth()) === true, // deprecated=True; /utils/version (include_in_schema=False) has no client function
    await api.readItem({ id: created.id }),
    await api.updateItem({ id: created.id }, { title: 'table' }),
  ];
}

export function useAll(id: string) {
  return [
    hooks.useLoginAccessTokenMutation().mutate({ body: { username: 'a', password: 'b' } }),
    hooks.useTestTokenMutation().mutate(),
    hooks.useRecoverPasswordMutation().mutate({ params: { email: 'a@example.com' } }),
    hooks.useResetPasswordMutation().mutate({ body: { token: 't', new_password: 'p' } }),
    hooks.useReadUsers({ limit: 5 }).data?.count,
    hooks.useCreateUserMutation().mutate({ body: { email: 'e@example.com', password: 'p' } }),
    hooks.useUpdateUserMeMutation().mutate({ body: { email: null } }),
    hooks.useReadUserMe().data?.id,
    hooks.useDeleteUserMeMutation().mutate(),
    hooks.useUpdatePasswordMeMutation().mutate({ body: { current_password: 'a', new_password: 'b' } }),
    hooks.useRegisterUserMutation().mutate({ body: { email: 'f@example.com', password: 'p' } }),
    hooks.useReadUserById({ user_id: id }).data?.email,
    hooks.useUpdateUserMutation().mutate({ params: { user_id: id }, body: { password: null } }),
    hooks.useDeleteUserMutation().mutate({ params: { user_id: id } }),
    hooks.useReadUserDocument({ user_id: id }).data?.is_active,
    hooks.useTestEmailMutation().mutate({ params: { email_to: 'g@example.com' } }),
    hooks.useHealthCheck().data,
    hooks.useLegacyHealth().data,
    hooks.useReadItems().data?.data.length,
    hooks.useCreateItemMutation().mutate({ body: { title: 'lamp' } }),
    hooks.useReadItem({ id }).data?.title,
    hooks.useUpdateItemMutation().mutate({ params: { id }, body: {} }),
    hooks.useDeleteItemMutation().mutate({ params: { id } }),
    hooks.useReadItemDocument({ id }).data?.created_at,
  ];
}
