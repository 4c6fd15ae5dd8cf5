// Tags on orders as the order list shows them: chips with the tag's label in the reader's language.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { render, screen } from '@testing-library/svelte';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApi } from '../src/lib/api.ts';
import type { OrderRow } from '../src/lib/api-types.ts';
import { APP_CONTEXT_KEY, makeAppContext } from '../src/lib/app-context.ts';
import { createTranslator, type Lang } from '../src/lib/i18n.ts';
import Orders from '../src/pages/Orders.svelte';

const ROW: OrderRow = {
  order_id: 'O-1',
  store_id: 'S001',
  status: 'paid',
  amount_fen: 60_000,
  channel: 'miniapp',
  created_at: null,
  status_at: '2026-03-02T02:00:00.000Z',
  last_event_at: '2026-03-02T02:00:00.000Z',
  stalled: false,
  open_alerts: 1,
  tags: ['priority'],
  href: '/v1/orders/O-1',
};

let server: Server;
let base: string;

beforeAll(async () => {
  server = createServer((req, res) => {
    res.setHeader('access-control-allow-origin', '*');
    res.setHeader('access-control-allow-headers', 'authorization, accept, content-type');
    if (req.method === 'OPTIONS') {
      res.statusCode = 204;
      res.end();
      return;
    }
    res.setHeader('content-type', 'application/json');
    res.end(
      JSON.stringify({ orders: [ROW], next_before: null, counts: { by_status: { paid: 1 }, stalled: 0 } }),
    );
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(() => {
  server.close();
});

function context(lang: Lang) {
  return new Map([
    [APP_CONTEXT_KEY, makeAppContext(lang, createTranslator(lang), createApi('tok', undefined, base))],
  ]);
}

describe('order tags on the order list', () => {
  it('shows a tag chip in the order list, in Chinese and in English', async () => {
    const zh = render(Orders, { context: context('zh') });
    expect((await screen.findByTestId('order-tag')).textContent).toBe('优先处理');
    zh.unmount();
    render(Orders, { context: context('en') });
    expect((await screen.findByTestId('order-tag')).textContent).toBe('Priority');
  });
});
