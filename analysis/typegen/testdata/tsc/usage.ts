// Uses the generated files of the example app the way application code
// does; compiled with tsc --strict --noEmit by TestTypeScriptCompiles.
import type { Conversation, Item, Page_Item_, Role, User, UserCreate } from '@/types/models';
import type { ListUsersParams, SetItemPriceBody } from '@/types/api';
import { ApiError, createUser, getUser, listItems, listUsers, setBaseUrl, setItemPrice } from '@/services/api';
import { queryKeys, useCreateUserMutation, useGetUser, useListItems, useListUsers } from '@/hooks/api';

setBaseUrl('http://127.0.0.1:8000');

export async function demo(): Promise<string[]> {
  const params: ListUsersParams = { limit: 10, role: 'admin' satisfies Role };
  const users: User[] = await listUsers(params);
  const payload: UserCreate = { email: 'a@example.com', username: 'a', role: 'member' };
  const created: User = await createUser(payload);
  const again = await getUser({ user_id: created._id ?? '' });
  const page: Page_Item_ = await listItems({ page: 1, q: 'chair', tags: ['red'] });
  const first: Item | undefined = page.items[0];
  const body: SetItemPriceBody = { price: 10 };
  if (first) await setItemPrice({ item_id: first.id }, body);
  try {
    await getUser({ user_id: 'missing' });
  } catch (e) {
    if (e instanceof ApiError && e.status === 404) return [];
  }
  const conversation: Conversation | null = null;
  void conversation;
  return [...users.map((u) => u.email), again.username];
}

export function useEverything(userId: string) {
  const list = useListUsers({ skip: 0 });
  const one = useGetUser({ user_id: userId }, { enabled: userId !== '' });
  const items = useListItems();
  const create = useCreateUserMutation({ onSuccess: (user) => void user.email });
  create.mutate({ body: { email: 'b@example.com', username: 'b', role: 'guest' } });
  const key: readonly unknown[] = queryKeys.getUser({ user_id: userId });
  const emails: string[] = (list.data ?? []).map((u) => u.email);
  const err: ApiError | null = one.error;
  return { emails, key, err, total: items.data?.total ?? 0 };
}
