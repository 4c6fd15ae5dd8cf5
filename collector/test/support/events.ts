// Wire events for tests, in the contract's shape.
let counter = 0;

export function orderStatus(fields: {
  order: string;
  status: string;
  at: string;
  store?: string;
  id?: string;
  amount_fen?: number;
}) {
  return {
    id: fields.id ?? `ev-${++counter}-${fields.order}-${fields.status}`,
    type: 'order.status',
    occurred_at: fields.at,
    order_id: fields.order,
    store_id: fields.store ?? 'store-1',
    status: fields.status,
    ...(fields.amount_fen !== undefined && { amount_fen: fields.amount_fen }),
  };
}

export function paymentNotify(fields: {
  order: string;
  at: string;
  txn: string;
  amount_fen: number;
  id?: string;
}) {
  return {
    id: fields.id ?? `pay-${++counter}`,
    type: 'payment.notify',
    occurred_at: fields.at,
    order_id: fields.order,
    store_id: 'store-1',
    provider: 'wechatpay',
    transaction_id: fields.txn,
    amount_fen: fields.amount_fen,
    status: 'success',
  };
}

export const ndjson = (items: unknown[]) => `${items.map((i) => JSON.stringify(i)).join('\n')}\n`;
