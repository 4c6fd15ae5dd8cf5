// On call with a phone, in real headless Chromium at 390×844: the collector sends its WeCom message to
// a loopback robot, the link in that message opens the alert's phone page, the operator signs in on
// the way, and acknowledges (or silences) in two taps — with nothing wider than the screen.
import fs from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BrowserSession, launchBrowser, screenshot } from '../support/browser.ts';
import { minutesAgo, orderStatus } from '../support/events.ts';
import { startTarget, type Target } from '../support/target.ts';

const PHONE = { width: 390, height: 844 };
const ACK_ORDER = 'S101-PHONE-1';
const SILENCE_ORDER = 'S102-PHONE-2';

let browser: BrowserSession;
let target: Target;
let robot: Server;
let robotUrl: string;
/** The markdown of every message the WeCom robot received. */
const messages: string[] = [];

/**
 * Every alert goes to one WeCom robot after a one-second group wait (the shipped rules name the
 * payments, finance and supervisor routes, so those must exist).
 */
const ROUTES = `route:
  receiver: oncall
  group_by: [rule, store_id]
  group_wait: 1s
  group_interval: 1m
  repeat_interval: 4h
  routes:
    - matchers: ['route="payments"']
      receiver: oncall
    - matchers: ['route="finance"']
      receiver: oncall
    - matchers: ['route="supervisor"']
      receiver: oncall
receivers:
  - name: oncall
    primary:
      - kind: wecom
        url_env: ORDERPULSE_WECOM_ONCALL_URL
`;

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** The link of the message about `storeId`, once it has arrived. */
async function linkFor(storeId: string): Promise<string> {
  let message: string | undefined;
  await expect
    .poll(() => (message = messages.find((m) => m.includes(`门店 ${storeId}`))), { timeout: 30_000 })
    .toBeDefined();
  const link = /\[查看面板\]\(([^)\s]+)\)/.exec(message!)?.[1];
  expect(link).toBeDefined();
  return link!;
}

async function fitsTheScreen(page: Page): Promise<boolean> {
  return page.evaluate(
    () =>
      document.documentElement.scrollWidth <= document.documentElement.clientWidth &&
      document.body.scrollWidth <= document.documentElement.clientWidth,
  );
}

const api = async (p: string) =>
  (await (
    await fetch(`${target.url}${p}`, { headers: { authorization: `Bearer ${target.tokens.viewer}` } })
  ).json()) as Record<string, unknown>;

beforeAll(async () => {
  robot = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { markdown?: { content: string } };
      if (body.markdown) messages.push(body.markdown.content);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"errcode":0,"errmsg":"ok"}');
    });
  });
  await new Promise<void>((resolve) => robot.listen(0, '127.0.0.1', resolve));
  robotUrl = `http://127.0.0.1:${(robot.address() as AddressInfo).port}/cgi-bin/webhook/send?key=e2e`;

  const rulesDir = fs.mkdtempSync(path.join(os.tmpdir(), 'orderpulse-oncall-rules-'));
  fs.cpSync(fileURLToPath(new URL('../../alert-rules', import.meta.url)), rulesDir, { recursive: true });
  fs.writeFileSync(path.join(rulesDir, 'routes.yaml'), ROUTES);
  const port = await freePort();
  target = await startTarget({
    rulesDir,
    env: {
      PORT: String(port),
      ORDERPULSE_PUBLIC_URL: `http://127.0.0.1:${port}`,
      ORDERPULSE_WECOM_ONCALL_URL: robotUrl,
    },
  });
  browser = await launchBrowser();
  // Paid minutes ago and never picked: order_stalled fires as they arrive, one group per store.
  await target.ingest([
    orderStatus(ACK_ORDER, 'S101', 'created', minutesAgo(9)),
    orderStatus(ACK_ORDER, 'S101', 'paid', minutesAgo(8)),
    orderStatus(SILENCE_ORDER, 'S102', 'created', minutesAgo(9)),
    orderStatus(SILENCE_ORDER, 'S102', 'paid', minutesAgo(8)),
  ]);
});

afterAll(async () => {
  await browser?.close();
  await target?.close();
  await new Promise<void>((resolve) => robot?.close(() => resolve()));
});

describe('on call with a phone', () => {
  it('opens the link of the WeCom message, signs in, and acknowledges in two taps', async () => {
    const link = await linkFor('S101');
    expect(link).toMatch(new RegExp(`^${target.url}/#/on-call/[^/]+$`));
    const alertId = decodeURIComponent(link.split('#/on-call/')[1]!);

    const page = await browser.newPage(PHONE);
    await page.goto(link);
    // No token in this browser yet: the sign-in screen, then straight back to the alert.
    await page.getByTestId('signin-form').waitFor();
    await page.fill('input[name=token]', target.tokens.operator);
    await page.click('button[type=submit]');
    await page.getByTestId('oncall-page').waitFor();
    expect(page.url()).toBe(link);

    const facts = page.getByTestId('oncall-facts');
    await facts.waitFor();
    expect(await facts.textContent()).toContain('S101');
    expect(await page.getByTestId('oncall-order-link').getAttribute('href')).toBe(`#/orders/${ACK_ORDER}`);
    expect(await page.getByTestId('oncall-status').textContent()).toBe('告警中');
    expect(await fitsTheScreen(page)).toBe(true);
    await screenshot(page, 'on-call-phone/firing');

    await page.getByTestId('ack-open').click(); // tap 1
    expect(await fitsTheScreen(page)).toBe(true);
    await page.getByTestId('ack-confirm').click(); // tap 2
    await expect.poll(() => page.getByTestId('oncall-status').textContent()).toBe('已确认');
    expect(await fitsTheScreen(page)).toBe(true);
    await screenshot(page, 'on-call-phone/acknowledged');

    const { alert } = (await api(`/v1/alerts/${encodeURIComponent(alertId)}`)) as {
      alert: { status: string; acknowledged_by: string; store_id: string };
    };
    expect(alert).toMatchObject({ status: 'acknowledged', acknowledged_by: 'ops', store_id: 'S101' });
    expect(browser.errors).toEqual([]);
  });

  it('silences the rule in that store for a preset duration in two taps', async () => {
    const link = await linkFor('S102');
    const page = await browser.newPage(PHONE);
    await page.goto(link);
    await page.getByTestId('oncall-facts').waitFor();

    await page.getByTestId('silence-open').click(); // tap 1
    await page.getByTestId('silence-sheet').waitFor();
    expect(await fitsTheScreen(page)).toBe(true);
    await screenshot(page, 'on-call-phone/silence-presets');
    await page.locator('[data-testid=silence-preset][data-minutes="120"]').click(); // tap 2
    await page.getByTestId('oncall-flash').waitFor();

    const { silences } = (await api('/v1/silences')) as {
      silences: {
        matchers: Record<string, string>;
        starts_at: string;
        ends_at: string;
        created_by: string;
      }[];
    };
    expect(silences).toHaveLength(1);
    const [silence] = silences;
    expect(silence).toMatchObject({
      matchers: { rule: 'order_stalled', store_id: 'S102' },
      created_by: 'ops',
    });
    // Two hours from the tap: the browser's clock set the end, the server's the start.
    const length = Date.parse(silence!.ends_at) - Date.parse(silence!.starts_at);
    expect(Math.abs(length - 2 * 3_600_000)).toBeLessThan(60_000);
    expect(browser.errors).toEqual([]);
  });

  it('reads in English with ?lang=en, still within the screen', async () => {
    const link = await linkFor('S101');
    const page = await browser.newPage(PHONE);
    await page.goto(link.replace('/#/', '/?lang=en#/'));
    await page.getByTestId('oncall-facts').waitFor();
    expect(await page.getByTestId('oncall-status').textContent()).toBe('acknowledged');
    expect(await page.locator('h1').textContent()).toBe('Order stalled');
    expect(await fitsTheScreen(page)).toBe(true);
    expect(browser.errors).toEqual([]);
  });
});
