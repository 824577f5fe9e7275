// Calls every generated function and hook of the corpus app fullstack
// (compiled by TestTypeScriptCompiles with tsc --strict).
import type { Msg, Token, app__models__item__Item, app__schemas__item__Item, app__schemas__user__User } from './types/models';
import * as api from './services/api';
import * as hooks from './hooks/api';

export async function callAll(token: string): Promise<unknown[]> {
  api.setBaseUrl(api.getBaseUrl() + '/backend');
  api.setRequestInterceptor((_url, init) => {
    init.headers.set('Authorization', `Bearer ${token}`);
  });
  // The OAuth2 form is a form body, never a query string.
  const t: Token = await api.loginAccessToken({ username: 'a@example.com', password: 'secret' });
  const me: app__schemas__user__User = await api.testToken();
  const items: app__schemas__item__Item[] = await api.readItems({ skip: 0, limit: 10 });
  const created = await api.createItem({ title: 'chair' });
  const doc: app__models__item__Item = await api.readItemDocument({ id: created.id });
  const msg: Msg = await api.recoverPassword({ email: me.email ?? '' });
  const id = me.id ?? '';
  return [
    t.token_type,
    items.map((i) => i.owner_id),
    doc._id,
    msg.msg,
    await api.resetPassword({ token: t.access_token, new_password: 'new' }),
    (await api.readUsers()).length,
    // is_active / is_superuser have defaults and may be left out.
    await api.createUser({ email: 'b@example.com', password: 'p' }),
    await api.updateUserMe({ full_name: 'B' }),
    await api.updateUserMe(),
    await api.readUserMe(),
    await api.createUserOpen({ email: 'c@example.com', password: 'p' }),
    await api.readUserById({ user_id: id }),
    await api.updateUser({ user_id: id }, { is_superuser: true }),
    (await api.readUserDocument({ user_id: id })).hashed_password,
    await api.updateItem({ id: created.id }, { description: 'wooden' }),
    await api.deleteItem({ id: created.id }),
  ];
}

export function useAll(id: string) {
  return [
    hooks.useLoginAccessTokenMutation().mutate({ body: { username: 'a', password: 'b' } }),
    hooks.useTestTokenMutation().mutate(),
    hooks.useRecoverPasswordMutation().mutate({ params: { email: 'a@example.com' } }),
    hooks.useResetPasswordMutation().mutate({ body: { token: 't', new_password: 'p' } }),
    hooks.useReadUsers({ limit: 5 }).data?.length,
    hooks.useCreateUserMutation().mutate({ body: { email: 'e@example.com', password: 'p', is_active: false } }),
    hooks.useUpdateUserMeMutation().mutate({ body: { email: 'f@example.com' } }),
    hooks.useReadUserMe().data?.full_name,
    hooks.useCreateUserOpenMutation().mutate({ body: { email: 'g@example.com', password: 'p', full_name: 'G' } }),
    hooks.useReadUserById({ user_id: id }).data?.email,
    hooks.useUpdateUserMutation().mutate({ params: { user_id: id }, body: { password: 'q' } }),
    hooks.useReadUserDocument({ user_id: id }).data?.is_active,
    hooks.useReadItems().data?.length,
    hooks.useCreateItemMutation().mutate({ body: { title: 'lamp', description: 'bright' } }),
    hooks.useUpdateItemMutation().mutate({ params: { id }, body: {} }),
    hooks.useDeleteItemMutation().mutate({ params: { id } }),
    hooks.useReadItemDocument({ id }).data?.title,
  ];
}
