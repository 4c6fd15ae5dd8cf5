// Operators in real headless Chromium against the collector: acknowledging an alert with a note
// (and the wall seeing it live), silencing from an alert, the audit trail, the order drill-down,
// the rules view, and a viewer being told that acting needs the operator role.
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BrowserSession, launchBrowser, screenshot } from './support/browser.ts';
import { minutesAgo, orderStatus, payment, shipment } from './support/events.ts';
import { startTarget, type Target } from './support/target.ts';

let browser: BrowserSession;
let target: Target;
let page: Page;
let wall: Page;

const ORDER = 'S001-ACK-1';

beforeAll(async () => {
  target = await startTarget();
  browser = await launchBrowser();
  // Both orders were paid minutes ago and never picked: `order_stalled` fires as they arrive.
  await target.ingest([
    orderStatus(ORDER, 'S001', 'created', minutesAgo(9)),
    payment(ORDER, 'S001', 'alipay', minutesAgo(8)),
    orderStatus(ORDER, 'S001', 'paid', minutesAgo(8)),
    shipment(ORDER, 'S001', 'SF', 'created', minutesAgo(7)),
    orderStatus('S002-ACK-2', 'S002', 'created', minutesAgo(7)),
    orderStatus('S002-ACK-2', 'S002', 'paid', minutesAgo(6)),
  ]);
});

afterAll(async () => {
  await browser?.close();
  await target?.close();
});

describe('operator pages', () => {
  it('signs in as operator and acknowledges an alert with a note; the audit trail records it', async () => {
    page = await browser.newPage({ width: 1440, height: 900 });
    await page.goto(`${target.url}/#/signin`);
    await page.fill('input[name=token]', target.tokens.operator);
    await page.click('button[type=submit]');
    await page.getByTestId('wall').waitFor();
    wall = await browser.newPage();
    await wall.goto(target.url);
    await wall.getByTestId('fig-orders').waitFor();

    await page.goto(`${target.url}/#/alerts`);
    const row = page.locator('[data-testid=alert-row][data-status=firing]', { hasText: ORDER });
    await row.waitFor({ timeout: 15_000 });
    await row.getByTestId('ack-open').click();
    await page.getByTestId('ack-note').fill('门店已电话确认，正在补拣货');
    await screenshot(page, 'alerts-ack-form');
    await page.getByTestId('ack-submit').click();
    await page.locator('[data-testid=alert-row][data-status=acknowledged]', { hasText: ORDER }).waitFor();
    await page.locator('[data-testid=audit-row]', { hasText: '门店已电话确认' }).waitFor();
    await screenshot(page, 'alerts-after-ack');
    expect(browser.errors).toEqual([]);
  });

  it('the wall shows the acknowledged alert without a reload', async () => {
    const wallRow = wall.locator('[data-testid=wall-alert]', { hasText: ORDER });
    await wallRow.waitFor({ timeout: 15_000 });
    await expect.poll(() => wallRow.getAttribute('class')).toContain('acked');
    await wall.close();
    expect(browser.errors).toEqual([]);
  });

  it('filters by store and creates a silence from an alert', async () => {
    await page.getByTestId('filter-store').fill('S002');
    const rows = page.getByTestId('alert-row');
    // The rows shown before the filtered reply arrives belong to every store: wait for that reply.
    await expect
      .poll(async () => {
        const texts = await rows.allTextContents();
        return texts.length > 0 && texts.every((text) => text.includes('S002'));
      })
      .toBe(true);
    const stalled = rows.filter({ hasText: 'S002-ACK-2' }).first();
    await stalled.getByRole('button', { name: '静默' }).click();
    await page.getByTestId('silence-form').locator('input[placeholder=备注]').fill('促销期间暂不处理');
    await page.getByTestId('silence-form').getByRole('button', { name: '静默' }).click();
    await page.getByRole('status').filter({ hasText: '静默已创建' }).waitFor();
    await page.locator('[data-testid=audit-row]', { hasText: '促销期间暂不处理' }).waitFor();
    expect(browser.errors).toEqual([]);
  });

  it('drills down into an order: status, payment and carrier on one time axis, plus its alerts', async () => {
    await page.goto(`${target.url}/#/orders/${ORDER}`);
    await page.getByTestId('order-facts').waitFor();
    expect(await page.getByTestId('order-facts').textContent()).toContain('S001');
    const lanes = page.locator('[data-testid=order-events] tbody tr td:nth-child(2)');
    await expect
      .poll(async () => new Set(await lanes.allTextContents()))
      .toEqual(new Set(['订单状态', '支付', '物流', '告警']));
    expect(await page.locator('[data-testid=order-events] tbody tr', { hasText: '订单卡单' }).count()).toBe(
      1,
    );
    const width = await page.getByTestId('order-timeline').evaluate((c: HTMLCanvasElement) => c.width);
    expect(width).toBeGreaterThan(300);
    await screenshot(page, 'order-drilldown');
    expect(browser.errors).toEqual([]);
  });

  it('shows the loaded rule set, its validation state and the last change, in English', async () => {
    await page.goto(`${target.url}/?lang=en#/rules`);
    await page.getByTestId('rules-table').waitFor();
    // The shipped rule files are valid.
    expect((await page.getByTestId('rules-validity').textContent())?.trim()).toBe('Rule files are valid');
    const table = (await page.getByTestId('rules-table').textContent()) ?? '';
    for (const rule of ['Payment unapplied', 'Order stalled', 'Callbacks silent'])
      expect(table).toContain(rule);
    await screenshot(page, 'rules');
    expect(browser.errors).toEqual([]);
  });

  it('tells a viewer that silencing needs the operator role', async () => {
    const viewer = await browser.newPage({ width: 1440, height: 900 });
    await viewer.goto(`${target.url}/?token=${target.tokens.viewer}#/alerts`);
    const row = viewer.locator('[data-testid=alert-row]', { hasText: 'S002-ACK-2' }).first();
    await row.waitFor();
    await row.getByRole('button', { name: '静默' }).click();
    await viewer.getByTestId('silence-form').getByRole('button', { name: '静默' }).click();
    await viewer.getByText('需要操作员权限').waitFor();
    await viewer.close();
    // Chromium logs the refused request itself; nothing else may be logged.
    expect(browser.errors.filter((e) => !/status of 403/.test(e))).toEqual([]);
  });
});
