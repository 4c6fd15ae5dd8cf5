// Putting notifications into the outbox. The alert engine calls `enqueue` — ideally inside the
// transaction that records the alert change — and the worker does the sending.
import { randomUUID } from 'node:crypto';
import type { Queryable } from '../../store/database.ts';
import type { Notification } from '../notification.ts';
import type { ReceiverRegistry } from '../receivers.ts';
import { insertOutboxRows } from './outbox-queries.ts';

export class UnknownReceiverError extends Error {
  constructor(receiver: string) {
    super(`no receiver named "${receiver}" is configured`);
    this.name = 'UnknownReceiverError';
  }
}

export interface EnqueueResult {
  notificationId: string;
  rows: number;
}

export class Outbox {
  readonly #db: Queryable;
  readonly #receivers: ReceiverRegistry;
  readonly #now: () => number;
  readonly #onEnqueued: () => void;

  constructor(options: {
    db: Queryable;
    receivers: ReceiverRegistry;
    now?: () => number;
    onEnqueued?: () => void;
  }) {
    this.#db = options.db;
    this.#receivers = options.receivers;
    this.#now = options.now ?? Date.now;
    this.#onEnqueued = options.onEnqueued ?? (() => {});
  }

  /**
   * Queues `notification` for every primary channel of `notification.receiver`; backup channels are
   * queued only when the primaries keep failing. Resolved notifications to a receiver with
   * `sendResolved: false` are dropped (0 rows). Pass `tx` to commit the rows with the caller's change.
   */
  async enqueue(notification: Notification, tx?: Queryable): Promise<EnqueueResult> {
    const receiver = this.#receivers.get(notification.receiver);
    if (!receiver) throw new UnknownReceiverError(notification.receiver);
    const notificationId = randomUUID();
    if (notification.status === 'resolved' && !receiver.sendResolved) return { notificationId, rows: 0 };
    // A receiver configured with backups only still gets its notifications.
    const channels = receiver.primary.length > 0 ? receiver.primary : receiver.backup;
    const rows = await insertOutboxRows(
      tx ?? this.#db,
      channels.map((c) => ({
        notificationId,
        receiver: receiver.name,
        channel: c.key,
        tier: c.tier,
        payload: notification,
      })),
      new Date(this.#now()),
    );
    this.#onEnqueued();
    return { notificationId, rows };
  }
}
