// callback_silent watches the whole chain, but in cluster mode each processor applies only its
// partitions' events. Two processors over one store, the partitions split between them as the
// broker would hand them out (each commits only its partitions' events through its own writer):
// neither sees 20 orders created, the chain does, and a callback heard by the other processor
// counts. The rule fires once, on partition 0's owner, for the provider that really went silent.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AlertingService } from '../../src/alerting/alerting-service.ts';
import { PartitionOwnership } from '../../src/cluster/partition-ownership.ts';
import { partitionOf } from '../../src/cluster/partitions.ts';
import type { OrderEvent } from '../../src/domain/events.ts';
import { EventWriter } from '../../src/store/event-writer.ts';
import { copyRules, MINUTE, SECOND, T0 } from '../alerting/alerting-harness.ts';
import { openTestDatabase, STORE_KINDS, type TestDatabase } from '../support/test-database.ts';

const PARTITIONS = 4;

const created = (orderId: string, at: number): OrderEvent => ({
  id: `c-${orderId}`,
  source: 'pos',
  type: 'order.status',
  occurredAt: at,
  orderId,
  storeId: 'S1',
  status: 'created',
});

describe.each(STORE_KINDS)('callback_silent chain-wide in a two-processor cluster (%s)', (kind) => {
  let db: TestDatabase;
  const clock = { now: T0 };
  const processors: { alerting: AlertingService; writer: EventWriter; owns: Set<number> }[] = [];

  beforeAll(async () => {
    db = await openTestDatabase(kind);
    const rulesDir = copyRules();
    for (const owned of [
      [0, 1],
      [2, 3],
    ]) {
      const ownership = new PartitionOwnership(PARTITIONS);
      for (const p of owned) ownership.add(p);
      const alerting = new AlertingService({
        db: db.db,
        rulesDir,
        now: () => clock.now,
        tickMs: 0,
        watchRules: false,
        scope: ownership,
      });
      const writer = new EventWriter(db.db, { maxBatchEvents: 1000, queueLimit: 10_000 });
      writer.onCommitted(alerting.committed);
      await alerting.start();
      processors.push({ alerting, writer, owns: new Set(owned) });
    }
  });
  afterAll(async () => {
    for (const p of processors) {
      await p.writer.close();
      await p.alerting.stop();
    }
    await db?.dispose();
  });

  /** What the broker would do: each event to the processor owning its partition. */
  const deliver = async (events: OrderEvent[]) => {
    for (const p of processors) {
      const mine = events.filter((e) => p.owns.has(partitionOf(e.orderId, PARTITIONS)));
      await p.writer.write(mine);
      await p.alerting.settled();
    }
  };
  const tickAll = async () => {
    for (const p of processors) await p.alerting.tick();
  };
  const silentAlerts = async () =>
    (
      await db.db.query<{ entity_id: string; status: string }>(
        "SELECT entity_id, status FROM alerts WHERE rule = 'callback_silent' ORDER BY entity_id",
      )
    ).rows;

  it('counts every partition’s orders and callbacks and fires once, on partition 0’s owner', async () => {
    // 30 orders created in the last ten minutes: about half on each processor, none above 20.
    const orders = Array.from({ length: 30 }, (_, i) => `CS-${i}`);
    const perProcessor = processors.map(
      (p) => orders.filter((o) => p.owns.has(partitionOf(o, PARTITIONS))).length,
    );
    expect(Math.max(...perProcessor)).toBeLessThan(20);
    clock.now = T0 + 11 * MINUTE;
    await deliver(orders.map((o, i) => created(o, T0 + 2 * MINUTE + i * SECOND)));

    // Alipay was heard a minute ago, by whichever processor owns that order; WeChat Pay never.
    const heardOrder = orders.find((o) => !processors[0]!.owns.has(partitionOf(o, PARTITIONS)))!;
    await deliver([
      {
        id: 'alipay-1',
        source: 'alipay',
        type: 'payment.notify',
        occurredAt: clock.now - MINUTE,
        orderId: heardOrder,
        storeId: 'S1',
        provider: 'alipay',
        transactionId: 'ali-1',
        amountFen: 100,
        status: 'success',
      },
    ]);

    await tickAll();
    expect(await silentAlerts()).toEqual([{ entity_id: 'wechatpay', status: 'firing' }]);
    // More ticks, more time: still the one alert.
    for (let i = 0; i < 3; i++) {
      clock.now += 3 * SECOND;
      await tickAll();
    }
    expect(await silentAlerts()).toEqual([{ entity_id: 'wechatpay', status: 'firing' }]);
    expect(processors[0]!.alerting.openAlerts().map((a) => a.entityId)).toEqual(['wechatpay']);
    expect(processors[1]!.alerting.openAlerts()).toEqual([]);
  });
});
