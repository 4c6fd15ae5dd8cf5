// Sends a scenario through the collector's public endpoints: first the back-dated history slice by
// slice (events committed before the callbacks that refer to them), then the WeChat bill, then the
// live traffic as the clock reaches it.
import { setTimeout as sleep } from 'node:timers/promises';
import type { Action, CarrierPush, LiveAction, PaymentCallback, WireEvent } from '../actions.ts';
import { type HistoryPlan, layersNewestFirst, type Scenario } from '../scenario.ts';
import { chinaDay } from '../traffic-curve.ts';
import { wechatpayBillCsv } from '../wechatpay-bill.ts';
import { paymentEvent, shipmentEvents } from './fallback-events.ts';
import { postWithRetry } from './http-post.ts';
import { Concurrency, type PacingClock, RateLimit, type Started } from './pacing.ts';
import type { Progress } from './progress.ts';
import type { ProviderKeys } from './provider-keys.ts';
import { ProviderSigner } from './provider-requests.ts';

export interface SimulationTarget {
  /** Base URL of the collector, e.g. http://localhost:8080. */
  url: string;
  ingestToken: string;
  /** For the bill upload; the ingest token is used when absent. */
  operatorToken?: string;
}

export interface RunOptions {
  scenario: Scenario;
  target: SimulationTarget;
  /** Without keys, payments and carrier updates go through /v1/events instead of the native callbacks. */
  keys?: ProviderKeys;
  progress: Progress;
  /** Events (or callbacks) per second; Infinity for as fast as the collector takes them. */
  ratePerSecond?: number;
  concurrency?: number;
  batchSize?: number;
  /** Send the live traffic after the history (until `liveUntilMs` or the signal). */
  live?: boolean;
  liveUntilMs?: number;
  signal?: AbortSignal;
  now?: () => number;
  /** The rate limit's and the retries' clock (default: real time); tests run the schedule on a fake one. */
  pacingClock?: PacingClock;
  /** Called once the history and the bill are in (the demo prints its hints then). */
  onHistorySent?: (history: HistoryPlan, bill: BillReply | undefined) => void;
}

export interface BillReply {
  day: string;
  lines: number;
  status: number;
  body: Record<string, unknown>;
}

export interface RunSummary {
  history: HistoryPlan;
  bill?: BillReply;
  seconds: number;
  historySeconds: number;
  /** Wall time of each history step (the simulator's throughput per kind of request). */
  phaseSeconds: Record<string, number>;
}

export async function runSimulation(options: RunOptions): Promise<RunSummary> {
  const { scenario, target, progress, signal } = options;
  const now = options.now ?? Date.now;
  const base = target.url.replace(/\/+$/, '');
  const rate = new RateLimit(options.ratePerSecond ?? Number.POSITIVE_INFINITY, options.pacingClock);
  const pool = new Concurrency(options.concurrency ?? 16);
  const batchSize = options.batchSize ?? 1000;
  const signer = options.keys ? new ProviderSigner(options.keys) : undefined;
  const began = performance.now();
  const retry = {
    signal,
    onRetry: () => progress.counts.retries++,
    ...(options.pacingClock && { clock: options.pacingClock }),
  } as const;

  const sendEvents = async (events: WireEvent[]) => {
    const body = `${events.map((e) => JSON.stringify(e)).join('\n')}\n`;
    try {
      const res = await postWithRetry(
        `${base}/v1/events`,
        {
          headers: { authorization: `Bearer ${target.ingestToken}`, 'content-type': 'application/x-ndjson' },
          body,
        },
        retry,
      );
      if (res.status !== 202) return progress.error(`/v1/events ${res.status} ${res.body.slice(0, 160)}`);
      const reply = JSON.parse(res.body) as {
        accepted: number;
        duplicates: number;
        rejected: { error: string; message: string }[];
      };
      progress.counts.events += reply.accepted;
      progress.counts.duplicates += reply.duplicates;
      progress.counts.rejected += reply.rejected.length;
      const first = reply.rejected[0];
      if (first) progress.error(`/v1/events rejected ${first.error}: ${first.message}`);
    } catch (error) {
      if (!signal?.aborted) progress.error(`/v1/events ${(error as Error).message}`);
    }
  };

  /** Each queue function resolves once its requests are under way, with a promise of their end. */
  const queueEvents = async (events: WireEvent[]): Promise<Started> => {
    const done: Promise<void>[] = [];
    for (let i = 0; i < events.length; i += batchSize) {
      const batch = events.slice(i, i + batchSize);
      await rate.take(batch.length, signal);
      done.push((await pool.run(() => sendEvents(batch))).done);
    }
    return { done: Promise.all(done).then(() => {}) };
  };

  const sendNative = async (
    path: string,
    headers: Record<string, string>,
    body: string,
    ok: (status: number, text: string) => boolean,
    count: 'payments' | 'pushes',
  ) => {
    try {
      const res = await postWithRetry(`${base}${path}`, { headers, body }, retry);
      if (ok(res.status, res.body)) progress.counts[count]++;
      else progress.error(`${path} ${res.status} ${res.body.slice(0, 160)}`);
    } catch (error) {
      if (!signal?.aborted) progress.error(`${path} ${(error as Error).message}`);
    }
  };

  const queuePayment = async (callback: PaymentCallback): Promise<Started> => {
    await rate.take(1, signal);
    if (!signer)
      return pool.run(() =>
        sendEvents([paymentEvent(callback)]).then(() => {
          progress.counts.events--;
          progress.counts.payments++;
        }),
      );
    const request = signer.payment(callback, now());
    const ok =
      callback.provider === 'wechatpay'
        ? (status: number) => status === 204
        : (status: number, text: string) => status === 200 && text === 'success';
    return pool.run(() => sendNative(request.path, request.headers, request.body, ok, 'payments'));
  };

  const queuePush = async (push: CarrierPush): Promise<Started> => {
    await rate.take(1, signal);
    if (!signer) return pool.run(() => sendEvents(shipmentEvents(push)));
    const request = signer.kuaidi100(push);
    return pool.run(() =>
      sendNative(
        request.path,
        request.headers,
        request.body,
        (status, text) => status === 200 && text.includes('"result":true'),
        'pushes',
      ),
    );
  };

  await checkTarget(base, target.ingestToken, signal);

  // --- live, from the start: runs beside the history so no order waits for it, except the actions
  // of orders paid after the start, held until the bill is reconciled (see LiveAction) ---
  const live = options.live !== false && !signal?.aborted;
  const iterator: Iterator<LiveAction> = live ? scenario.live() : [][Symbol.iterator]();
  let current = iterator.next();
  const held: LiveAction[] = [];
  let billDone = false;
  let batch: WireEvent[] = [];
  const flush = async () => {
    if (batch.length === 0) return;
    const events = batch;
    batch = [];
    await queueEvents(events);
  };
  const dispatch = async (action: Action) => {
    if (action.kind === 'event') {
      batch.push(action.event);
      if (batch.length >= batchSize) await flush();
    } else if (action.kind === 'payment') await queuePayment(action.callback);
    else await queuePush(action.push);
  };
  const liveLoop = async (holding: boolean) => {
    while (!current.done && !signal?.aborted && !(holding && billDone)) {
      const action = current.value;
      if (options.liveUntilMs !== undefined && action.at >= options.liveUntilMs) break;
      if (action.at > now()) {
        await flush();
        await sleep(Math.min(250, action.at - now()), undefined, { signal });
        continue;
      }
      if (holding && action.holdForBill) held.push(action);
      else await dispatch(action);
      current = iterator.next();
    }
    await flush();
  };
  const earlyLive = live
    ? liveLoop(true).catch((error) => {
        if (!signal?.aborted) throw error;
      })
    : Promise.resolve();

  // --- history ---
  progress.phase = 'history';
  const history = scenario.history();
  const phaseSeconds: Record<string, number> = {};
  const timed = async (name: string, step: () => Promise<void>) => {
    if (signal?.aborted) return;
    progress.phase = `history: ${name}`;
    const t0 = performance.now();
    await step();
    phaseSeconds[name] = (performance.now() - t0) / 1000;
  };
  const each = async <T>(items: readonly T[], queue: (item: T) => Promise<Started>) => {
    const done: Promise<void>[] = [];
    for (const item of items) {
      if (signal?.aborted) break;
      done.push((await queue(item)).done);
    }
    await Promise.all(done);
  };
  progress.phase = 'history';
  const inLayers = async (events: readonly WireEvent[]) => {
    for (const layer of layersNewestFirst(events)) await (await queueEvents(layer)).done;
  };
  await timed('orders', () => inLayers(history.events));
  await timed('first callbacks', async () => {
    await each(history.urgentPayments, queuePayment);
    await each(history.urgentPushes, queuePush);
  });
  await Promise.all([
    (async () => {
      await timed('earlier days: waybills', () => each(history.carrierFirst, queuePush));
      await timed('earlier days: orders', () => inLayers(history.carryOverEvents));
    })(),
    timed('payments', () => each(history.payments, queuePayment)),
  ]);
  await timed('pushes', () => each(history.pushes, queuePush));

  let bill: BillReply | undefined;
  if (history.billLines.length > 0 && !signal?.aborted) {
    progress.phase = 'bill';
    const day = chinaDay(scenario.config.startMs - 1);
    const lines = history.billLines.filter((l) => chinaDay(l.paidAt) === day);
    if (lines.length > 0) bill = await postBill(base, target, day, lines, progress, retry);
  }
  const historySeconds = (performance.now() - began) / 1000;
  options.onHistorySent?.(history, bill);

  // --- live, after the bill: what was held back, then the rest as the clock reaches it ---
  if (live) {
    billDone = true;
    await earlyLive;
    progress.phase = 'live';
    try {
      for (const action of held) await dispatch(action);
      held.length = 0;
      await liveLoop(false);
    } catch (error) {
      if (!signal?.aborted) throw error;
    }
  }
  await pool.idle();
  return {
    history,
    ...(bill && { bill }),
    seconds: (performance.now() - began) / 1000,
    historySeconds,
    phaseSeconds,
  };
}

async function postBill(
  base: string,
  target: SimulationTarget,
  day: string,
  lines: Parameters<typeof wechatpayBillCsv>[0],
  progress: Progress,
  retry: { signal?: AbortSignal | undefined; onRetry: () => void; clock?: PacingClock },
): Promise<BillReply | undefined> {
  const csv = wechatpayBillCsv(lines);
  try {
    const res = await postWithRetry(
      `${base}/v1/bills/wechatpay`,
      {
        headers: {
          authorization: `Bearer ${target.operatorToken ?? target.ingestToken}`,
          'content-type': 'text/csv; charset=utf-8',
        },
        body: csv,
      },
      { ...retry, maxRetryAfterMs: 60_000 },
    );
    if (res.status !== 200) {
      progress.error(`/v1/bills/wechatpay ${res.status} ${res.body.slice(0, 160)}`);
      return { day, lines: lines.length, status: res.status, body: {} };
    }
    progress.counts.bills++;
    return {
      day,
      lines: lines.length,
      status: res.status,
      body: JSON.parse(res.body) as Record<string, unknown>,
    };
  } catch (error) {
    progress.error(`/v1/bills/wechatpay ${(error as Error).message}`);
    return undefined;
  }
}

/** Fails early with a reason a person can act on: nothing listening, or the token is not accepted. */
export async function checkTarget(base: string, ingestToken: string, signal?: AbortSignal): Promise<void> {
  let health: Response;
  try {
    health = await fetch(`${base}/healthz`, { ...(signal && { signal }) });
  } catch (error) {
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    throw new Error(`cannot reach ${base}: ${cause?.code ?? cause?.message ?? (error as Error).message}`);
  }
  if (!health.ok)
    throw new Error(`${base}/healthz answered ${health.status}; is this an OrderPulse collector?`);
  // An ingest token may not read alerts: 403 proves it is a valid token, 401 that it is not.
  const probe = await fetch(`${base}/v1/alerts?limit=1`, {
    headers: { authorization: `Bearer ${ingestToken}` },
    ...(signal && { signal }),
  });
  await probe.arrayBuffer();
  if (probe.status === 401) throw new Error(`${base} does not accept the ingest token (401)`);
}
