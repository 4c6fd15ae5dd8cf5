// `orderpulse import-bill`: argument handling, the summary table, idempotent re-runs and refusals.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.ts';
import { importBillCommand, parseImportBillArgs } from '../../src/cli/import-bill.ts';
import { singleLineBomb, WECHAT_HEADER, WECHAT_SUMMARY_HEADER, wechatRow } from '../support/hostile-bills.ts';
import { auth, buildTestApp } from '../support/test-app.ts';
import { openTestDatabase, type TestDatabase } from '../support/test-database.ts';

const fixture = (name: string) => new URL(`../support/fixtures/${name}`, import.meta.url).pathname;
const repoRoot = new URL('../../../', import.meta.url).pathname;

function capture() {
  let out = '';
  let err = '';
  return {
    stdout: { write: (t: string) => (out += t) },
    stderr: { write: (t: string) => (err += t), isTTY: false },
    get out() {
      return out;
    },
    get err() {
      return err;
    },
  };
}

describe('import-bill arguments', () => {
  it('parses provider, file and options', () => {
    expect(
      parseImportBillArgs(['--provider', 'alipay', 'a.csv', '--tail=6', '--window', '20', '--json']),
    ).toEqual({
      provider: 'alipay',
      file: 'a.csv',
      tail: 6,
      windowMin: 20,
      json: true,
    });
    expect(() => parseImportBillArgs(['a.csv'])).toThrow(/--provider/);
    expect(() => parseImportBillArgs(['--provider', 'wechatpay'])).toThrow(/FILE/);
    expect(() => parseImportBillArgs(['--provider', 'wechatpay', '--tail', '0', 'a'])).toThrow(/positive/);
  });

  it('the real binary prints usage and exits 2 on a bad provider', () => {
    // spawnSync blocks the worker, so no test timeout could stop a hang: each run has a deadline.
    const help = spawnSync(process.execPath, ['bin/orderpulse.js', 'import-bill', '--help'], {
      cwd: repoRoot,
      encoding: 'utf8',
      timeout: 75_000,
    });
    expect(help.status).toBe(0);
    expect(help.stdout).toMatch(/orderpulse import-bill --provider wechatpay\|alipay/);
    const bad = spawnSync(
      process.execPath,
      ['bin/orderpulse.js', 'import-bill', '--provider', 'paypal', 'x.csv'],
      { cwd: repoRoot, encoding: 'utf8', timeout: 75_000 },
    );
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/--provider must be wechatpay or alipay/);
  }, 180_000);
});

describe('import-bill against a store', () => {
  let store: TestDatabase;
  let app: App;
  const env = { ORDERPULSE_TZ: 'Asia/Shanghai', LOG_LEVEL: 'silent' };

  beforeAll(async () => {
    store = await openTestDatabase('pglite');
    app = await buildTestApp(store.db);
    // ORD20240601000123 is in the 20-column fixture; ORD-LOST has no payment anywhere
    const res = await app.server.inject({
      method: 'POST',
      url: '/v1/events',
      headers: auth('ingest'),
      payload: [
        {
          id: 'e1',
          type: 'order.status',
          occurred_at: '2024-06-01T10:15:00+08:00',
          order_id: 'ORD20240601000123',
          store_id: 'S7',
          status: 'paid',
          amount_fen: 12800,
        },
        {
          id: 'e2',
          type: 'order.status',
          occurred_at: '2024-06-01T11:00:00+08:00',
          order_id: 'ORD-LOST',
          store_id: 'S7',
          status: 'paid',
          amount_fen: 500,
        },
      ],
    });
    expect(res.statusCode).toBe(202);
  }, 180_000);

  afterAll(async () => {
    await app?.server.close();
    await store?.dispose();
  });

  it('imports, prints progress and a summary table; a second run changes nothing', async () => {
    const io = capture();
    const code = await importBillCommand(
      ['--provider', 'wechatpay', fixture('wechatpay-trade-bill-20col.csv')],
      {
        ...io,
        env,
        openDb: async () => store.db,
      },
    );
    expect(io.err).toMatch(/matching…/);
    expect(code).toBe(0);
    expect(io.out).toMatch(/wechatpay bill wechatpay-trade-bill-20col\.csv → import \d+\n/);
    expect(io.out).toMatch(/bill rows\s+2\n/);
    expect(io.out).toMatch(/matched by order number\s+1\n/);
    expect(io.out).toMatch(/paid, no order \(漏单\)\s+1\n/);
    expect(io.out).toMatch(/order paid, not in bill\s+1\n/);
    // Both bill rows came from S7's till POS-7, so the unmatched payment is S7's missing order.
    expect(io.out).toMatch(/S7\s+2024-06-01\s+2\s+2\s+1\s+1\s+50\.0%/);

    const again = capture();
    expect(
      await importBillCommand(
        ['--provider', 'wechatpay', '--json', fixture('wechatpay-trade-bill-20col.csv')],
        {
          ...again,
          env,
          openDb: async () => store.db,
        },
      ),
    ).toBe(0);
    expect(JSON.parse(again.out)).toMatchObject({ already_imported: true, rows: 2, matched: 1 });
  });

  it('exits 1 naming what it expected for a file that is not such a bill, or a missing file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'op-cli-'));
    const path = join(dir, 'orders.csv');
    writeFileSync(path, 'order_id,amount\nA,1\n');
    const io = capture();
    expect(
      await importBillCommand(['--provider', 'alipay', path], { ...io, env, openDb: async () => store.db }),
    ).toBe(1);
    expect(io.err).toMatch(/expected an Alipay 业务明细 bill/);
    const missing = capture();
    expect(
      await importBillCommand(['--provider', 'alipay', join(dir, 'nope.csv')], {
        ...missing,
        env,
        openDb: async () => store.db,
      }),
    ).toBe(1);
    expect(missing.err).toMatch(/no such file/);
  });
});

describe('import-bill with real-world and hostile files', () => {
  let store: TestDatabase;
  const env = { ORDERPULSE_TZ: 'Asia/Shanghai', LOG_LEVEL: 'silent' };
  const dir = mkdtempSync(join(tmpdir(), 'op-cli-real-'));

  beforeAll(async () => {
    store = await openTestDatabase('pglite');
  }, 180_000);

  afterAll(async () => {
    await store?.dispose();
  });

  it('imports a WeChat bill with commas in free text and lists the row it could not read', async () => {
    const path = join(dir, 'wechat.csv');
    writeFileSync(
      path,
      [
        WECHAT_HEADER,
        wechatRow({ txn: '4200000201', order: 'CLI-1', yuan: '5.00', product: '苹果,香蕉 2件' }),
        wechatRow({ txn: '4200000202', order: 'CLI-2', yuan: '6.00', attach: '{"store_id":"S5","n":2}' }),
        wechatRow({ txn: '4200000203', order: 'CLI-3', yuan: 'abc' }),
        WECHAT_SUMMARY_HEADER,
        '`3,`11.00,`0.00,`0.00,`0.00000,`11.00,`0.00',
      ].join('\n'),
    );
    const io = capture();
    const code = await importBillCommand(['--provider', 'wechatpay', path], {
      ...io,
      env,
      openDb: async () => store.db,
    });
    expect(io.err).not.toMatch(/orderpulse import-bill:/);
    expect(code).toBe(0);
    expect(io.out).toMatch(/bill rows\s+2\n/);
    expect(io.out).toMatch(/rows that could not be read\s+1\n/);
    expect(io.out).toContain('line 4: expected an amount in yuan; found "abc"');
    const json = capture();
    await importBillCommand(['--provider', 'wechatpay', '--json', path], {
      ...json,
      env,
      openDb: async () => store.db,
    });
    expect(JSON.parse(json.out)).toMatchObject({
      already_imported: true,
      rows: 2,
      rejected_rows: [{ line: 4, message: 'expected an amount in yuan; found "abc"' }],
      rejected_rows_total: 1,
    });
  });

  it('exits 1 naming the line for a gzip whose one line runs to 40 MB', async () => {
    const path = join(dir, 'bomb.csv.gz');
    writeFileSync(path, singleLineBomb(40 * 1024 * 1024));
    const io = capture();
    const code = await importBillCommand(['--provider', 'wechatpay', path], {
      ...io,
      env,
      openDb: async () => store.db,
    });
    expect(code).toBe(1);
    expect(io.err).toMatch(/bomb\.csv\.gz: line 1: a line may be at most 65536 bytes\n$/);
  });
});
