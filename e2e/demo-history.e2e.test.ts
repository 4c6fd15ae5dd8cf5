// The managers' page right after the demo's month of history, in real headless Chromium (zh, China
// time): the repeat-offender stores the store-trends API flags are marked on the page, each with its
// flagged till, next to the chain average.
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_HISTORY_DAYS, demoHistoryConfig } from '../collector/src/cli/demo-history.ts';
import { daysBefore } from '../collector/src/simulator/history-backfill.ts';
import { sendBackfill } from '../collector/src/simulator/sender/send-backfill.ts';
import type { StoresReport } from '../collector/src/wire/store-trends.ts';
import { type BrowserSession, launchBrowser, screenshot } from './support/browser.ts';
import { startTarget, type Target } from './support/target.ts';

const config = demoHistoryConfig(20261111, 12);

let browser: BrowserSession;
let target: Target;
let page: Page;

beforeAll(async () => {
  target = await startTarget();
  await sendBackfill({
    target: { url: target.url, ingestToken: target.tokens.ingest, operatorToken: target.tokens.operator },
    config,
    days: daysBefore(Date.now(), DEMO_HISTORY_DAYS),
  });
  browser = await launchBrowser();
  page = await browser.newPage({ width: 1440, height: 900 });
  await page.goto(`${target.url}/?token=${target.tokens.viewer}#/stores`);
});

afterAll(async () => {
  await browser?.close();
  await target?.close();
});

describe('the stores page after the demo history', () => {
  it('marks the stores and tills the API flags, with the chain average plotted', async () => {
    const rows = page.locator('[data-testid=offenders] tbody tr');
    await rows.first().waitFor();
    const [from, to] = await page
      .locator('input[type=date]')
      .evaluateAll((inputs) => inputs.map((i) => (i as HTMLInputElement).value));
    const res = await fetch(`${target.url}/v1/reconciliation/stores?from=${from}&to=${to}`, {
      headers: { authorization: `Bearer ${target.tokens.viewer}` },
    });
    const report = (await res.json()) as StoresReport;
    const flagged = report.stores.filter((s) => s.flagged);
    expect(flagged.length).toBeGreaterThan(0);
    for (const store of flagged) {
      expect(config.offenders.map((o) => o.storeId)).toContain(store.store_id);
      const row = rows.filter({ has: page.locator('td:first-child', { hasText: store.store_id }) });
      expect(await row.locator('td').last().textContent()).toBe('是');
      const tills = store.devices.filter((d) => d.flagged).map((d) => d.device_id);
      expect(await row.locator('.device[data-flagged=true]').allTextContents()).toEqual(
        tills.map((till) => expect.stringContaining(till)),
      );
    }
    // Stores the API does not flag are not marked.
    const marked = await rows.evaluateAll((trs) =>
      trs
        .filter((tr) => tr.lastElementChild?.textContent === '是')
        .map((tr) => tr.firstElementChild?.textContent),
    );
    expect(marked.sort()).toEqual(flagged.map((s) => s.store_id).sort());
    expect(report.chain.length).toBeGreaterThan(0);
    await screenshot(page, 'stores-demo-history');
    expect(browser.errors).toEqual([]);
  });
});
