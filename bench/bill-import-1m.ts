// End-to-end bill import: N paid orders in the store, an N-row WeChat Pay bill file (98 % exact, 1 % fuzzy,
// 1 % paid-without-order), then importBillFile — parse and write the lines, match, results, pending
// pool — timed, with the process's peak RSS sampled and one event written every 20 ms during the import
// (its acknowledgement latency: the time to commit through the EventWriter). Baseline in the same run:
// the same rows loaded raw into a plain table (COPY on PostgreSQL, multi-row INSERTs on the embedded
// store), which is the floor of any import that stores every line. Where an ack's time goes: the
// event loop's delay during the import (monitorEventLoopDelay), and per event the part of its ack time
// the loop was busy running JavaScript (eventLoopUtilization over the ack: the import's synchronous
// stretches and the writer's own work) against the part it sat idle waiting for the store.
// Run: BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/test node --import tsx bench/bill-import-1m.ts [N]
//   BENCH_IMPORT_ROWS=N                  rows when no argument is given (default 1,000,000)
//   BENCH_IMPORT_STORES=postgres,embedded which stores (default postgres)
//   BENCH_IMPORT_PATHS=store,process     match in the store and/or in this process (default store)
//   BENCH_IMPORT_EMBEDDED_ROWS=N         rows on the embedded store (default N)
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createWriteStream, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import pg from 'pg';
import { importBillFile } from '../collector/src/reconciliation/import-bill.ts';
import type { Database } from '../collector/src/store/database.ts';
import { EventWriter } from '../collector/src/store/event-writer.ts';
import { openDatabase } from '../collector/src/store/open-database.ts';

const url = process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL;
const n = Number(process.argv[2] ?? process.env.BENCH_IMPORT_ROWS ?? 1_000_000);
const stores = (process.env.BENCH_IMPORT_STORES ?? 'postgres').split(',') as ('postgres' | 'embedded')[];
const paths = (process.env.BENCH_IMPORT_PATHS ?? 'store').split(',') as ('store' | 'process')[];
if (stores.includes('postgres') && !url)
  throw new Error('set BENCH_DATABASE_URL to a PostgreSQL database this benchmark may create a schema in');
const dayStart = Date.parse('2024-06-01T00:00:00+08:00');
const local = (ms: number) => new Date(ms + 8 * 3_600_000).toISOString().slice(0, 19).replace('T', ' ');
const storeOf = (i: number) => `S${String(i % 327).padStart(3, '0')}`;
const amountOf = (i: number) => 500 + ((i * 7919) % 20_000);
const paidAtOf = (i: number, rows: number) => dayStart + Math.floor((i / rows) * 86_000_000);

async function seedOrders(db: Database, rows: number): Promise<number> {
  const started = performance.now();
  for (let from = 0; from < rows; from += 5000) {
    const ids: string[] = [];
    const stores: string[] = [];
    const amounts: number[] = [];
    const times: string[] = [];
    for (let i = from; i < Math.min(rows, from + 5000); i++) {
      if (i % 100 === 99) continue; // paid in the bill, no order
      ids.push(`${storeOf(i)}-20240601-${String(i).padStart(7, '0')}`);
      stores.push(storeOf(i));
      amounts.push(amountOf(i));
      times.push(new Date(paidAtOf(i, rows)).toISOString());
    }
    await db.query(
      `INSERT INTO orders (order_id, store_id, status, status_at, status_rank, amount_fen, paid_at, first_seen_at,
         last_event_at, updated_at)
       SELECT o.id, o.store, 'paid', o.at, 1, o.amount, o.at, o.at, o.at, o.at
       FROM unnest($1::text[], $2::text[], $3::bigint[], $4::timestamptz[]) AS o(id, store, amount, at)`,
      [ids, stores, amounts, times],
    );
  }
  return performance.now() - started;
}

interface BillLine {
  txn: string;
  orderNo: string;
  at: number;
  fen: number;
  device: string;
  text: string;
}

function* billLines(rows: number): Generator<BillLine> {
  for (let i = 0; i < rows; i++) {
    const store = storeOf(i);
    const kind = i % 100;
    if (kind === 98) continue; // order with no payment
    const orderNo =
      kind === 97 ? `POS${String(i).padStart(7, '0')}` : `${store}-20240601-${String(i).padStart(7, '0')}`;
    const amount = (amountOf(i) / 100).toFixed(2);
    const at = paidAtOf(i, rows) + 30_000;
    const txn = `4200${String(i).padStart(10, '0')}`;
    const device = `${store}-POS-${i % 3}`;
    const text = `\`${local(at)},\`wx1,\`1900000001,\`0,\`${device},\`${txn},\`${orderNo},\`o,\`MICROPAY,\`SUCCESS,\`OTHERS,\`CNY,\`${amount},\`0.00,\`0,\`0,\`0.00,\`0.00,\`,\`,\`tea,\`{"store_id":"${store}"},\`0.00000,\`0.60%,\`${amount},\`0.00,\``;
    yield { txn, orderNo, at, fen: amountOf(i), device, text };
  }
}

async function writeBill(rows: number): Promise<string> {
  const file = join(mkdtempSync(join(tmpdir(), 'op-bench-')), 'tradebill.csv');
  const out = createWriteStream(file);
  out.write(
    '交易时间,公众账号ID,商户号,特约商户号,设备号,微信订单号,商户订单号,用户标识,交易类型,交易状态,付款银行,货币种类,应结订单金额,代金券金额,微信退款单号,商户退款单号,退款金额,充值券退款金额,退款类型,退款状态,商品名称,商户数据包,手续费,费率,订单金额,申请退款金额,费率备注\n',
  );
  for (const line of billLines(rows)) if (!out.write(`${line.text}\n`)) await once(out, 'drain');
  out.end();
  await once(out, 'finish');
  return file;
}

const esc = (v: string) =>
  v.replace(/[\\\t\n\r]/g, (c) => ({ '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' })[c] ?? c);

/** The same rows loaded raw into a plain table, in chunks of 20,000: the floor of storing every line. */
async function rawLoad(db: Database, rows: number): Promise<number> {
  await db.query(`CREATE TABLE bench_raw_lines (transaction_id text, merchant_order_no text, paid_at timestamptz,
    amount_fen bigint, device_id text, raw text)`);
  const started = performance.now();
  let chunk: BillLine[] = [];
  const flush = async () => {
    if (chunk.length === 0) return;
    if (db.copyIn) {
      let data = '';
      for (const l of chunk)
        data += `${l.txn}\t${l.orderNo}\t${new Date(l.at).toISOString()}\t${l.fen}\t${l.device}\t${esc(l.text)}\n`;
      await db.copyIn('COPY bench_raw_lines FROM STDIN', data);
    } else {
      await db.query(
        `INSERT INTO bench_raw_lines SELECT * FROM unnest($1::text[], $2::text[], $3::timestamptz[], $4::bigint[],
           $5::text[], $6::text[])`,
        [
          chunk.map((l) => l.txn),
          chunk.map((l) => l.orderNo),
          chunk.map((l) => new Date(l.at).toISOString()),
          chunk.map((l) => l.fen),
          chunk.map((l) => l.device),
          chunk.map((l) => l.text),
        ],
      );
    }
    chunk = [];
  };
  for (const line of billLines(rows)) {
    chunk.push(line);
    if (chunk.length >= 20_000) await flush();
  }
  await flush();
  const ms = performance.now() - started;
  await db.query('DROP TABLE bench_raw_lines');
  return ms;
}

const quantile = (sorted: readonly number[], q: number) =>
  sorted.length === 0
    ? Number.NaN
    : (sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN);

async function run(store: 'postgres' | 'embedded', path: 'store' | 'process', rows: number): Promise<void> {
  const schema = `bench_${randomBytes(4).toString('hex')}`;
  const db = await openDatabase({ databaseUrl: store === 'postgres' ? url : undefined, schema });
  try {
    const seedMs = await seedOrders(db, rows);
    const file = await writeBill(rows);
    const rawMs = await rawLoad(db, rows);

    const writer = new EventWriter(db, {
      maxBatchEvents: 100,
      queueLimit: 10_000,
      concurrency: store === 'embedded' ? 1 : 2,
    });
    const acks: number[] = [];
    const busy: number[] = [];
    // The import's phase when each event was sent (before the first progress report: hashing the file).
    const phaseOf: string[] = [];
    let phase = 'hashing';
    let eventNo = 0;
    let importing = true;
    const events = (async () => {
      while (importing) {
        const sent = performance.now();
        const loopAtSend = performance.eventLoopUtilization();
        phaseOf.push(phase);
        await writer.write([
          {
            type: 'order.status',
            id: `bench-${eventNo}`,
            source: 'pos',
            orderId: `DURING-${eventNo++}`,
            storeId: 'S000',
            occurredAt: Date.now(),
            status: 'created',
          },
        ]);
        acks.push(performance.now() - sent);
        busy.push(performance.eventLoopUtilization(loopAtSend).active);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    })();

    const rssBefore = process.memoryUsage().rss;
    let peakRss = rssBefore;
    const sampler = setInterval(() => {
      peakRss = Math.max(peakRss, process.memoryUsage().rss);
    }, 100);
    const phases: Record<string, number> = {};
    const loopDelay = monitorEventLoopDelay({ resolution: 10 });
    loopDelay.enable();
    // the histogram holds whole timer intervals: the delay is what passes the 10 ms resolution
    const ns = (v: number) => Number(Math.max(0, v / 1e6 - 10).toFixed(1));
    const loopStats = () =>
      `${ns(loopDelay.percentile(50))} / ${ns(loopDelay.percentile(99))} / ${ns(loopDelay.max)} ms`;
    const loopByPhase: Record<string, string> = {};
    const started = performance.now();
    const result = await importBillFile(db, {
      provider: 'wechatpay',
      filePath: file,
      actor: 'bench',
      now: Date.now(),
      timeZone: 'Asia/Shanghai',
      matchInStore: path === 'store',
      onProgress: (p) => {
        phases[p.phase] ??= Math.round(performance.now() - started);
        if (p.phase !== phase) {
          loopByPhase[phase] = loopStats();
          loopDelay.reset();
        }
        phase = p.phase;
      },
    });
    const ms = performance.now() - started;
    clearInterval(sampler);
    loopByPhase[phase] = loopStats();
    loopDelay.disable();
    importing = false;
    await events;
    await writer.close();
    const sorted = [...acks].sort((a, b) => a - b);
    // The slowest 1 % of acks: how much of each the loop spent running JavaScript rather than waiting.
    const slowest = acks
      .map((ack, i) => ({ ack, busy: busy[i] ?? 0 }))
      .sort((a, b) => b.ack - a.ack)
      .slice(0, Math.max(1, Math.ceil(acks.length / 100)));
    const byPhase: Record<string, string> = {};
    for (const name of new Set(phaseOf)) {
      const inPhase = acks.filter((_, i) => phaseOf[i] === name).sort((a, b) => a - b);
      byPhase[name] =
        `${quantile(inPhase, 0.5).toFixed(1)} / ${quantile(inPhase, 0.99).toFixed(1)} / ${(inPhase[inPhase.length - 1] ?? Number.NaN).toFixed(1)} ms (${inPhase.length})`;
    }
    const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / Math.max(1, values.length);
    console.log(
      JSON.stringify({
        store,
        matchIn: path,
        n: rows,
        seedOrdersMs: Math.round(seedMs),
        rawLoadMs: Math.round(rawMs),
        rawRowsPerSecond: Math.round(result.record.rows / (rawMs / 1000)),
        importMs: Math.round(ms),
        rowsPerSecond: Math.round(result.record.rows / (ms / 1000)),
        importOverRaw: Number((ms / rawMs).toFixed(2)),
        phaseStartedAtMs: phases,
        rssBeforeMiB: Math.round(rssBefore / 1048576),
        peakRssMiB: Math.round(peakRss / 1048576),
        eventsDuringImport: acks.length,
        ackP50Ms: Number(quantile(sorted, 0.5).toFixed(1)),
        ackP99Ms: Number(quantile(sorted, 0.99).toFixed(1)),
        ackMaxMs: Number((sorted[sorted.length - 1] ?? Number.NaN).toFixed(1)),
        ackP50P99MaxByPhase: byPhase,
        ackSlowest1PctMeanMs: Number(mean(slowest.map((s) => s.ack)).toFixed(1)),
        ackSlowest1PctLoopBusyMs: Number(mean(slowest.map((s) => s.busy)).toFixed(1)),
        ackLoopBusyP50Ms: Number(
          quantile(
            [...busy].sort((a, b) => a - b),
            0.5,
          ).toFixed(1),
        ),
        loopDelayP50P99MaxByPhase: loopByPhase,
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
    if (store === 'postgres') {
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await client.end();
    }
  }
}

for (const store of stores) {
  const rows = store === 'embedded' ? Number(process.env.BENCH_IMPORT_EMBEDDED_ROWS ?? n) : n;
  for (const path of paths) await run(store, path, rows);
}
