// The daily reconciliation as the running collector wires it: the watched folder's bill is imported and
// the report reaches the finance route (routes.yaml) over real SMTP.
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.ts';
import { buildTestApp } from '../support/test-app.ts';
import { openTestDatabase, type TestDatabase } from '../support/test-database.ts';

describe('daily reconciliation in the app', () => {
  let store: TestDatabase;
  let app: App;
  let smtp: SMTPServer;
  const mails: string[] = [];
  const dir = mkdtempSync(join(tmpdir(), 'orderpulse-bills-'));

  beforeAll(async () => {
    smtp = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      logger: false,
      onData(stream, _session, done) {
        let text = '';
        stream.on('data', (chunk) => {
          text += chunk;
        });
        stream.on('end', () => {
          mails.push(text);
          done();
        });
      },
    });
    await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', resolve));
    const smtpUrl = `smtp://127.0.0.1:${(smtp.server.address() as AddressInfo).port}`;
    mkdirSync(join(dir, 'wechatpay'), { recursive: true });
    copyFileSync(
      join(import.meta.dirname, '../support/fixtures', 'wechatpay-trade-bill-20col.csv'),
      join(dir, 'wechatpay', 'bill-2024-06-01.csv'),
    );
    store = await openTestDatabase('pglite');
    app = await buildTestApp(store.db, {
      ORDERPULSE_BILLS_DIR: dir,
      ORDERPULSE_RECONCILE_AT: 'off',
      ORDERPULSE_SMTP_URL: smtpUrl,
    });
  });
  afterAll(async () => {
    await app.server.close();
    await store.dispose();
    await new Promise<void>((resolve) => smtp.close(() => resolve()));
  });

  it('imports the dropped bill and mails the report to finance', async () => {
    const report = await app.dailyReconciliation.run('2024-06-01');
    expect(report.imports).toHaveLength(1);
    expect(report.unmatchedPayments).toBeGreaterThan(0);
    expect(existsSync(join(dir, 'wechatpay', 'bill-2024-06-01.csv'))).toBe(false);
    expect(readdirSync(join(dir, 'imported')).length).toBe(1);

    const { rows } = await store.db.query<{ receiver: string }>(
      "SELECT receiver FROM notification_outbox WHERE payload->>'rule' = 'reconciliation_report'",
    );
    expect(rows.map((r) => r.receiver)).toEqual(['finance']);
    await expect.poll(() => mails.length, { timeout: 20_000 }).toBe(1);
    expect(mails[0]).toContain('finance@example.com');
  });
});
