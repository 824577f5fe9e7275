// Calls every generated function and hook of the corpus app aliases, in
// both Pydantic modes (compiled by TestTypeScriptCompiles with tsc --strict):
// request and response fields are named by the alias generators.
import type { Account, Bundle, Prefixed, Slug } from './types/models';
import * as api from './services/api';
import * as hooks from './hooks/api';

export async function callAll(): Promise<unknown[]> {
  api.setBaseUrl(api.getBaseUrl());
  api.setRequestInterceptor(undefined);
  const account: Account = await api.createAccount({ UserId: 1, explicit: 'nick' });
  const slug: Slug = await api.createSlug({ 'page-title': 'Home' });
  const prefixed: Prefixed = await api.createPrefixed({ flagOpen: true, x_1_name: 'n' });
  const bundle: Bundle = await api.readBundle();
  return [
    account.X2YValue + account.UserId,
    slug['is-draft'],
    prefixed.x_3_utc_hour_opening,
    bundle.accounts.map((a) => a.HtmlUrl),
    (await api.createLowered({ firstName: 'Ada' })).lastSeenAt,
    (await api.createRegexed({ itemCount: 2, sku2: 'x' })).sku2,
    (await api.createLoud({ LEVEL: 11 })).MAX_VOLUME,
    (await api.createQualified({ ownerName: 'o' })).ownerName,
    (await api.createUpper({ ZIP_CODE: '10115' })).ZIP_CODE,
    (await api.createInherits({ UserId: 2, TeamSize: 5 })).TeamSize,
  ];
}

export function useAll() {
  return [
    hooks.useCreateAccountMutation().mutate({ body: { UserId: 3, IsActive: false } }),
    hooks.useCreateSlugMutation().mutate({ body: { 'page-title': 'About', 'is-draft': true } }),
    hooks.useCreateLoweredMutation().mutate({ body: { firstName: 'Grace' } }),
    hooks.useCreateRegexedMutation().mutate({ body: { itemCount: 1 } }),
    hooks.useCreateLoudMutation().mutate({ body: { LEVEL: 1, MAX_VOLUME: 2 } }),
    hooks.useCreatePrefixedMutation().mutate({ body: { flagOpen: false } }),
    hooks.useCreateQualifiedMutation().mutate({ body: { ownerName: 'p' } }),
    hooks.useCreateUpperMutation().mutate({ body: { ZIP_CODE: '1' } }),
    hooks.useCreateInheritsMutation().mutate({ body: { UserId: 4, TeamSize: 1, HtmlUrl: 'u' } }),
    hooks.useReadBundle().data?.slug?.['page-title'],
  ];
}
