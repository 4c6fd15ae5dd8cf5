// Putting notifications into the outbox. The alert engine calls `enqueue` — ideally inside the
// transaction that records the alert change — and the worker does the sending.
import { randomUUID } from 'node:crypto';
import type { Database, Queryable } from '../../store/database.ts';
import type { Notification } from '../notification.ts';
import type { ReceiverRegistry } from '../receivers.ts';
import { claimNotification } from './notification-claims.ts';
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
  /** Set when the receiver was already sent this about the group within the repeat interval. */
  alreadyClaimed?: true;
}

/** What makes a notification the same as one sent before (see notification-claims.ts). */
export interface NotificationIdentity {
  contentKey: string;
  /** The repeat interval: the same content goes out again only after it. */
  repeatAfterMs: number;
}

export class Outbox {
  readonly #db: Queryable | Database;
  readonly #receivers: ReceiverRegistry;
  readonly #now: () => number;
  readonly #onEnqueued: () => void;

  constructor(options: {
    db: Queryable | Database;
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
    return this.#insert(notification, tx ?? this.#db, undefined);
  }

  /**
   * Queues `notification` unless its receiver was already sent the same about the same group within
   * the repeat interval: the claim and the rows commit together, so of two planners racing on one
   * change exactly one queues it, and a planner that dies after claiming leaves nothing claimed.
   */
  async enqueueOnce(notification: Notification, identity: NotificationIdentity): Promise<EnqueueResult> {
    const db = this.#db;
    if (!('transaction' in db)) throw new Error('enqueueOnce needs a database that runs transactions');
    const result = await db.transaction((tx) => this.#insert(notification, tx, identity));
    if (result.rows > 0) this.#onEnqueued();
    return result;
  }

  async #insert(
    notification: Notification,
    q: Queryable,
    identity: NotificationIdentity | undefined,
  ): Promise<EnqueueResult> {
    const receiver = this.#receivers.get(notification.receiver);
    if (!receiver) throw new UnknownReceiverError(notification.receiver);
    const notificationId = randomUUID();
    if (notification.status === 'resolved' && !receiver.sendResolved) return { notificationId, rows: 0 };
    // A receiver configured with backups only still gets its notifications.
    const channels = receiver.primary.length > 0 ? receiver.primary : receiver.backup;
    const at = this.#now();
    if (identity !== undefined) {
      const claimed = await claimNotification(q, {
        receiver: receiver.name,
        groupKey: notification.groupKey,
        contentKey: identity.contentKey,
        at: new Date(at),
        repeatAfter: new Date(at - identity.repeatAfterMs),
      });
      if (!claimed) return { notificationId, rows: 0, alreadyClaimed: true };
    }
    const rows = await insertOutboxRows(
      q,
      channels.map((c) => ({
        notificationId,
        receiver: receiver.name,
        channel: c.key,
        tier: c.tier,
        payload: notification,
      })),
      new Date(at),
    );
    // Inside a transaction the worker is woken once it committed (enqueueOnce).
    if (identity === undefined) this.#onEnqueued();
    return { notificationId, rows };
  }
}
