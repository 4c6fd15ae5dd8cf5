// Real headless Chromium (Debian's /usr/bin/chromium) through playwright-core, with every console
// error and page error collected so each test can assert there were none.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type BrowserContext, chromium, type Page } from 'playwright-core';

/** Where every screenshot goes (CI keeps the folder as an artefact); a persona's under its own name. */
export const ARTIFACTS = fileURLToPath(new URL('../artifacts/screenshots', import.meta.url));

export interface BrowserSession {
  context: BrowserContext;
  /** Console errors and uncaught page errors seen so far, across all pages. */
  errors: string[];
  newPage(viewport?: { width: number; height: number }): Promise<Page>;
  close(): Promise<void>;
}

/** `timezoneId` and `locale` are the browser's own (an operator's laptop in New York, say). */
export async function launchBrowser(
  options: { timezoneId?: string; locale?: string; deviceScaleFactor?: number } = {},
): Promise<BrowserSession> {
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'orderpulse-e2e-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
    viewport: { width: 1920, height: 1080 },
    ...options,
  });
  const errors: string[] = [];
  const watch = (page: Page) => {
    page.on('console', (msg) => {
      if (msg.type() === 'error') errors.push(`console: ${msg.text()} (${msg.location().url})`);
    });
    page.on('pageerror', (err) => errors.push(`pageerror: ${err.message}`));
  };
  for (const p of context.pages()) watch(p);
  context.on('page', watch);
  return {
    context,
    errors,
    async newPage(viewport = { width: 1920, height: 1080 }) {
      const page = await context.newPage();
      await page.setViewportSize(viewport);
      return page;
    },
    async close() {
      await context.close();
      fs.rmSync(userDataDir, { recursive: true, force: true });
    },
  };
}

/** `name` may hold a folder (`ops-wall/1080p`), created on the way. */
export async function screenshot(page: Page, name: string): Promise<void> {
  const file = path.join(ARTIFACTS, `${name}.png`);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  await page.screenshot({ path: file });
}
