// End-to-end bill import on real PostgreSQL: N paid orders in the store, an N-row WeChat Pay bill file
// (98 % exact, 1 % fuzzy, 1 % paid-without-order), then importBillFile — parse, store lines, match,
// results, pending pool — timed, with the process's peak RSS sampled.
// Run: BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/op_payments \
//        node --import tsx bench/bill-import-1m.ts [N]
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createWriteStream, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { importBillFile } from '../collector/src/reconciliation/import-bill.ts';
import { openDatabase } from '../collector/src/store/open-database.ts';

const url = process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL;
if (!url)
  throw new Error('set BENCH_DATABASE_URL to a PostgreSQL database this benchmark may create a schema in');
const n = Number(process.argv[2] ?? 1_000_000);
const schema = `bench_${randomBytes(4).toString('hex')}`;
const dayStart = Date.parse('2024-06-01T00:00:00+08:00');
const local = (ms: number) => new Date(ms + 8 * 3_600_000).toISOString().slice(0, 19).replace('T', ' ');

const db = await openDatabase({ databaseUrl: url, schema });
try {
  const seedStarted = performance.now();
  for (let from = 0; from < n; from += 5000) {
    const ids: string[] = [];
    const stores: string[] = [];
    const amounts: number[] = [];
    const times: string[] = [];
    for (let i = from; i < Math.min(n, from + 5000); i++) {
      if (i % 100 === 99) continue; // paid in the bill, no order
      const store = `S${String(i % 327).padStart(3, '0')}`;
      ids.push(`${store}-20240601-${String(i).padStart(7, '0')}`);
      stores.push(store);
      amounts.push(500 + ((i * 7919) % 20_000));
      times.push(new Date(dayStart + Math.floor((i / n) * 86_000_000)).toISOString());
    }
    await db.query(
      `INSERT INTO orders (order_id, store_id, status, status_at, status_rank, amount_fen, paid_at, first_seen_at,
         last_event_at, updated_at)
       SELECT o.id, o.store, 'paid', o.at, 1, o.amount, o.at, o.at, o.at, o.at
       FROM unnest($1::text[], $2::text[], $3::bigint[], $4::timestamptz[]) AS o(id, store, amount, at)`,
      [ids, stores, amounts, times],
    );
  }
  const seedMs = performance.now() - seedStarted;

  const dir = mkdtempSync(join(tmpdir(), 'op-bench-'));
  const file = join(dir, 'tradebill.csv');
  const out = createWriteStream(file);
  out.write(
    '交易时间,公众账号ID,商户号,特约商户号,设备号,微信订单号,商户订单号,用户标识,交易类型,交易状态,付款银行,货币种类,应结订单金额,代金券金额,微信退款单号,商户退款单号,退款金额,充值券退款金额,退款类型,退款状态,商品名称,商户数据包,手续费,费率,订单金额,申请退款金额,费率备注\n',
  );
  for (let i = 0; i < n; i++) {
    const store = `S${String(i % 327).padStart(3, '0')}`;
    const kind = i % 100;
    if (kind === 98) continue; // order with no payment
    const orderNo =
      kind === 97 ? `POS${String(i).padStart(7, '0')}` : `${store}-20240601-${String(i).padStart(7, '0')}`;
    const yuan = (500 + ((i * 7919) % 20_000)) / 100;
    const amount = yuan.toFixed(2);
    const at = local(dayStart + Math.floor((i / n) * 86_000_000) + 30_000);
    const line = `\`${at},\`wx1,\`1900000001,\`0,\`${store}-POS-${i % 3},\`4200${String(i).padStart(10, '0')},\`${orderNo},\`o,\`MICROPAY,\`SUCCESS,\`OTHERS,\`CNY,\`${amount},\`0.00,\`0,\`0,\`0.00,\`0.00,\`,\`,\`tea,\`{"store_id":"${store}"},\`0.00000,\`0.60%,\`${amount},\`0.00,\`\n`;
    if (!out.write(line)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');

  let peakRss = process.memoryUsage().rss;
  const sampler = setInterval(() => {
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
  }, 100);
  const phases: Record<string, number> = {};
  const started = performance.now();
  const result = await importBillFile(db, {
    provider: 'wechatpay',
    filePath: file,
    actor: 'bench',
    now: Date.now(),
    timeZone: 'Asia/Shanghai',
    onProgress: (p) => {
      phases[p.phase] ??= Math.round(performance.now() - started);
    },
  });
  const ms = performance.now() - started;
  clearInterval(sampler);
  console.log(
    JSON.stringify({
      n,
      seedOrdersMs: Math.round(seedMs),
      importMs: Math.round(ms),
      rowsPerSecond: Math.round(result.record.rows / (ms / 1000)),
      phaseStartedAtMs: phases,
      peakRssMiB: Math.round(peakRss / 1048576),
      rows: result.record.rows,
      matched: result.record.matched,
      fuzzy: result.record.fuzzyMatched,
      unmatchedPayments: result.record.unmatchedPayments,
      unmatchedOrders: result.record.unmatchedOrders,
      pendingAdded: result.pendingAdded,
    }),
  );
} finally {
  await db.close();
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  await client.end();
}
