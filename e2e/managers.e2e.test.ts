// Managers' views whose data the collector only builds from imported provider bills (store trends,
// the reconciliation pool) and an invalid rule set, against the contract-speaking fake with fixtures:
// the trend chart against the chain average with CSV export, resolving a pool item, rule errors.
import fs from 'node:fs';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BrowserSession, launchBrowser, screenshot } from './support/browser.ts';
import { startFakeTarget, type Target } from './support/target.ts';

let browser: BrowserSession;
let target: Target;
let page: Page;

beforeAll(async () => {
  target = await startFakeTarget();
  browser = await launchBrowser();
  page = await browser.newPage({ width: 1440, height: 900 });
  await page.goto(`${target.url}/?token=${target.tokens.operator}#/stores`);
});

afterAll(async () => {
  await browser?.close();
  await target?.close();
});

describe('manager pages', () => {
  it('shows store trends against the chain average, top offenders with devices, and exports CSV', async () => {
    await page.getByTestId('offenders').waitFor();
    const first = page.locator('[data-testid=offenders] tbody tr').first();
    expect(await first.textContent()).toContain('S003');
    expect(await first.textContent()).toContain('POS-03-2');
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByTestId('export-csv').click(),
    ]);
    const csv = fs.readFileSync((await download.path())!, 'utf8');
    expect(csv.replace(/^\uFEFF/, '').split('\r\n')[0]).toBe('store_id,day,orders,missing,missing_rate');
    expect(csv).toContain('*chain*');
    await screenshot(page, 'stores');
    expect(browser.errors).toEqual([]);
  });

  it('resolves a reconciliation pool item with a note, with both sides of the evidence shown', async () => {
    await page.goto(`${target.url}/?token=${target.tokens.operator}#/reconciliation`);
    const rows = page.getByTestId('pending-row');
    await expect.poll(() => rows.count()).toBe(2);
    await screenshot(page, 'reconciliation');
    const fuzzy = rows.filter({ hasText: '模糊匹配' });
    expect(await fuzzy.textContent()).toContain('S001-A-0042');
    expect(await fuzzy.textContent()).toContain('S001-0042');
    await fuzzy.getByRole('button', { name: '处理' }).click();
    await page.locator('form.resolve select').selectOption('matched');
    await page.locator('form.resolve input').fill('同一笔，POS 订单号录错');
    await page.locator('form.resolve button[type=submit]').click();
    await expect.poll(() => rows.count()).toBe(1);
    expect(browser.errors).toEqual([]);
  });

  it('shows rule validation errors while the last good rule set keeps running', async () => {
    await page.goto(`${target.url}/?lang=en&token=${target.tokens.viewer}#/rules`);
    await page.getByTestId('rules-table').waitFor();
    expect(await page.getByTestId('rules-validity').textContent()).toContain('last good rule set');
    expect(await page.getByText('unknown field "regoin"').count()).toBe(1);
    expect(await page.getByTestId('rules-table').textContent()).toContain('amount_fen > 50000');
    await screenshot(page, 'rules-invalid');
    expect(browser.errors).toEqual([]);
  });
});
