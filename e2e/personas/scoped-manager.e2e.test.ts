// A store manager whose token is scoped to one store (ORDERPULSE_TOKENS_FILE) opens the unchanged
// dashboard in real Chromium: the orders page and the alerts page show only that store, while the
// same pages with the chain's token show the other store too.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type BrowserSession, launchBrowser } from '../support/browser.ts';
import { minutesAgo, orderStatus } from '../support/events.ts';
import { startTarget, type Target } from '../support/target.ts';

const MANAGER = 'manager-s001-secret';
let dir: string;
let target: Target;
let browser: BrowserSession;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'op-e2e-tokens-'));
  const file = path.join(dir, 'tokens.yaml');
  fs.writeFileSync(
    file,
    `tokens:\n  - name: s001-manager\n    role: viewer\n    secret: ${MANAGER}\n    stores: [S001]\n`,
  );
  target = await startTarget({ env: { ORDERPULSE_TOKENS_FILE: file } });
  browser = await launchBrowser();
  // Paid ten minutes ago and never picked: an order_stalled alert for each, in both stores.
  const paidAt = minutesAgo(10);
  await target.ingest(
    ['S001', 'S001', 'S002', 'S002', 'S002'].map((store, i) =>
      orderStatus(`SC-${store}-${i}`, store, 'paid', paidAt),
    ),
  );
  await vi.waitFor(
    async () => {
      const res = await fetch(`${target.url}/v1/alerts`, {
        headers: { authorization: `Bearer ${target.tokens.viewer}` },
      });
      expect(((await res.json()) as { alerts: unknown[] }).alerts).toHaveLength(5);
    },
    { timeout: 30_000, interval: 250 },
  );
});

afterAll(async () => {
  await browser?.close();
  await target?.close();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

describe('a store-scoped manager', () => {
  it('sees only its store on the orders page and the alerts page', async () => {
    const page = await browser.newPage({ width: 1440, height: 900 });
    const orderIds = () =>
      page
        .getByTestId('order-row')
        .evaluateAll((rows) => rows.map((r) => r.getAttribute('data-order-id')).sort());
    const groupStores = () =>
      page
        .getByTestId('alert-group')
        .evaluateAll((rows) => rows.map((r) => r.getAttribute('data-store')).sort());

    // The chain's token first: both stores are there, so the scoped view below could fail.
    await page.goto(`${target.url}/?token=${target.tokens.viewer}#/orders`);
    await expect.poll(orderIds, { timeout: 15_000 }).toHaveLength(5);
    await page.goto(`${target.url}/?token=${target.tokens.viewer}#/alerts`);
    await expect.poll(groupStores, { timeout: 15_000 }).toEqual(['S001', 'S002']);

    await page.goto(`${target.url}/?token=${MANAGER}#/orders`);
    await page.reload();
    await expect.poll(orderIds, { timeout: 15_000 }).toEqual(['SC-S001-0', 'SC-S001-1']);
    await page.goto(`${target.url}/?token=${MANAGER}#/alerts`);
    await expect.poll(groupStores, { timeout: 15_000 }).toEqual(['S001']);
  });
});
