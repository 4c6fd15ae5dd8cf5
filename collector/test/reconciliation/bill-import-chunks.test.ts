// A large bill import writes its lines in chunks and never holds the store for the whole file: on the
// embedded store (one connection) an event posted mid-import is acknowledged before the import ends.
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.ts';
import { importBillFile } from '../../src/reconciliation/import-bill.ts';
import { oneYuanBill } from '../support/hostile-bills.ts';
import { auth, buildTestApp } from '../support/test-app.ts';
import { openTestDatabase, STORE_KINDS, type TestDatabase } from '../support/test-database.ts';

const tmp = mkdtempSync(join(tmpdir(), 'op-bill-chunks-'));

function writeBill(name: string, rows: number, day: string): string {
  const path = join(tmp, name);
  writeFileSync(path, oneYuanBill(day, rows, 'C'));
  return path;
}

describe.each(STORE_KINDS)('bill import in chunks (%s)', (kind) => {
  let store: TestDatabase;
  let app: App;
  const count = async (sql: string) => Number((await store.db.query<{ n: string }>(sql)).rows[0]?.n);

  beforeAll(async () => {
    store = await openTestDatabase(kind);
    app = await buildTestApp(store.db);
  }, 180_000);

  afterAll(async () => {
    await app?.server.close();
    await store?.dispose();
  });

  it('acknowledges an event posted while a 25,000-row bill is being saved before the import replies', async () => {
    const rows = 25_000; // five chunks of lines, and as many unmatched payments for the pending pool
    const file = writeBill('large.csv', rows, '2024-06-05');
    const finished: string[] = [];
    let event: Promise<{ statusCode: number; body: string }> | undefined;
    const imported = importBillFile(store.db, {
      provider: 'wechatpay',
      filePath: file,
      actor: 'test',
      now: Date.now(),
      timeZone: 'Asia/Shanghai',
      onProgress: (p) => {
        // parsed and matched; the lines are about to be written
        if (p.phase !== 'saving' || event) return;
        event = app.server
          .inject({
            method: 'POST',
            url: '/v1/events',
            headers: auth('ingest'),
            payload: {
              id: 'during-import',
              type: 'order.status',
              occurred_at: new Date().toISOString(),
              order_id: 'DURING-1',
              store_id: 'S1',
              status: 'created',
            },
          })
          .then((res) => {
            finished.push('event');
            return res;
          });
      },
    }).then((result) => {
      finished.push('import');
      return result;
    });
    const result = await imported;
    expect(event).toBeDefined();
    const reply = await event;
    expect(reply?.statusCode).toBe(202);
    expect(finished).toEqual(['event', 'import']);
    expect(result.record).toMatchObject({ rows, unmatchedPayments: rows });
    expect(await count(`SELECT count(*) AS n FROM bill_rows WHERE day = '2024-06-05'`)).toBe(rows);
    expect(await count(`SELECT count(*) AS n FROM events WHERE order_id = 'DURING-1'`)).toBe(1);
  }, 300_000);

  it('an import left unfinished (the process died mid-way) is completed by the next upload of the file', async () => {
    const file = writeBill('small.csv', 3, '2024-06-06');
    const sha256 = createHash('sha256').update(readFileSync(file)).digest('hex');
    const { rows } = await store.db.query<{ id: string }>(
      `INSERT INTO bill_imports (provider, file_sha256, imported_at, imported_by, rows, refunds, matched,
         fuzzy_matched, unmatched_payments, unmatched_orders)
       VALUES ('wechatpay', $1, now(), 'test', 0, 0, 0, 0, 0, 0) RETURNING id`,
      [sha256],
    );
    const options = {
      provider: 'wechatpay' as const,
      filePath: file,
      actor: 'test',
      now: Date.now(),
      timeZone: 'Asia/Shanghai',
    };
    const result = await importBillFile(store.db, options);
    expect(result).toMatchObject({ alreadyImported: false, record: { id: Number(rows[0]?.id), rows: 3 } });
    expect(await count(`SELECT count(*) AS n FROM bill_rows WHERE day = '2024-06-06'`)).toBe(3);
    expect((await importBillFile(store.db, options)).alreadyImported).toBe(true);
  });
});
