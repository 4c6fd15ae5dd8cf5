// The memory a bill upload takes in `orderpulse serve` on PostgreSQL, as an operator sends it: a
// WeChat trade bill of BENCH_UPLOAD_LINES lines (default 300,000) posted to /v1/bills/wechatpay of a
// spawned collector with no orders, so no line matches (a first import before any order events, or a
// long callback outage), against the same process's idle RSS before it. VmRSS before, VmHWM (peak)
// and VmRSS after, from /proc. Node flags as `npm start` ends up with them (bench/launch-flags.ts).
//   npx tsx bench/bill-upload-rss.ts      (BENCH_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/test)
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { oneYuanBill } from '../collector/test/support/hostile-bills.ts';
import { spawnCollector } from '../collector/test/support/spawn-collector.ts';
import { dropSchema } from '../collector/test/support/test-database.ts';
import { TOKENS } from '../collector/test/support/test-tokens.ts';
import { launchFlags } from './launch-flags.ts';
import { waitReady } from './wait-ready.ts';

const url = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const LINES = Number(process.env.BENCH_UPLOAD_LINES ?? 300_000);

const dir = mkdtempSync(join(tmpdir(), 'op-bill-upload-rss-'));
const file = join(dir, 'bill.csv');
writeFileSync(file, oneYuanBill('2024-08-08', LINES, 'U'));

const schema = `bench_upload_${randomBytes(3).toString('hex')}`;
const collector = await spawnCollector(
  { DATABASE_URL: url, ORDERPULSE_DB_SCHEMA: schema, LOG_LEVEL: 'error' },
  { nodeFlags: launchFlags('postgres') },
);
const mib = (field: string) =>
  Number(
    new RegExp(`${field}:\\s+(\\d+)`).exec(readFileSync(`/proc/${collector.child.pid}/status`, 'utf8'))?.[1],
  ) / 1024;
try {
  await waitReady(collector.url);
  await new Promise((resolve) => setTimeout(resolve, 3_000));
  const before = mib('VmRSS');
  const started = performance.now();
  const answer = await fetch(`${collector.url}/v1/bills/wechatpay`, {
    method: 'POST',
    headers: { authorization: `Bearer ${TOKENS.operator}`, 'content-type': 'text/csv' },
    body: readFileSync(file),
  });
  const reply = (await answer.json()) as { rows?: number; unmatched_payments?: number };
  if (!answer.ok) throw new Error(`/v1/bills answered ${answer.status}: ${JSON.stringify(reply)}`);
  const seconds = (performance.now() - started) / 1000;
  process.stdout.write(
    `bill upload of ${LINES} lines matching no order, PostgreSQL, ${launchFlags('postgres').join(' ')}; loadavg ${loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')}\n` +
      `rows ${reply.rows}, unmatched payments ${reply.unmatched_payments}, ${seconds.toFixed(1)} s\n` +
      `RSS idle before ${before.toFixed(0)} MiB, peak ${mib('VmHWM').toFixed(0)} MiB, after ${mib('VmRSS').toFixed(0)} MiB\n`,
  );
} finally {
  collector.child.kill('SIGTERM');
  await collector.exited;
  await dropSchema(url, schema);
  rmSync(dir, { recursive: true, force: true });
}
