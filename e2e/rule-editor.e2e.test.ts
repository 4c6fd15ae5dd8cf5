// The rule editor in real headless Chromium against the collector: an admin types a custom rule with
// a broken condition and sees the checker's error at its line while typing, fixes it, saves it with
// a note, finds the new version in the history, compares it with the one before and rolls back; in
// the built-in form a cool-down the checker would refuse is flagged at its field; a viewer, and an
// admin whose token is limited to one store, see the same pages without a single edit control.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BrowserSession, launchBrowser, screenshot } from './support/browser.ts';
import { startTarget, type Target } from './support/target.ts';

const ADMIN = 'admin-e2e-secret';
const STORE_ADMIN = 'store-admin-e2e-secret';
const NOTE = '夜间大额订单提醒';

const BROKEN = [
  'rules:',
  '  - name: night_large_order',
  '    when: type == "order.status" and amount_fen >> 100000',
  '    severity: info',
  '',
].join('\n');
const FIXED = BROKEN.replace('>> 100000', '> 100000');

/** Chromium logs every 400 reply to the console, and the checker answers a broken draft with one. */
const unexpected = (errors: string[]) => errors.filter((e) => !/status of 400/.test(e));

let browser: BrowserSession;
let target: Target;
let rulesDir: string;
let tokensDir: string;
let page: Page;

beforeAll(async () => {
  // A copy of the shipped rules: saving writes rule files.
  rulesDir = fs.mkdtempSync(path.join(os.tmpdir(), 'orderpulse-editor-rules-'));
  fs.cpSync('alert-rules', rulesDir, { recursive: true });
  tokensDir = fs.mkdtempSync(path.join(os.tmpdir(), 'orderpulse-editor-tokens-'));
  const tokensFile = path.join(tokensDir, 'tokens.yaml');
  fs.writeFileSync(
    tokensFile,
    `tokens:\n  - { name: s1-manager, role: admin, secret: ${STORE_ADMIN}, stores: [S1] }\n`,
  );
  target = await startTarget({
    rulesDir,
    env: { ORDERPULSE_ADMIN_TOKENS: `root=${ADMIN}`, ORDERPULSE_TOKENS_FILE: tokensFile },
  });
  browser = await launchBrowser();
  page = await browser.newPage({ width: 1440, height: 900 });
});

afterAll(async () => {
  await browser?.close();
  await target?.close();
  fs.rmSync(rulesDir, { recursive: true, force: true });
  fs.rmSync(tokensDir, { recursive: true, force: true });
});

/** Replaces the editor's whole text as if pasted (typing would auto-indent). */
async function setEditorText(p: Page, text: string): Promise<void> {
  await p.locator('[data-testid=yaml-editor] .cm-content').click();
  await p.keyboard.press('Control+A');
  await p.keyboard.press('Delete');
  await p.keyboard.insertText(text);
}

async function ruleNames(): Promise<string[]> {
  const res = await fetch(`${target.url}/v1/rules`, { headers: { authorization: `Bearer ${ADMIN}` } });
  return ((await res.json()) as { rules: { name: string }[] }).rules.map((r) => r.name);
}

describe('rule editor', () => {
  it('an admin sees a broken condition flagged at its line, fixes it and saves it with a note', async () => {
    await page.goto(`${target.url}/?token=${ADMIN}#/rules`);
    await page.getByTestId('tab-custom').click();
    await page.getByTestId('rule-field').first().waitFor();
    await page.getByTestId('custom-file').selectOption({ label: '新建文件' });
    await page.getByTestId('custom-new-name').fill('night-orders');
    await setEditorText(page, BROKEN);

    const error = page.getByTestId('check-error');
    await error.first().waitFor();
    expect(await error.first().getAttribute('data-line')).toBe('3');
    expect(await error.first().textContent()).toContain('第 3 行');
    // The editor underlines it too, on the third line.
    const mark = page.locator('.cm-line', { has: page.locator('.cm-lintRange-error') });
    await mark.first().waitFor();
    expect(await mark.first().textContent()).toContain('amount_fen >>');
    await screenshot(page, 'rule-editor-error');

    await setEditorText(page, FIXED);
    await expect.poll(() => page.getByTestId('check-state').getAttribute('data-state')).toBe('valid');
    expect(await error.count()).toBe(0);
    await page.getByTestId('custom-note').fill(NOTE);
    await page.getByTestId('custom-save').click();
    await page.getByTestId('custom-flash').waitFor();
    expect(await ruleNames()).toContain('night_large_order');
    expect(browser.errors.some((e) => /status of 400/.test(e))).toBe(true);
    expect(unexpected(browser.errors)).toEqual([]);
  });

  it('lists the new version with its note, diffs it against the one before and rolls back', async () => {
    await page.getByTestId('tab-history').click();
    const rows = page.getByTestId('version-row');
    await rows.first().waitFor();
    expect(await rows.first().getByTestId('version-note').textContent()).toBe(NOTE);
    // The time reads in the business zone, with the zone shown.
    expect(await rows.first().textContent()).toMatch(/\d\d:\d\d:\d\d（GMT\+8）/);

    await rows.nth(0).getByTestId('version-pick').check();
    await rows.nth(1).getByTestId('version-pick').check();
    await page.getByTestId('compare').click();
    const file = page.locator('[data-testid=diff-file][data-file="custom/night-orders.yaml"]');
    await file.waitFor();
    const added = await file.getByTestId('diff-right').allTextContents();
    expect(added).toContain('  - name: night_large_order');
    await screenshot(page, 'rule-editor-diff');

    await rows.nth(1).getByTestId('rollback-open').click();
    await page.getByTestId('rollback-note').fill('撤销夜间规则');
    await page.getByTestId('rollback-confirm').click();
    await page.getByTestId('history-flash').waitFor();
    await expect.poll(() => rows.first().getByTestId('version-note').textContent()).toBe('撤销夜间规则');
    expect(await ruleNames()).not.toContain('night_large_order');
    await screenshot(page, 'rule-editor-history');
    expect(unexpected(browser.errors)).toEqual([]);
  });

  it('an admin tunes a built-in limit in the form; rules.yaml keeps its comments', async () => {
    await page.getByTestId('tab-builtin').click();
    const stalled = page.locator('[data-testid=builtin-rule][data-rule=order_stalled]');
    await stalled.getByTestId('limit-picking').fill('45m');
    await page.getByTestId('builtin-save').locator('input').fill('大促前放宽拣货时限');
    await page.getByTestId('builtin-save').getByRole('button').click();
    await page.getByRole('status').filter({ hasText: '已保存' }).waitFor();
    const res = await fetch(`${target.url}/v1/rules`, { headers: { authorization: `Bearer ${ADMIN}` } });
    const report = (await res.json()) as {
      version: string;
      rules: { name: string; params?: { limitsMs?: Record<string, number> } }[];
    };
    expect(report.rules.find((r) => r.name === 'order_stalled')?.params?.limitsMs?.picking).toBe(45 * 60_000);
    const version = await fetch(`${target.url}/v1/rules/versions/${report.version}`, {
      headers: { authorization: `Bearer ${ADMIN}` },
    });
    const rulesYaml = ((await version.json()) as { files: Record<string, string> }).files['rules.yaml'] ?? '';
    expect(rulesYaml).toContain('      picking: 45m');
    expect(rulesYaml).toContain('# Per-status limits for non-terminal statuses');
    expect(unexpected(browser.errors)).toEqual([]);
  });

  it('an admin sets a cool-down and labels in the form; a duration the checker refuses is flagged at its field', async () => {
    const payments = page.locator('[data-testid=builtin-rule][data-rule=payment_unapplied]');
    expect(await payments.getByTestId('route').inputValue()).toBe('payments');
    expect(await payments.getByTestId('labels').inputValue()).toBe('team=payments');
    await payments.getByTestId('cool-down').fill('10');
    const problem = payments.locator('[data-testid=field-problem][data-field=cool_down]');
    await problem.waitFor();
    expect((await problem.textContent())?.trim()).not.toBe('');
    await payments.getByTestId('cool-down').fill('10m');
    await problem.waitFor({ state: 'detached' });
    await payments.getByTestId('labels').fill('team=payments, tier=gold');
    await payments.getByTestId('labels').press('Tab');
    await page.getByTestId('builtin-save').locator('input').fill('支付告警冷却十分钟');
    await page.getByTestId('builtin-save').getByRole('button').click();
    const headers = { authorization: `Bearer ${ADMIN}` };
    type Report = { version: string; rules: { name: string; params?: { coolDownMs?: number } }[] };
    const inForce = async () => (await (await fetch(`${target.url}/v1/rules`, { headers })).json()) as Report;
    await expect
      .poll(
        async () => (await inForce()).rules.find((r) => r.name === 'payment_unapplied')?.params?.coolDownMs,
        {
          timeout: 15_000,
        },
      )
      .toBe(10 * 60_000);
    const report = await inForce();
    const version = await fetch(`${target.url}/v1/rules/versions/${report.version}`, { headers });
    const rulesYaml = ((await version.json()) as { files: Record<string, string> }).files['rules.yaml'] ?? '';
    expect(rulesYaml).toContain(
      '    cool_down: 10m\n    route: payments\n    labels:\n      team: payments\n      tier: gold\n',
    );
    await screenshot(page, 'rule-editor-builtin-fields');
    expect(unexpected(browser.errors)).toEqual([]);
  });

  it('an admin whose token is limited to one store sees the rules read-only, told why', async () => {
    const manager = await browser.newPage({ width: 1440, height: 900 });
    await manager.goto(`${target.url}/?token=${STORE_ADMIN}#/rules`);
    const notice = manager.getByTestId('rules-readonly');
    await notice.waitFor();
    expect(await notice.textContent()).toContain('S1');
    expect(await notice.textContent()).toContain('不限门店或地区的管理员令牌');
    await manager.getByTestId('tab-custom').click();
    await manager.locator('[data-testid=yaml-editor] .cm-content').first().waitFor();
    expect(await manager.getByTestId('custom-save').count()).toBe(0);
    await manager.getByTestId('tab-builtin').click();
    await manager.getByTestId('builtin-rule').first().waitFor();
    expect(await manager.getByTestId('builtin-save').count()).toBe(0);
    expect(await manager.locator('[data-testid=builtin-rule]:not([disabled])').count()).toBe(0);
    await manager.getByTestId('tab-history').click();
    await manager.getByTestId('version-row').first().waitFor();
    expect(await manager.getByTestId('rollback-open').count()).toBe(0);
    await screenshot(manager, 'rule-editor-store-admin');
    await manager.close();
    expect(unexpected(browser.errors)).toEqual([]);
  });

  it('a viewer sees every tab read-only, with no edit control', async () => {
    const viewer = await browser.newPage({ width: 1440, height: 900 });
    await viewer.goto(`${target.url}/?token=${target.tokens.viewer}#/rules`);
    await viewer.getByTestId('rules-readonly').waitFor();
    await viewer.getByTestId('tab-custom').click();
    await viewer.locator('[data-testid=yaml-editor] .cm-content').first().waitFor();
    expect(
      await viewer.locator('[data-testid=yaml-editor] .cm-content').getAttribute('contenteditable'),
    ).toBe('false');
    expect(await viewer.getByTestId('custom-actions').count()).toBe(0);
    expect(await viewer.getByTestId('custom-save').count()).toBe(0);
    await viewer.getByTestId('tab-builtin').click();
    await viewer.getByTestId('builtin-rule').first().waitFor();
    expect(await viewer.getByTestId('builtin-save').count()).toBe(0);
    expect(await viewer.locator('[data-testid=builtin-rule]:not([disabled])').count()).toBe(0);
    await viewer.getByTestId('tab-promotions').click();
    await viewer.getByTestId('promotion').first().waitFor();
    expect(await viewer.getByTestId('promotion-add').count()).toBe(0);
    expect(await viewer.getByTestId('promotions-save').count()).toBe(0);
    await viewer.getByTestId('tab-history').click();
    await viewer.getByTestId('version-row').first().waitFor();
    expect(await viewer.getByTestId('rollback-open').count()).toBe(0);
    await screenshot(viewer, 'rule-editor-viewer');
    await viewer.close();
    expect(unexpected(browser.errors)).toEqual([]);
  });
});
