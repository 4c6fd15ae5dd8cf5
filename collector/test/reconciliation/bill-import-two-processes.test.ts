// One bill uploaded twice at once to two collectors on the same PostgreSQL (a retry after a proxy's
// time-out that the balancer sent to the other ingress node): one imports it, the other waits and
// answers as a repeat of that import, and every line is stored once; if the first dies instead, the
// second goes on once its connection is gone. Two stores opened on one schema stand for the two
// processes: each has its own pool and none of the other's in-process state.
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { holdFileImport } from '../../src/reconciliation/bill-import-queries.ts';
import { type ImportBillOptions, importBillFile } from '../../src/reconciliation/import-bill.ts';
import type { Database } from '../../src/store/database.ts';
import { openDatabase } from '../../src/store/open-database.ts';
import { oneYuanBill } from '../support/hostile-bills.ts';
import { dropSchema, uniqueSchema } from '../support/test-database.ts';

const url = process.env.TEST_DATABASE_URL;
const LINES = 6_000;
const DAY = '2024-07-07';

function writeBill(dir: string): string {
  const path = join(dir, 'twice.csv');
  writeFileSync(path, oneYuanBill(DAY, LINES, 'T'));
  return path;
}

describe.runIf(url)('one bill uploaded to two collectors at once (postgres)', () => {
  const schema = uniqueSchema();
  let first: Database;
  let second: Database;
  let file: string;

  beforeAll(async () => {
    first = await openDatabase({ databaseUrl: url, schema });
    second = await openDatabase({ databaseUrl: url, schema });
    file = writeBill(mkdtempSync(join(tmpdir(), 'op-bill-twice-')));
  }, 180_000);

  afterAll(async () => {
    await first?.close();
    await second?.close();
    if (url) await dropSchema(url, schema);
  });

  it.each([
    ['matched in the store', true],
    ['matched in the process', false],
  ])(
    'is imported by one, answered as a repeat by the other, each line stored once (%s)',
    async (_, matchInStore) => {
      await first.query(
        'TRUNCATE bill_imports, bill_rows, bill_import_staged, reconciliation_results CASCADE',
      );
      const options: ImportBillOptions = {
        provider: 'wechatpay',
        filePath: file,
        actor: 'test',
        now: Date.now(),
        timeZone: 'Asia/Shanghai',
        matchInStore,
        // small chunks, so that both imports are part-way at once
        stageChunkLines: 500,
      };
      const results = await Promise.all([importBillFile(first, options), importBillFile(second, options)]);

      const imported = results.filter((r) => !r.alreadyImported);
      expect(imported).toHaveLength(1);
      const [record] = imported.map((r) => r.record);
      expect(record).toMatchObject({ rows: LINES, unmatchedPayments: LINES, matched: 0 });
      for (const result of results) expect(result.record.id).toBe(record!.id);

      const { rows } = await first.query<{
        imports: number;
        lines: number;
        distinct_lines: number;
        staged: number;
      }>(
        `SELECT (SELECT count(*)::int FROM bill_imports) AS imports,
                (SELECT count(*)::int FROM bill_rows) AS lines,
                (SELECT count(DISTINCT line)::int FROM bill_rows) AS distinct_lines,
                (SELECT count(*)::int FROM bill_import_staged) AS staged`,
      );
      expect(rows[0]).toEqual({ imports: 1, lines: LINES, distinct_lines: LINES, staged: 0 });
    },
    180_000,
  );

  it('waits while another collector holds the file, and imports it once that collector is gone', async () => {
    await first.query('TRUNCATE bill_imports, bill_rows, bill_import_staged, reconciliation_results CASCADE');
    const sha256 = createHash('sha256').update(readFileSync(file)).digest('hex');
    // a collector mid-import of this file, on a connection of its own
    const dying = new pg.Client({ connectionString: url, options: `-c search_path=${schema}` });
    await dying.connect();
    dying.on('error', () => {});
    const { rows: backend } = await dying.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
    await dying.query('BEGIN');
    await holdFileImport(dying, 'wechatpay', sha256);

    let settled = false;
    const importing = importBillFile(second, {
      provider: 'wechatpay',
      filePath: file,
      actor: 'test',
      now: Date.now(),
      timeZone: 'Asia/Shanghai',
    }).finally(() => {
      settled = true;
    });
    const waiting = async () =>
      (
        await first.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM pg_stat_activity
           WHERE wait_event_type = 'Lock' AND wait_event = 'advisory' AND query LIKE '%orderpulse.bill_import%'`,
        )
      ).rows[0]!.n;
    await expect.poll(waiting).toBe(1);
    expect(settled).toBe(false);
    expect((await first.query('SELECT 1 FROM bill_rows')).rowCount).toBe(0);

    await first.query('SELECT pg_terminate_backend($1)', [backend[0]!.pid]);
    const result = await importing;
    expect(result).toMatchObject({ alreadyImported: false, record: { rows: LINES } });
    expect((await first.query('SELECT 1 FROM bill_rows')).rowCount).toBe(LINES);
    await dying.end().catch(() => {});
  }, 180_000);
});
