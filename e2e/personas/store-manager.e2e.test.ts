// The store manager, working from New York (Chromium in America/New_York, zh and en), after the
// demo's month of history against the real collector (a chain of 12 stores, so it goes in within
// seconds): the stores page over the whole history shows each store's trend against the chain
// average, marks the repeat-offender stores and tills the store-trends API flags, and its CSV export
// holds exactly the API's rows, dated by the collector's business day, not New York's calendar.
import fs from 'node:fs';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_HISTORY_DAYS, demoHistoryConfig } from '../../collector/src/cli/demo-history.ts';
import { daysBefore } from '../../collector/src/simulator/history-backfill.ts';
import { sendBackfill } from '../../collector/src/simulator/sender/send-backfill.ts';
import type { StoresReport } from '../../collector/src/wire/store-trends.ts';
import { launchBrowser, screenshot } from '../support/browser.ts';
import { startTarget, type Target } from '../support/target.ts';

const config = demoHistoryConfig(20261111, 12);
const LANGS = [
  { lang: 'zh', locale: 'zh-CN', yes: '是', chain: '全链平均' },
  { lang: 'en', locale: 'en-US', yes: 'yes', chain: 'Chain average' },
] as const;

let target: Target;
let history: string[];

const api = async <T>(p: string): Promise<T> =>
  (await (
    await fetch(`${target.url}${p}`, { headers: { authorization: `Bearer ${target.tokens.viewer}` } })
  ).json()) as T;
const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / (xs.length || 1);

beforeAll(async () => {
  target = await startTarget();
  history = daysBefore(Date.now(), DEMO_HISTORY_DAYS);
  await sendBackfill({
    target: { url: target.url, ingestToken: target.tokens.ingest, operatorToken: target.tokens.operator },
    config,
    days: history,
  });
});

afterAll(async () => {
  await target?.close();
});

describe('the store manager in New York', () => {
  for (const { lang, locale, yes, chain } of LANGS) {
    it(`reads the month's trends, the repeat offenders and the CSV in ${lang}`, async () => {
      const browser = await launchBrowser({ timezoneId: 'America/New_York', locale });
      try {
        const page = await browser.newPage({ width: 1440, height: 900 });
        await page.goto(`${target.url}/?token=${target.tokens.viewer}&lang=${lang}#/stores`);
        const chart = page.getByTestId('stores-chart');
        await chart.waitFor();
        expect(await page.evaluate(() => Intl.DateTimeFormat().resolvedOptions().timeZone)).toBe(
          'America/New_York',
        );

        // The whole backfilled month, up to the collector's today.
        const { today } = await api<{ today: string }>('/v1/business-day');
        const dates = page.locator('form.range input[type=date]');
        expect(await dates.nth(1).inputValue()).toBe(today);
        const from = history[0]!;
        await dates.nth(0).fill(from);
        await page.locator('form.range button[type=submit]').click();
        await expect.poll(() => chart.getAttribute('data-x-ticks')).toMatch(new RegExp(`^${from.slice(5)},`));
        expect(((await chart.getAttribute('data-x-ticks')) ?? '').split(',').at(-1)).toBe(today.slice(5));
        const report = await api<StoresReport>(`/v1/reconciliation/stores?from=${from}&to=${today}`);
        expect(report.chain.map((d) => d.day)).toEqual(history);

        // The five worst stores' lines and the chain average, over every day of the history.
        const series = JSON.parse((await chart.getAttribute('data-series')) ?? '[]') as {
          label: string;
          points: number;
        }[];
        expect(series).toContainEqual({ label: chain, points: history.length });
        expect(series).toHaveLength(6);

        // Each store's average and its ratio to the chain average, as the API's figures give them.
        const chainMean = mean(report.chain.map((d) => d.rate));
        const rows = page.locator('[data-testid=offenders] tbody tr');
        expect(await rows.count()).toBe(Math.min(20, report.stores.length));
        for (const store of report.stores) {
          const row = rows.filter({ has: page.locator('td:first-child', { hasText: store.store_id }) });
          const cells = await row.locator('td').allTextContents();
          const average = mean(store.days.map((d) => d.rate));
          expect(cells[1]).toBe(`${(average * 100).toFixed(2)}%`);
          expect(cells[2]).toBe(`×${(average / chainMean).toFixed(1)}`);
          // Flagged exactly when the API flags it, with the tills the API flags.
          expect(cells[4]).toBe(store.flagged ? yes : '');
          const tills = store.devices.filter((d) => d.flagged).map((d) => d.device_id);
          expect(await row.locator('.device[data-flagged=true]').allTextContents()).toEqual(
            tills.map((till) => expect.stringContaining(till)),
          );
        }
        const flagged = report.stores.filter((s) => s.flagged).map((s) => s.store_id);
        expect(flagged.length).toBeGreaterThan(0);
        expect(config.offenders.map((o) => o.storeId)).toEqual(expect.arrayContaining(flagged));

        const [download] = await Promise.all([
          page.waitForEvent('download'),
          page.getByTestId('export-csv').click(),
        ]);
        expect(download.suggestedFilename()).toBe(`orderpulse-stores-${from}-${today}.csv`);
        const csv = parse(fs.readFileSync((await download.path())!), { bom: true }) as string[][];
        expect(csv).toEqual([
          ['store_id', 'day', 'orders', 'missing', 'missing_rate'],
          ...report.stores.flatMap((s) =>
            s.days.map((d) => [s.store_id, d.day, String(d.orders), String(d.missing), String(d.rate)]),
          ),
          ...report.chain.map((d) => ['*chain*', d.day, '', '', String(d.rate)]),
        ]);
        // Business days of the collector, whatever New York's calendar says.
        expect(csv.slice(1).every(([, day]) => history.includes(day!))).toBe(true);
        await screenshot(page, `store-manager/stores-${lang}-new-york`);
        expect(browser.errors).toEqual([]);
      } finally {
        await browser.close();
      }
    });
  }
});
