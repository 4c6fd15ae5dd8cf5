// Telling the merchant's order system about payments confirmed by asking the provider: each one
// goes into the durable notification outbox under a receiver of its own, which a worker of its
// own delivers (the alert worker leaves those rows alone), so a webhook is retried with the
// outbox's back-off until the order system takes it, and survives a restart.
import type { PaymentNotifyEvent } from '../domain/events.ts';
import type { QueriedProvider } from '../domain/payment-queries/policy.ts';
import type { OrderPulseMetrics } from '../metrics/orderpulse-metrics.ts';
import { insertOutboxRows } from '../notify/outbox/outbox-queries.ts';
import { OutboxWorker } from '../notify/outbox/outbox-worker.ts';
import { channelKey, type ReceiverChannels } from '../notify/receivers.ts';
import type { Database } from '../store/database.ts';
import type { PaymentConfirmedWebhook } from '../wire/order-system-webhook.ts';
import { OrderSystemChannel } from './order-system-channel.ts';
import { paymentState } from './payment-state-query.ts';
import { paymentWebhookFrom, webhookOutboxId } from './payment-webhook.ts';

/** The outbox receiver of the order system's rows: not a routes.yaml name (those start with a letter). */
export const ORDER_SYSTEM_RECEIVER = '@order-system';

export interface OrderSystemWebhooksOptions {
  db: Database;
  url: string;
  secret: string;
  now: () => number;
  metrics: Pick<OrderPulseMetrics, 'orderSystemWebhooks'>;
  /** Between polls of the outbox; 0: only `worker.runOnce` delivers (tests drive a virtual clock). */
  pollIntervalMs?: number;
}

export class OrderSystemWebhooks {
  readonly worker: OutboxWorker<PaymentConfirmedWebhook>;
  readonly #db: Database;
  readonly #now: () => number;
  readonly #channelKey: string;
  readonly #polling: boolean;

  constructor(options: OrderSystemWebhooksOptions) {
    this.#db = options.db;
    this.#now = options.now;
    const channel = new OrderSystemChannel({
      url: options.url,
      secret: options.secret,
      now: options.now,
      paymentState: (webhook) => paymentState(options.db, webhook),
      onOutcome: (outcome) => options.metrics.orderSystemWebhooks.inc({ outcome }),
    });
    this.#channelKey = channelKey('primary', 0, channel);
    const receiver: ReceiverChannels<PaymentConfirmedWebhook> = {
      name: ORDER_SYSTEM_RECEIVER,
      sendResolved: false,
      primary: [{ key: this.#channelKey, tier: 'primary', channel }],
      backup: [],
    };
    this.#polling = options.pollIntervalMs !== 0;
    this.worker = new OutboxWorker<PaymentConfirmedWebhook>({
      db: options.db,
      receivers: new Map([[ORDER_SYSTEM_RECEIVER, receiver]]),
      scope: { receiver: ORDER_SYSTEM_RECEIVER },
      describe: (webhook) => ({ rule: webhook.type, severity: 'info' }),
      now: options.now,
      ...(options.pollIntervalMs !== undefined && { pollIntervalMs: options.pollIntervalMs }),
    });
  }

  /**
   * Queues the webhook of a payment about to be stored. Queued first, so no crash between the
   * commit and the queueing can lose it; queueing the same payment again adds nothing, and the
   * worker sends it only once the payment is stored.
   */
  async queue(payment: PaymentNotifyEvent & { provider: QueriedProvider }): Promise<void> {
    const webhook = paymentWebhookFrom(payment);
    await insertOutboxRows(
      this.#db,
      [
        {
          notificationId: webhookOutboxId(webhook),
          receiver: ORDER_SYSTEM_RECEIVER,
          channel: this.#channelKey,
          tier: 'primary',
          payload: webhook,
        },
      ],
      new Date(this.#now()),
    );
  }

  /** The payment is stored: deliver now rather than at the next poll. */
  stored(): void {
    this.worker.wake();
  }

  start(): void {
    if (this.#polling) this.worker.start();
  }

  async stop(): Promise<void> {
    await this.worker.stop();
  }
}
