// Calls every generated function and hook of the corpus app catalog
// (compiled by TestTypeScriptCompiles with tsc --strict).
import type { Category, PriceChangeInput, ProductInInput, ProductOut } from './types/models';
import * as api from './services/api';
import * as hooks from './hooks/api';

export async function callAll(user: string): Promise<unknown[]> {
  api.setBaseUrl(api.getBaseUrl());
  api.setRequestInterceptor(undefined);
  // camelCase aliases; tagList has a default and may be left out.
  const input: ProductInInput = { displayName: 'Lamp', unitPrice: 12.5 };
  const created: ProductOut = await api.createProduct({ 'x-user': user }, input);
  const change: PriceChangeInput = { newPrice: 10 };
  const list: ProductOut[] = await api.listProducts({ limit: 20, offset: 0 });
  const tools: Category = 'tools';
  const byCategory: { [key: string]: ProductOut } = await api.byCategory({ category: tools, tags: ['new'], 'X-Request-ID': 'r1' });
  return [
    Object.keys(byCategory),
    (await api.patchProduct({ product_id: created.productId, 'x-user': user }, { unitPrice: 9 })).unitPrice,
    await api.deleteProduct({ product_id: created.productId, 'x-user': user }),
    list.map((p) => p.productId),
    (await api.getProduct({ product_id: created.productId })).stockLevel,
    await api.changePrice({ product_id: created.productId, 'x-user': user }, { change, note: 'sale' }),
  ];
}

export function useAll(id: string, user: string) {
  return [
    hooks.useListProducts().data?.length,
    hooks.useCreateProductMutation().mutate({ params: { 'x-user': user }, body: { displayName: 'a', unitPrice: 1, tagList: ['x'] } }),
    hooks.useGetProduct({ product_id: id }).data?.displayName,
    hooks.useByCategory({ category: 'food' }).data,
    hooks.usePatchProductMutation().mutate({ params: { product_id: id, 'x-user': user }, body: { category: 'food' } }),
    hooks.useDeleteProductMutation().mutate({ params: { product_id: id, 'x-user': user } }),
    hooks.useChangePriceMutation().mutate({ params: { product_id: id, 'x-user': user }, body: { change: { newPrice: 2, reasonCode: 'promo' }, note: 'n' } }),
  ];
}
