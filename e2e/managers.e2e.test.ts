// Managers' views in real headless Chromium, fed through the public API: a day of paid orders and
// the WeChat Pay bill for it (POST /v1/bills/wechatpay), then the store trends against the chain
// average with CSV export, resolving a reconciliation pool item, and a rule set with errors.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BrowserSession, launchBrowser, screenshot } from './support/browser.ts';
import { startTarget, type Target } from './support/target.ts';
import { reconciliationDay, yesterdayInChina } from './support/wechat-bill.ts';

let browser: BrowserSession;
let target: Target;
let page: Page;

const get = async (p: string) =>
  (await (
    await fetch(`${target.url}${p}`, { headers: { authorization: `Bearer ${target.tokens.viewer}` } })
  ).json()) as Record<string, unknown>;

beforeAll(async () => {
  target = await startTarget();
  browser = await launchBrowser();
  const { events, bill } = reconciliationDay(yesterdayInChina(), { S2: 1, S3: 4 });
  await target.ingest(events);
  const res = await fetch(`${target.url}/v1/bills/wechatpay`, {
    method: 'POST',
    headers: { authorization: `Bearer ${target.tokens.operator}`, 'content-type': 'text/csv' },
    body: bill,
  });
  expect(res.status).toBe(200);
  page = await browser.newPage({ width: 1440, height: 900 });
  await page.goto(`${target.url}/?token=${target.tokens.operator}#/stores`);
});

afterAll(async () => {
  await browser?.close();
  await target?.close();
});

describe('manager pages', () => {
  it('shows store trends against the chain average, the worst store and its devices, and exports CSV', async () => {
    await page.getByTestId('offenders').waitFor();
    // What the API says is the worst store over the range is the first row, with its worst device.
    const report = (await get(
      `/v1/reconciliation/stores?from=${yesterdayInChina(Date.now() - 13 * 86_400_000)}&to=${yesterdayInChina(Date.now() + 86_400_000)}`,
    )) as {
      stores: {
        store_id: string;
        days: { rate: number }[];
        devices: { device_id: string; missing: number }[];
      }[];
    };
    const mean = (s: (typeof report.stores)[number]) =>
      s.days.reduce((a, d) => a + d.rate, 0) / (s.days.length || 1);
    const worst = [...report.stores].sort((a, b) => mean(b) - mean(a))[0]!;
    // The bill leaves 4 of S3's payments without an order (S2: 1), all from its one till.
    expect(worst.store_id).toBe('S3');
    const worstDevice = [...worst.devices].sort((a, b) => b.missing - a.missing)[0];
    expect(worstDevice).toMatchObject({ device_id: 'POS-S3-1', missing: 4 });
    const first = page.locator('[data-testid=offenders] tbody tr').first();
    expect(await first.locator('td').first().textContent()).toBe('S3');
    expect(await first.textContent()).toContain('POS-S3-1');
    expect(await page.locator('[data-testid=offenders] tbody tr').count()).toBe(
      Math.min(20, report.stores.length),
    );
    const width = await page.getByTestId('stores-chart').evaluate((c: HTMLCanvasElement) => c.width);
    expect(width).toBeGreaterThan(300);

    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByTestId('export-csv').click(),
    ]);
    const csv = fs.readFileSync((await download.path())!, 'utf8').replace(/^\uFEFF/, '');
    const lines = csv.trimEnd().split('\r\n');
    expect(lines[0]).toBe('store_id,day,orders,missing,missing_rate');
    expect(lines.some((l) => l.startsWith('*chain*,'))).toBe(true);
    expect(lines.filter((l) => l.startsWith(`${worst.store_id},`)).length).toBe(worst.days.length);
    await screenshot(page, 'stores');
    expect(browser.errors).toEqual([]);
  });

  it('resolves a reconciliation pool item with a note, with both sides of the evidence shown', async () => {
    await page.goto(`${target.url}/?token=${target.tokens.operator}#/reconciliation`);
    const rows = page.getByTestId('pending-row');
    const before = ((await get('/v1/reconciliation/pending')).items as unknown[]).length;
    expect(before).toBeGreaterThan(1);
    await expect.poll(() => rows.count()).toBe(before);
    await screenshot(page, 'reconciliation');
    const fuzzy = rows.filter({ hasText: '模糊匹配' }).first();
    expect(await fuzzy.textContent()).toContain('7788');
    // Both sides: the bill's payment and the candidate order.
    expect(await fuzzy.locator('dt.side').allTextContents()).toEqual(['账单', '订单']);
    await fuzzy.getByRole('button', { name: '处理' }).click();
    await page.locator('form.resolve select').selectOption('matched');
    await page.locator('form.resolve input').fill('同一笔，POS 订单号录错');
    await page.locator('form.resolve button[type=submit]').click();
    await expect.poll(() => rows.count()).toBe(before - 1);
    expect(browser.errors).toEqual([]);
  });

  it('filters the pool by store and resolves the chosen items at once with one note', async () => {
    const rows = page.getByTestId('pending-row');
    await page.getByTestId('pool-filter-store').fill('S3');
    const s3 = ((await get('/v1/reconciliation/pending?store_id=S3')).items as { id: string }[]).map(
      (i) => i.id,
    );
    expect(s3.length).toBeGreaterThan(1);
    await expect
      .poll(async () => (await rows.evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-id')))).sort())
      .toEqual([...s3].sort());
    for (const id of s3)
      await page.locator(`[data-testid=pending-row][data-id="${id}"] [data-testid=pending-select]`).check();
    await page.getByTestId('pool-bulk-resolution').selectOption('write_off');
    await page.getByTestId('pool-bulk-note').fill('S3 收银机漏单，已补录');
    await page.getByTestId('pool-bulk-submit').click();
    await page
      .getByRole('status')
      .filter({ hasText: `已处理 ${s3.length} 项` })
      .waitFor();
    await expect.poll(() => rows.count()).toBe(0);
    const audit = (await get('/v1/audit?action=reconciliation.resolve')).entries as { note?: string }[];
    expect(audit.filter((e) => e.note === 'S3 收银机漏单，已补录')).toHaveLength(s3.length);
    expect(browser.errors).toEqual([]);
  });

  it('shows a pool item that a later order event explained as resolved automatically, with that evidence', async () => {
    const items = (await get('/v1/reconciliation/pending')).items as {
      kind: string;
      store_id: string;
      amount_fen: number;
      bill: { merchant_order_no: string; paid_at: string } | null;
    }[];
    const ghost = items.find((i) => i.kind === 'unmatched_payment')!;
    // The order system reports the order the bill paid, late.
    await target.ingest([
      {
        id: `late-${ghost.bill!.merchant_order_no}`,
        type: 'order.status',
        occurred_at: ghost.bill!.paid_at,
        order_id: ghost.bill!.merchant_order_no,
        store_id: ghost.store_id,
        status: 'created',
        amount_fen: ghost.amount_fen,
      },
    ]);
    const automatic = async () =>
      (
        (await get('/v1/reconciliation/pending?status=resolved')).items as {
          resolved_automatically: boolean;
        }[]
      ).filter((i) => i.resolved_automatically).length;
    await expect.poll(automatic, { timeout: 15_000 }).toBe(1);
    await page.goto(`${target.url}/?token=${target.tokens.operator}#/reconciliation`);
    await page.reload();
    const auto = page.getByTestId('auto-resolved-row');
    await auto.first().waitFor();
    expect(await auto.count()).toBe(1);
    expect(await auto.first().getByTestId('auto-badge').textContent()).toBe('自动匹配');
    expect(await auto.first().textContent()).toContain(ghost.bill!.merchant_order_no);
    expect(await auto.first().locator('dt.side').allTextContents()).toEqual(['后续凭证']);
    expect(browser.errors).toEqual([]);
  });

  it('shows rule validation errors while the last good rule set keeps running', async () => {
    // A copy of alert-rules/ with a typo in a built-in rule's parameters.
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orderpulse-rules-'));
    fs.cpSync('alert-rules', dir, { recursive: true });
    fs.appendFileSync(path.join(dir, 'rules.yaml'), '\n  tracking_silent:\n    limt: 48h\n');
    const broken = await startTarget({ rulesDir: dir });
    try {
      const p = await browser.newPage({ width: 1440, height: 900 });
      await p.goto(`${broken.url}/?lang=en&token=${broken.tokens.viewer}#/rules`);
      await p.getByTestId('rules-table').waitFor();
      expect(await p.getByTestId('rules-validity').textContent()).toContain('last good rule set');
      expect(await p.locator('ul.errors li').count()).toBeGreaterThan(0);
      await screenshot(p, 'rules-invalid');
      await p.close();
    } finally {
      await broken.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
    expect(browser.errors).toEqual([]);
  });
});
