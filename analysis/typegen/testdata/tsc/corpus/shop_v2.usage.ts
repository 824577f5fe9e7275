// Calls every generated function and hook of the corpus app shop_v2
// (compiled by TestTypeScriptCompiles with tsc --strict).
import type { Category, Customer, Order, Product, Review } from './types/models';
import type { PlaceOrderBody } from './types/api';
import * as api from './services/api';
import * as hooks from './hooks/api';

export async function callAll(apiKey: string): Promise<unknown[]> {
  api.setBaseUrl(api.getBaseUrl());
  api.setRequestInterceptor((_url, init) => {
    init.headers.set('X-Api-Key', apiKey);
  });
  const games: Category = 'games';
  const products: Product[] = await api.listProducts({ category: games, limit: 10 });
  // camelCase aliases; stockCount and category have defaults.
  const created: Product = await api.createProduct({ displayName: 'Dice', unitPrice: 3 });
  const review: Review = await api.postReview({ product_id: created.productId }, { rating: 5 });
  const order: PlaceOrderBody = {
    customerId: 'c1',
    lines: [{ product: { ...created, imageUrls: undefined }, quantity: 2 }],
    deliveryDate: '2026-12-24',
  };
  const placed: Order = await api.placeOrder(order);
  const customer: Customer = await api.getCustomer({ customer_id: placed.customerId });
  // Query parameters by their aliases; a Decimal is a string in output.
  const paid: Order[] = await api.listOrders({ 'page-size': 50, status: 'paid' });
  const totals: string[] = paid.map((o) => `${o.grandTotal} ${o.status} ${o.placedAt} ${o.tracking ?? ''}`);
  return [
    products.map((p) => p.imageUrls.length),
    review.starRating,
    placed.lines.map((l) => l.product.displayName),
    placed.totals['net'],
    totals,
    customer.shippingAddress?.countryCode,
    (await api.health()).status,
    // Generic pages: Page[Product], Page[Review].
    (await api.pageProducts({ page: 2, size: 100 })).items.map((p) => p.displayName),
    (await api.pageReviews()).items.map((r) => r.starRating).concat([(await api.pageReviews({ page: 3 })).total]),
    // A discriminated union narrows on its tag.
    await payWith(placed.orderId),
  ];
}

async function payWith(orderId: string): Promise<string> {
  const receipt = await api.payOrder(
    { order_id: orderId },
    { method: { kind: 'sepa', iban: 'DE00' }, splitWith: [{ kind: 'gift', code: 'G1' }, { kind: 'card', cardLastFour: '4242' }] },
  );
  return `${receipt.receipt_id} ${describe(receipt.method)}`;
}

function describe(m: Awaited<ReturnType<typeof api.payOrder>>['method']): string {
  switch (m.kind) {
    case 'card':
      return m.cardLastFour;
    case 'sepa':
    case 'wire':
      return m.iban;
    case 'gift':
      return m.code;
  }
}

export function useAll(id: string) {
  return [
    hooks.useListProducts({ limit: 5 }).data?.[0]?.category,
    hooks.useCreateProductMutation().mutate({ body: { displayName: 'Cards', unitPrice: 2, category: 'games' } }),
    hooks.usePostReviewMutation().mutate({ params: { product_id: id }, body: { rating: 4, text: 'fun' } }),
    hooks.usePlaceOrderMutation().mutate({ body: { customerId: 'c2', lines: [] } }),
    hooks.useGetCustomer({ customer_id: id }).data?.fullName,
    hooks.useHealth().data?.status,
    hooks.usePageProducts({ size: 10 }).data?.items[0]?.productId,
    hooks.usePageReviews().data?.page,
    hooks.useListOrders({ status: 'shipped' }).data?.[0]?.grandTotal,
    hooks.usePayOrderMutation().mutate({ params: { order_id: id }, body: { method: { kind: 'card', cardLastFour: '1234' } } }),
  ];
}
