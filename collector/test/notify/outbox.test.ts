import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { DeliveryError } from '../../src/notify/delivery-error.ts';
import { DeliveryTally } from '../../src/notify/outbox/delivery-tally.ts';
import { Outbox } from '../../src/notify/outbox/outbox.ts';
import {
  claimDueRows,
  type OutboxRow,
  outboxBacklog,
  outboxRowsOf,
  undeliveredRows,
} from '../../src/notify/outbox/outbox-queries.ts';
import { type DeliveryAttempt, OutboxWorker } from '../../src/notify/outbox/outbox-worker.ts';
import { buildReceivers } from '../../src/notify/receivers.ts';
import type { ChannelConfig } from '../../src/rules-config/channel-configs.ts';
import type { Receiver } from '../../src/rules-config/receivers.ts';
import type { Database } from '../../src/store/database.ts';
import { type LoopbackReceiver, startReceiver } from './loopback-receiver.ts';
import { outboxStores } from './outbox-stores.ts';
import { firingNotification, resolvedNotification } from './sample-notification.ts';

const stores = await outboxStores();
const T0 = Date.parse('2026-11-25T10:06:00Z');
const SEC = 1000;

interface Recorded {
  delivered: DeliveryAttempt[];
  failed: Array<{ attempt: DeliveryAttempt; error: DeliveryError; willRetry: boolean }>;
  failovers: Array<{ receiver: string; backupChannels: number }>;
}

function recorder(): Recorded & { observer: ConstructorParameters<typeof OutboxWorker>[0]['observer'] } {
  const r: Recorded = { delivered: [], failed: [], failovers: [] };
  return {
    ...r,
    observer: {
      delivered: (a) => r.delivered.push(a),
      failed: (attempt, error, willRetry) => r.failed.push({ attempt, error, willRetry }),
      failedOver: (e) => r.failovers.push({ receiver: e.receiver, backupChannels: e.backupChannels }),
    },
  };
}

async function waitFor<T>(probe: () => Promise<T | undefined> | T | undefined, what: string): Promise<T> {
  for (let i = 0; i < 400; i++) {
    const value = await probe();
    if (value !== undefined) return value;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe.each(stores)('notification outbox on $name', (store) => {
  let primary: LoopbackReceiver;
  let backup: LoopbackReceiver;
  let db: Database;
  let now: number;
  const clock = () => now;

  const env = () => ({
    PRIMARY_URL: `${primary.baseUrl}/hook`,
    PRIMARY2_URL: `${primary.baseUrl}/second`,
    BACKUP_URL: `${backup.baseUrl}/robot/send?access_token=b`,
    BACKUP_SECRET: 'SECbackup',
  });
  const webhookPrimary: ChannelConfig = { kind: 'webhook', urlEnv: 'PRIMARY_URL' };
  const dingBackup: ChannelConfig = {
    kind: 'dingtalk',
    urlEnv: 'BACKUP_URL',
    secretEnv: 'BACKUP_SECRET',
    atMobiles: [],
    atAll: false,
  };
  const receiversWith = (...list: Receiver[]) => buildReceivers(list, { env: env(), now: clock });
  const oncall = (): Receiver => ({
    name: 'store-oncall',
    primary: [webhookPrimary],
    backup: [dingBackup],
    sendResolved: true,
  });

  beforeEach(async () => {
    now = T0;
    primary = await startReceiver({ status: 200, body: 'ok' });
    backup = await startReceiver({ status: 200, body: '{"errcode":0,"errmsg":"ok"}' });
    db = await store.open();
  });
  afterEach(async () => {
    await db.close();
    await primary.close();
    await backup.close();
  });
  afterAll(async () => {
    await store.dispose();
  });

  it('delivers a queued notification once and records when', async () => {
    const receivers = receiversWith(oncall());
    const { notificationId, rows } = await new Outbox({ db, receivers, now: clock }).enqueue(
      firingNotification(),
    );
    expect(rows).toBe(1);
    const seen = recorder();
    const worker = new OutboxWorker({ db, receivers, now: clock, observer: seen.observer });
    now = T0 + 1 * SEC;
    expect(await worker.runOnce()).toEqual({ claimed: 1, delivered: 1, failed: 0 });
    expect(await worker.runOnce()).toEqual({ claimed: 0, delivered: 0, failed: 0 });

    expect(primary.requests).toHaveLength(1);
    expect(primary.requests[0]!.json).toMatchObject({
      version: '4',
      status: 'firing',
      receiver: 'store-oncall',
    });
    const [row] = await outboxRowsOf(db, notificationId);
    expect(row).toMatchObject({
      status: 'delivered',
      attempts: 1,
      channel: 'primary/0/webhook',
      tier: 'primary',
    });
    expect(row!.deliveredAt?.getTime()).toBe(T0 + 1 * SEC);
    expect(row!.createdAt.getTime()).toBe(T0);
    expect(seen.delivered.map((d) => [d.receiver, d.channelType, d.attempts, d.rule])).toEqual([
      ['store-oncall', 'webhook', 1, 'payment_unapplied'],
    ]);
    expect(backup.requests).toHaveLength(0);
  });

  it('delivers resolved notifications like firing ones', async () => {
    const receivers = receiversWith(oncall());
    await new Outbox({ db, receivers, now: clock }).enqueue(resolvedNotification());
    await new OutboxWorker({ db, receivers, now: clock }).runOnce();
    const body = primary.requests[0]!.json as { status: string; alerts: Array<{ endsAt: string }> };
    expect(body.status).toBe('resolved');
    expect(body.alerts[0]!.endsAt).toBe('2026-11-25T10:20:00.000Z');
  });

  it('drops resolved notifications for a receiver with sendResolved false', async () => {
    const receivers = receiversWith({ ...oncall(), sendResolved: false });
    const outbox = new Outbox({ db, receivers, now: clock });
    expect((await outbox.enqueue(resolvedNotification())).rows).toBe(0);
    expect((await outbox.enqueue(firingNotification())).rows).toBe(1);
    expect(await outboxBacklog(db)).toEqual([
      { receiver: 'store-oncall', status: 'pending', rows: 1, oldestCreatedAt: new Date(T0) },
    ]);
  });

  it('retries after HTTP 500 every 5 s and succeeds when the receiver recovers', async () => {
    primary.script.push({ status: 500 }, { status: 500 });
    const receivers = receiversWith(oncall());
    const { notificationId } = await new Outbox({ db, receivers, now: clock }).enqueue(firingNotification());
    const seen = recorder();
    const worker = new OutboxWorker({ db, receivers, now: clock, observer: seen.observer });

    expect((await worker.runOnce()).failed).toBe(1);
    now = T0 + 5 * SEC - 1;
    expect((await worker.runOnce()).claimed).toBe(0);
    now = T0 + 5 * SEC;
    expect((await worker.runOnce()).failed).toBe(1);
    now = T0 + 10 * SEC;
    expect((await worker.runOnce()).delivered).toBe(1);

    expect(primary.requests).toHaveLength(3);
    const [row] = await outboxRowsOf(db, notificationId);
    expect(row).toMatchObject({ status: 'delivered', attempts: 3, lastError: null });
    expect(seen.failed.map((f) => [f.attempt.attempts, f.error.status, f.willRetry])).toEqual([
      [1, 500, true],
      [2, 500, true],
    ]);
    expect(backup.requests).toHaveLength(0);
  });

  it('after three quick retries backs off exponentially and gives up after maxAttempts', async () => {
    primary.fallback = { status: 503, body: 'down' };
    const receivers = receiversWith({ ...oncall(), backup: [] });
    const { notificationId } = await new Outbox({ db, receivers, now: clock }).enqueue(firingNotification());
    const worker = new OutboxWorker({ db, receivers, now: clock, maxAttempts: 9 });
    const gaps: number[] = [];
    let row: OutboxRow | undefined;
    for (let attempt = 1; attempt <= 9; attempt++) {
      expect((await worker.runOnce()).claimed).toBe(1);
      [row] = await outboxRowsOf(db, notificationId);
      if (row!.status !== 'pending') break;
      gaps.push((row!.nextAttemptAt.getTime() - now) / SEC);
      now = row!.nextAttemptAt.getTime();
    }
    expect(gaps).toEqual([5, 5, 5, 10, 20, 40, 80, 160]);
    expect(row).toMatchObject({ status: 'failed', attempts: 9 });
    expect(row!.lastError).toContain('HTTP 503');
    expect(primary.requests).toHaveLength(9);
  });

  it('uses the backup channel once the primary has failed its quick retries, and only once', async () => {
    primary.fallback = { status: 500, body: 'primary down' };
    const receivers = receiversWith(oncall());
    const { notificationId } = await new Outbox({ db, receivers, now: clock }).enqueue(firingNotification());
    const seen = recorder();
    const worker = new OutboxWorker({ db, receivers, now: clock, observer: seen.observer });
    for (const t of [0, 5, 10]) {
      now = T0 + t * SEC;
      await worker.runOnce();
    }
    expect(backup.requests).toHaveLength(0);
    now = T0 + 15 * SEC;
    await worker.runOnce(); // fourth failure: initial try plus three retries
    expect(seen.failovers).toEqual([{ receiver: 'store-oncall', backupChannels: 1 }]);
    expect((await worker.runOnce()).delivered).toBe(1);

    expect(backup.requests).toHaveLength(1);
    const ding = backup.requests[0]!;
    expect(ding.url.searchParams.get('sign')).toBeTruthy();
    expect((ding.json as { markdown: { text: string } }).markdown.text).toContain('支付未入账');

    // the primary keeps retrying, but a fifth failure does not queue the backup again
    now = T0 + 25 * SEC;
    await worker.runOnce();
    expect(seen.failovers).toHaveLength(1);
    const rows = await outboxRowsOf(db, notificationId);
    expect(rows.map((r) => [r.channel, r.status, r.attempts])).toEqual([
      ['primary/0/webhook', 'pending', 5],
      ['backup/0/dingtalk', 'delivered', 1],
    ]);
  });

  it('tallies outcomes per receiver and channel type for the metrics module', async () => {
    primary.fallback = { status: 500, body: 'down' };
    const receivers = receiversWith(oncall());
    await new Outbox({ db, receivers, now: clock }).enqueue(firingNotification());
    const tally = new DeliveryTally();
    const worker = new OutboxWorker({ db, receivers, now: clock, observer: tally, maxAttempts: 4 });
    for (const t of [0, 5, 10, 15]) {
      now = T0 + t * SEC;
      await worker.runOnce();
    }
    await worker.runOnce();
    const counts = Object.fromEntries(
      tally.snapshot().map((c) => [`${c.channelType}:${c.outcome}`, c.count]),
    );
    expect(counts).toEqual({
      'webhook:retrying': 3,
      'webhook:gave_up': 1,
      ':failed_over': 1,
      'dingtalk:delivered': 1,
    });
    expect(new Set(tally.snapshot().map((c) => c.receiver))).toEqual(new Set(['store-oncall']));
  });

  it('fails over at once on a permanent primary failure', async () => {
    primary.fallback = { status: 404, body: 'no such hook' };
    const receivers = receiversWith(oncall());
    const { notificationId } = await new Outbox({ db, receivers, now: clock }).enqueue(firingNotification());
    const worker = new OutboxWorker({ db, receivers, now: clock });
    await worker.runOnce();
    await worker.runOnce();
    const rows = await outboxRowsOf(db, notificationId);
    expect(rows.map((r) => [r.tier, r.status, r.attempts])).toEqual([
      ['primary', 'failed', 1],
      ['backup', 'delivered', 1],
    ]);
    expect(backup.requests).toHaveLength(1);
  });

  it('does not fail over when another primary channel of the receiver got through', async () => {
    // the first primary always fails; the second (PRIMARY2_URL on the healthy receiver) succeeds
    const failing = await startReceiver({ status: 502, body: 'bad gateway' });
    const receiversFailing = buildReceivers(
      [
        {
          name: 'store-oncall',
          sendResolved: true,
          primary: [
            { kind: 'webhook', urlEnv: 'FAILING_URL' },
            { kind: 'webhook', urlEnv: 'PRIMARY2_URL' },
          ],
          backup: [dingBackup],
        },
      ],
      { env: { ...env(), FAILING_URL: `${failing.baseUrl}/hook` }, now: clock },
    );
    expect(receiversFailing.get('store-oncall')!.primary.map((c) => c.key)).toEqual([
      'primary/0/webhook',
      'primary/1/webhook',
    ]);
    const { notificationId, rows } = await new Outbox({
      db,
      receivers: receiversFailing,
      now: clock,
    }).enqueue(firingNotification());
    expect(rows).toBe(2);
    const worker = new OutboxWorker({ db, receivers: receiversFailing, now: clock });
    for (const t of [0, 5, 10, 15, 25]) {
      now = T0 + t * SEC;
      await worker.runOnce();
    }
    await failing.close();
    expect(backup.requests).toHaveLength(0);
    const states = (await outboxRowsOf(db, notificationId)).map((r) => [r.channel, r.status]);
    expect(states).toEqual([
      ['primary/0/webhook', 'pending'],
      ['primary/1/webhook', 'delivered'],
    ]);
  });

  it('survives a restart: a new worker on a reopened store delivers what the old one could not', async () => {
    const durable = await store.openDurable();
    try {
      primary.script.push({ status: 503 });
      let receivers = receiversWith(oncall());
      const { notificationId } = await new Outbox({ db: durable.db, receivers, now: clock }).enqueue(
        firingNotification(),
      );
      const first = new OutboxWorker({ db: durable.db, receivers, now: clock });
      expect((await first.runOnce()).failed).toBe(1);
      await first.stop();

      // "process restart": new store handle, new channels, new worker
      const reopened = await durable.reopen();
      receivers = receiversWith(oncall());
      const second = new OutboxWorker({ db: reopened, receivers, now: clock });
      expect((await second.runOnce()).claimed).toBe(0); // not due yet: 5 s retry delay persisted
      now = T0 + 5 * SEC;
      expect(await second.runOnce()).toEqual({ claimed: 1, delivered: 1, failed: 0 });
      const [row] = await outboxRowsOf(reopened, notificationId);
      expect(row).toMatchObject({ status: 'delivered', attempts: 2 });
      expect(primary.requests).toHaveLength(2);
    } finally {
      await durable.db.close();
    }
    // two fresh on-disk PGlite starts: seconds each on a loaded two-core machine
  }, 120_000);

  it('re-delivers a row whose worker died mid-send once the lease has run out', async () => {
    const receivers = receiversWith(oncall());
    const { notificationId } = await new Outbox({ db, receivers, now: clock }).enqueue(firingNotification());
    // A worker claimed the row and then the process died: nothing marked it.
    const claimed = await claimDueRows(db, new Date(now), new Date(now + 120 * SEC), 10);
    expect(claimed).toHaveLength(1);
    const worker = new OutboxWorker({ db, receivers, now: clock, leaseMs: 120 * SEC });
    now = T0 + 119 * SEC;
    expect((await worker.runOnce()).claimed).toBe(0);
    now = T0 + 120 * SEC;
    expect((await worker.runOnce()).delivered).toBe(1);
    const [row] = await outboxRowsOf(db, notificationId);
    expect(row).toMatchObject({ status: 'delivered', attempts: 2 });
  });

  it('lets concurrent workers share the queue without sending any row twice', async () => {
    const receivers = receiversWith(oncall());
    const outbox = new Outbox({ db, receivers, now: clock });
    for (let i = 0; i < 12; i++) {
      await outbox.enqueue(firingNotification({ groupKey: `group-${i}` }));
    }
    const workers = [1, 2, 3].map(() => new OutboxWorker({ db, receivers, now: clock, batchSize: 3 }));
    for (let round = 0; round < 4; round++) await Promise.all(workers.map((w) => w.runOnce()));
    const keys = primary.requests.map((r) => (r.json as { groupKey: string }).groupKey).sort();
    expect(keys).toEqual(Array.from({ length: 12 }, (_, i) => `group-${i}`).sort());
  });

  it('commits queued rows with the caller transaction, and not when it rolls back', async () => {
    const receivers = receiversWith(oncall());
    const outbox = new Outbox({ db, receivers, now: clock });
    await expect(
      db.transaction(async (tx) => {
        await outbox.enqueue(firingNotification(), tx);
        throw new Error('alert change failed');
      }),
    ).rejects.toThrow('alert change failed');
    expect(await outboxBacklog(db)).toEqual([]);
    await db.transaction((tx) => outbox.enqueue(firingNotification(), tx));
    expect(await outboxBacklog(db)).toEqual([
      { receiver: 'store-oncall', status: 'pending', rows: 1, oldestCreatedAt: new Date(T0) },
    ]);
  });

  it('shows failing deliveries for the dashboard and refuses unknown receivers', async () => {
    primary.fallback = { status: 500, body: 'nope' };
    const receivers = receiversWith({ ...oncall(), backup: [] });
    const outbox = new Outbox({ db, receivers, now: clock });
    await outbox.enqueue(firingNotification());
    await new OutboxWorker({ db, receivers, now: clock }).runOnce();
    const [failing] = await undeliveredRows(db, 10);
    expect(failing).toMatchObject({ receiver: 'store-oncall', status: 'pending', attempts: 1 });
    expect(failing!.lastError).toMatch(/^http_status: .*HTTP 500/);
    await expect(outbox.enqueue(firingNotification({ receiver: 'nobody' }))).rejects.toThrow(/nobody/);
  });

  it('runs on its own when started: enqueue wakes it, stop aborts a hanging send and keeps the row due', async () => {
    const receivers = receiversWith(oncall());
    const worker = new OutboxWorker({ db, receivers, now: clock, pollIntervalMs: 60_000 });
    const outbox = new Outbox({ db, receivers, now: clock, onEnqueued: () => worker.wake() });
    worker.start();
    try {
      const { notificationId } = await outbox.enqueue(firingNotification());
      await waitFor(async () => {
        const [row] = await outboxRowsOf(db, notificationId);
        return row?.status === 'delivered' ? row : undefined;
      }, 'the started worker to deliver');

      primary.script.push({ status: 200, hang: true });
      const second = await outbox.enqueue(firingNotification({ groupKey: 'hangs' }));
      await waitFor(() => (primary.requests.length === 2 ? true : undefined), 'the hanging request');
      await worker.stop();
      const [row] = await outboxRowsOf(db, second.notificationId);
      expect(row).toMatchObject({ status: 'pending', attempts: 1 });
      expect(row!.nextAttemptAt.getTime()).toBe(now);
      // a stopped worker does not burn attempts, and cannot be restarted
      expect(await worker.runOnce()).toEqual({ claimed: 0, delivered: 0, failed: 0 });
      expect(() => worker.start()).toThrow(/stopped/);
      const successor = new OutboxWorker({ db, receivers, now: clock });
      expect(await successor.runOnce()).toEqual({ claimed: 1, delivered: 1, failed: 0 });
    } finally {
      await worker.stop();
    }
  });
});
