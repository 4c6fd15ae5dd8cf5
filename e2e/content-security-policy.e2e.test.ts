// The built dashboard runs under the collector's own Content-Security-Policy: the wall, the alert
// list, stores, reconciliation and rules pages load, with live data over Socket.IO, and Chromium reports no
// violation; the page says it may not be framed.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BrowserSession, launchBrowser } from './support/browser.ts';
import { busyHour } from './support/events.ts';
import { startTarget, type Target } from './support/target.ts';

let browser: BrowserSession;
let target: Target;

beforeAll(async () => {
  target = await startTarget();
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await target?.close();
});

describe('the dashboard under the Content-Security-Policy', () => {
  it('loads with live data and no violation', async () => {
    await target.ingest(busyHour(5, 2));
    const page = await browser.newPage();
    await page.addInitScript(() => {
      const seen: string[] = [];
      (window as unknown as { cspViolations: string[] }).cspViolations = seen;
      document.addEventListener('securitypolicyviolation', (e) =>
        seen.push(`${e.violatedDirective} ${e.blockedURI}`),
      );
    });
    const response = await page.goto(`${target.url}/?token=${target.tokens.operator}`);
    const csp = response?.headers()['content-security-policy'] ?? '';
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(response?.headers()['x-frame-options']).toBe('DENY');
    await page.getByTestId('wall').waitFor();
    await expect.poll(() => page.getByTestId('freshness-source').count()).toBeGreaterThan(0);
    for (const hash of ['#/alerts', '#/stores', '#/reconciliation', '#/rules']) {
      await page.evaluate((h) => {
        location.hash = h;
      }, hash);
      await page.waitForLoadState('networkidle');
    }
    expect(
      await page.evaluate(() => (window as unknown as { cspViolations: string[] }).cspViolations),
    ).toEqual([]);
    expect(browser.errors).toEqual([]);
  });
});
