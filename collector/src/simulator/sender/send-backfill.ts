// Sends the planned past days (history-backfill.ts) the way a merchant's systems would: the sales as
// NDJSON to /v1/events, then each day's WeChat trade bill to
// /v1/bills/wechatpay, oldest first. Days the collector already reports as reconciled are left out,
// so a second demo on the same data dir sends nothing again.
import type { WireEvent } from '../actions.ts';
import { type BackfillConfig, type BackfillDay, planBackfillDay } from '../history-backfill.ts';
import { wechatpayBillCsv } from '../wechatpay-bill.ts';
import { postWithRetry } from './http-post.ts';
import { Concurrency } from './pacing.ts';

export interface BackfillTarget {
  url: string;
  ingestToken: string;
  /** Uploads the bills and reads which days are reconciled. */
  operatorToken: string;
}

export interface BackfillSummary {
  days: number;
  /** Days already reconciled by an earlier run, not sent again. */
  skippedDays: number;
  events: number;
  billLines: number;
  missing: number;
  seconds: number;
  /** Of `seconds`, the part spent sending the sales (the rest is the bills). */
  eventSeconds: number;
}

export interface SendBackfillOptions {
  target: BackfillTarget;
  config: BackfillConfig;
  days: readonly string[];
  batchSize?: number;
  concurrency?: number;
  signal?: AbortSignal;
}

export async function sendBackfill(options: SendBackfillOptions): Promise<BackfillSummary> {
  const began = performance.now();
  const { target, config, days, signal } = options;
  const base = target.url.replace(/\/+$/, '');
  const done = await reconciledDays(base, target.operatorToken, days);
  const planned: BackfillDay[] = days.filter((d) => !done.has(d)).map((d) => planBackfillDay(config, d));
  const batchSize = options.batchSize ?? 1000;
  const pool = new Concurrency(options.concurrency ?? 2);
  let events = 0;

  const postEvents = async (list: readonly WireEvent[]) => {
    const body = `${list.map((e) => JSON.stringify(e)).join('\n')}\n`;
    const headers = { authorization: `Bearer ${target.ingestToken}`, 'content-type': 'application/x-ndjson' };
    let res = await postWithRetry(`${base}/v1/events`, { headers, body }, { ...(signal && { signal }) });
    // In the demo the collector shares this process: while the embedded store is busy, a body may
    // arrive too slowly for the server's request timeout. Sending it again is safe (ids are idempotent).
    for (let retry = 0; res.status === 408 && retry < 3; retry++)
      res = await postWithRetry(`${base}/v1/events`, { headers, body }, { ...(signal && { signal }) });
    if (res.status !== 202) throw new Error(`/v1/events ${res.status} ${res.body.slice(0, 200)}`);
    const reply = JSON.parse(res.body) as { accepted: number; duplicates: number; rejected: unknown[] };
    if (reply.rejected.length > 0)
      throw new Error(`/v1/events rejected ${JSON.stringify(reply.rejected[0]).slice(0, 200)}`);
    events += reply.accepted + reply.duplicates;
  };
  // Every sale is committed before the first bill: a bill is reconciled against the orders known then.
  const sendAll = async (list: readonly WireEvent[]) => {
    const started: Promise<void>[] = [];
    let failure: unknown;
    for (let i = 0; i < list.length && failure === undefined; i += batchSize) {
      const batch = list.slice(i, i + batchSize);
      const run = await pool.run(() =>
        postEvents(batch).catch((error: unknown) => {
          failure ??= error;
        }),
      );
      started.push(run.done);
    }
    await Promise.all(started);
    if (failure !== undefined) throw failure;
  };
  await sendAll(planned.flatMap((d) => d.statusEvents));
  const eventSeconds = (performance.now() - began) / 1000;
  for (const day of planned) {
    if (signal?.aborted) break;
    const res = await postWithRetry(
      `${base}/v1/bills/wechatpay`,
      {
        headers: {
          authorization: `Bearer ${target.operatorToken}`,
          'content-type': 'text/csv; charset=utf-8',
        },
        body: wechatpayBillCsv(day.billLines),
      },
      { maxRetryAfterMs: 60_000, ...(signal && { signal }) },
    );
    if (res.status !== 200)
      throw new Error(`/v1/bills/wechatpay ${day.day}: ${res.status} ${res.body.slice(0, 200)}`);
  }
  return {
    days: days.length,
    skippedDays: days.length - planned.length,
    events,
    billLines: planned.reduce((n, d) => n + d.billLines.length, 0),
    missing: planned.reduce((n, d) => n + d.missing, 0),
    seconds: (performance.now() - began) / 1000,
    eventSeconds,
  };
}

/** Days of `days` for which the collector already has reconciliation results. */
async function reconciledDays(base: string, token: string, days: readonly string[]): Promise<Set<string>> {
  const first = days[0];
  const last = days[days.length - 1];
  if (!first || !last) return new Set();
  const res = await fetch(`${base}/v1/reconciliation/stores?from=${first}&to=${last}`, {
    headers: { authorization: `Bearer ${token}` },
  });
  if (res.status !== 200) throw new Error(`/v1/reconciliation/stores ${res.status} ${await res.text()}`);
  const report = (await res.json()) as { stores: { days: { day: string; payments: number }[] }[] };
  const seen = new Set<string>();
  for (const store of report.stores) for (const d of store.days) if (d.payments > 0) seen.add(d.day);
  return seen;
}
