// The wall display in real headless Chromium: sign-in, live data injected through the API, a new
// stall appearing without reload, the disconnected banner recovering by itself, no scrolling at
// 1920×1080, 4K scaling, no console errors. Screenshots go to e2e/artifacts/screenshots/.
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BrowserSession, launchBrowser, screenshot } from './support/browser.ts';
import { busyHour, expectedOrdersPerMinute, minutesAgo, orderStatus, payment } from './support/events.ts';
import { startTarget, type Target } from './support/target.ts';

let browser: BrowserSession;
let target: Target;
let page: Page;
let injected: object[] = [];

beforeAll(async () => {
  target = await startTarget();
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await target?.close();
});

const figure = (p: Page, id: string) => p.getByTestId(`${id}-value`);

describe('wall display', () => {
  it('shows the sign-in screen without a token and no data', async () => {
    page = await browser.newPage();
    await page.goto(target.url);
    await expect.poll(() => page.getByTestId('signin-form').isVisible()).toBe(true);
    expect(await page.getByTestId('wall').count()).toBe(0);
    await screenshot(page, 'signin');
  });

  it('signs in with a viewer token and renders live data injected through the API', async () => {
    injected = busyHour(20, 6);
    await target.ingest(injected);
    await page.fill('input[name=token]', target.tokens.viewer);
    await page.click('button[type=submit]');
    await page.getByTestId('wall').waitFor();
    expect(await page.evaluate(() => localStorage.getItem('orderpulse.token'))).toBe(target.tokens.viewer);
    await expect
      .poll(
        async () =>
          Number(await figure(page, 'fig-orders').textContent()) -
          expectedOrdersPerMinute(injected, Date.now()),
      )
      .toBe(0);
    await expect.poll(() => page.getByTestId('freshness-source').count()).toBeGreaterThan(0);
    // Three live charts drawn by chart.js on real canvases.
    for (const id of ['chart-orders', 'chart-callbacks', 'chart-carriers']) {
      const size = await page.getByTestId(id).evaluate((c: HTMLCanvasElement) => [c.width, c.height]);
      expect(size[0]).toBeGreaterThan(200);
      expect(size[1]).toBeGreaterThan(80);
    }
    // Before any bill is reconciled today the rate is unknown ('—', grey), never a made-up 0 %.
    // No bill has been uploaded in this run, so '—' is the only right answer.
    expect(await figure(page, 'fig-mismatch').textContent()).toBe('—');
    expect(await page.getByTestId('fig-mismatch').getAttribute('data-level')).toBe('none');
    expect(browser.errors).toEqual([]);
  });

  it('shows a new stall without a reload, updating the charts in place', async () => {
    await page.evaluate(() => {
      (window as unknown as { __noReload: boolean }).__noReload = true;
      (document.querySelector('[data-testid=chart-orders]') as unknown as { __same: boolean }).__same = true;
    });
    const stallsBefore = Number(await figure(page, 'fig-stalls').textContent());
    // Paid 5 minutes ago and never picked: past the 2-minute limit the moment it arrives.
    await target.ingest([
      orderStatus('S002-STALL-1', 'S002', 'created', minutesAgo(6)),
      payment('S002-STALL-1', 'S002', 'wechatpay', minutesAgo(5)),
      orderStatus('S002-STALL-1', 'S002', 'paid', minutesAgo(5)),
    ]);
    const row = page.locator('[data-testid=wall-alert][data-rule=order_stalled]', {
      hasText: 'S002-STALL-1',
    });
    await row.waitFor();
    expect(await row.textContent()).toContain('S002');
    await expect
      .poll(async () => Number(await figure(page, 'fig-stalls').textContent()))
      .toBe(stallsBefore + 1);
    expect(await page.getByTestId('fig-stalls').getAttribute('data-level')).toBe('warn');
    expect(await page.evaluate(() => (window as unknown as { __noReload?: boolean }).__noReload)).toBe(true);
    expect(
      await page.evaluate(
        () =>
          (document.querySelector('[data-testid=chart-orders]') as unknown as { __same?: boolean }).__same,
      ),
    ).toBe(true);
    await screenshot(page, 'wall-1080p-stall');
    expect(browser.errors).toEqual([]);
  });

  it('does not scroll at 1920×1080', async () => {
    const fits = await page.evaluate(() => ({
      height: document.documentElement.scrollHeight <= window.innerHeight,
      width: document.documentElement.scrollWidth <= window.innerWidth,
      inner: [window.innerWidth, window.innerHeight],
    }));
    expect(fits).toEqual({ height: true, width: true, inner: [1920, 1080] });
  });

  it('resolves the stall and fades it out on its own', async () => {
    await target.ingest([orderStatus('S002-STALL-1', 'S002', 'picking', minutesAgo(0.1))]);
    const row = page.locator('[data-testid=wall-alert]', { hasText: 'S002-STALL-1' });
    await expect.poll(() => row.getAttribute('class')).toContain('resolved');
    await row.waitFor({ state: 'detached', timeout: 20_000 });
  });

  it('scales to 3840×2160 without scrolling, in English with ?lang=en', async () => {
    const big = await browser.newPage({ width: 3840, height: 2160 });
    await big.goto(`${target.url}/?lang=en`);
    await big.getByTestId('fig-orders').waitFor();
    expect(await big.getByText('Orders / min').count()).toBe(1);
    const fits = await big.evaluate(() => document.documentElement.scrollHeight <= window.innerHeight);
    expect(fits).toBe(true);
    const fontPx = await big
      .getByTestId('fig-orders-value')
      .evaluate((el) => parseFloat(getComputedStyle(el).fontSize));
    expect(fontPx).toBeGreaterThan(150);
    await screenshot(big, 'wall-4k-en');
    await big.close();
    expect(browser.errors).toEqual([]);
  });

  it('takes ?token= and ?store= for a display that cannot sign in', async () => {
    await target.ingest([
      orderStatus('S003-STALL-9', 'S003', 'paid', minutesAgo(4), 'ZJ'),
      orderStatus('S001-STALL-9', 'S001', 'paid', minutesAgo(4)),
    ]);
    // A browser of its own: this one signed in earlier, so its storage already holds the token.
    const kioskBrowser = await launchBrowser();
    const kiosk = await kioskBrowser.newPage();
    await kiosk.goto(`${target.url}/?token=${target.tokens.viewer}&store=S003`);
    await kiosk.getByTestId('fig-orders').waitFor();
    expect(await kiosk.getByTestId('wall-scope').textContent()).toContain('S003');
    await kiosk.locator('[data-testid=wall-alert]', { hasText: 'S003-STALL-9' }).waitFor();
    expect(await kiosk.locator('[data-testid=wall-alert]', { hasText: 'S001-STALL-9' }).count()).toBe(0);
    await expect
      .poll(
        async () =>
          Number(await kiosk.getByTestId('fig-orders-value').textContent()) -
          expectedOrdersPerMinute(injected, Date.now(), 'S003'),
      )
      .toBe(0);
    // A URL token is used, never stored.
    expect(await kiosk.evaluate(() => localStorage.getItem('orderpulse.token'))).toBeNull();
    expect(await kiosk.evaluate(() => localStorage.length)).toBe(0);
    await kiosk.close();
    expect(kioskBrowser.errors).toEqual([]);
    await kioskBrowser.close();
    expect(browser.errors).toEqual([]);
  });

  it('rotates through stores with ?rotate=store', async () => {
    const rot = await browser.newPage();
    await rot.goto(`${target.url}/?rotate=store&interval=5`);
    const scope = rot.getByTestId('wall-scope');
    const storeShown = async () => /S\d{3}/.exec((await scope.textContent()) ?? '')?.[0] ?? null;
    await expect.poll(storeShown, { timeout: 10_000 }).not.toBeNull();
    const first = await storeShown();
    await expect.poll(storeShown, { timeout: 15_000 }).not.toBe(first);
    expect(await storeShown()).toMatch(/S\d{3}/);
    await screenshot(rot, 'wall-rotate');
    await rot.close();
    expect(browser.errors).toEqual([]);
  });
  it('stays within 1920×1080 with a busy alert list, showing what fits and counting the rest', async () => {
    const stalls = Array.from({ length: 12 }, (_, i) =>
      orderStatus(`S00${1 + (i % 3)}-BUSY-${i}`, `S00${1 + (i % 3)}`, 'paid', minutesAgo(5 + i)),
    );
    await target.ingest(stalls);
    await expect.poll(() => page.getByTestId('wall-alert').count()).toBe(7);
    // Every shown row is entirely inside the list (none cut in half at the bottom).
    const list = (await page.getByTestId('alert-board').boundingBox())!;
    for (const row of await page.getByTestId('wall-alert').all()) {
      const b = (await row.boundingBox())!;
      expect(b.y + b.height).toBeLessThanOrEqual(list.y + list.height + 0.5);
    }
    const more = page.getByText(/^另有 \d+ 条$/);
    await more.waitFor();
    const box = (await more.boundingBox())!;
    expect(box.y + box.height).toBeLessThanOrEqual(1080);
    const fits = await page.evaluate(
      () =>
        document.documentElement.scrollHeight <= window.innerHeight &&
        document.documentElement.scrollWidth <= window.innerWidth,
    );
    expect(fits).toBe(true);
    await screenshot(page, 'wall-1080p-busy');
    expect(browser.errors).toEqual([]);
  });

  it('shows "disconnected — reconnecting" when the server restarts, and recovers with its data', async () => {
    await target.stop();
    const banner = page.getByTestId('connection-banner');
    await banner.waitFor();
    expect(await banner.textContent()).toContain('连接已断开');
    // The old figures stay visible but greyed out, so a frozen wall looks frozen.
    expect(await page.locator('.figures').evaluate((el) => getComputedStyle(el).opacity)).toBe('0.45');
    await screenshot(page, 'wall-disconnected');
    await target.start();
    await banner.waitFor({ state: 'detached', timeout: 30_000 });
    expect(await page.getByTestId('wall').getAttribute('data-connection')).toBe('live');
    // The restarted server still knows the last hour: the wall shows the same figures, not zeros.
    await expect
      .poll(
        async () =>
          Number(await figure(page, 'fig-orders').textContent()) -
          expectedOrdersPerMinute(injected, Date.now()),
      )
      .toBe(0);
    expect(await page.getByTestId('freshness-source').count()).toBeGreaterThan(0);
    // The browser logs the refused WebSocket/polling requests while the server is down; those are
    // the outage itself, not dashboard errors.
    const own = browser.errors.filter((e) => !/ERR_CONNECTION_REFUSED|WebSocket connection to/.test(e));
    expect(own).toEqual([]);
    browser.errors.length = 0;
  });
});
