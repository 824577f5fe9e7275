// Calls every generated function and hook of names.py (compiled by
// TestTypeScriptCompiles in both Pydantic modes).
import type { Product, StatusResponse as StatusModel } from './types/models';
import type { StatusResponse } from './types/api';
import * as api from './services/api';
import * as hooks from './hooks/api';

export async function callAll(): Promise<unknown[]> {
  api.setRequestInterceptor((_url, init) => {
    init.headers.set('Authorization', 'Bearer token');
  });
  const s: StatusResponse = await api.status({ verbose: true });
  const m: StatusModel = s;
  // Fields with a default may be left out of a request body (in_stock, tags).
  const p: Product = await api.createProduct({ sku: 'a', name: 'b', price: 1 });
  const inStock: boolean = p.in_stock;
  return [
    m.ok,
    inStock,
    await api.statusParams({ verbose: false }),
    await api.queryQueryGet({ q: 'x' }),
    await api.xMutation(),
    await api.xXPost(),
    await api.baseUrlBaseUrlGet(),
    await api.requestRequestGet(),
    await api.uRLSearchUrlSearchGet({ q: 'y' }),
    await api.createUser({ name: 'n' }),
    new URLSearchParams({ a: 'b' }).toString(),
  ];
}

export function useAll() {
  const init: RequestInit = { headers: { 'X-Trace': '1' } };
  return [
    hooks.useStatus({ verbose: true }, undefined, init).data?.ok,
    hooks.useStatusParamsMutation(undefined, init).mutate({ body: { verbose: true } }),
    hooks.useQueryQueryGet({ q: 'x' }).data,
    hooks.useXMutation().data,
    hooks.useXXPostMutation().mutate(),
    hooks.useBaseUrlBaseUrlGet().data,
    hooks.useRequestRequestGet().data,
    hooks.useURLSearchUrlSearchGet({ q: 'y' }).data,
    hooks.useCreateProductMutation().mutate({ body: { sku: 'a', name: 'b', price: 2 } }),
    hooks.useCreateUserMutation().mutate({ body: { name: 'n' } }),
  ];
}
