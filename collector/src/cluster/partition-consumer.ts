// A processor's side of the partition queues. It subscribes to every partition; RabbitMQ delivers
// a queue's messages to one consumer at a time (single active consumer), so being handed a message
// is how this processor learns it owns that partition (heartbeats make sure a quiet partition has
// one within a second). Before the first of a partition's events is applied, the partition's open
// orders, shipments and alerts are taken on from PostgreSQL (the previous owner's work). Every
// message is acknowledged only after its events committed: a message whose commit is not known
// is delivered again, to this processor or the next owner, and the (source, id) key drops what
// was stored already.
import type { Channel, ConsumeMessage } from 'amqplib';
import type { OrderEvent } from '../domain/events.ts';
import type { Broker } from './broker.ts';
import { EVENTS_MESSAGE } from './broker-sink.ts';
import type { PartitionOwnership } from './partition-ownership.ts';

export interface PartitionConsumerLog {
  info(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export interface PartitionConsumerDeps {
  broker: Broker;
  ownership: PartitionOwnership;
  /** Takes on a partition's state from the store. */
  adopt(partition: number): Promise<{ orders: number; shipments: number; alerts: number }>;
  /** Commits events (the local event writer); resolves once committed. */
  commit(events: OrderEvent[]): Promise<unknown>;
  log: PartitionConsumerLog;
  /** Unacknowledged messages per partition. */
  prefetch?: number;
  /** A partition was taken on (for the takeover figures). */
  onAdopted?: (partition: number, figures: { ms: number; orders: number }) => void;
}

/** After a failed commit the message is handed back after this long (store down: no busy loop). */
const RETRY_DELAY_MS = 1_000;

export class PartitionConsumer {
  /** Per owned partition: resolves once its state is taken on from the store. */
  private readonly ready = new Map<number, Promise<void>>();
  private readonly inFlight = new Set<Promise<void>>();
  private readonly tags: string[] = [];
  private stopped = false;

  constructor(private readonly deps: PartitionConsumerDeps) {}

  async start(): Promise<void> {
    const { broker } = this.deps;
    const channel = broker.consumer;
    await channel.prefetch(this.deps.prefetch ?? 256);
    for (let p = 0; p < broker.config.partitions; p++) {
      const { consumerTag } = await channel.consume(broker.queue(p), (message) => {
        if (message !== null) this.take(channel, p, message);
      });
      this.tags.push(consumerTag);
    }
  }

  /** Stops taking messages and waits for those taken to commit and be acknowledged. */
  async stop(): Promise<void> {
    this.stopped = true;
    const channel = this.deps.broker.consumer;
    for (const tag of this.tags.splice(0)) await channel.cancel(tag).catch(() => {});
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }

  private take(channel: Channel, partition: number, message: ConsumeMessage): void {
    const ready = this.readyFor(partition);
    const work = ready
      .then(async () => {
        if (message.properties.type === EVENTS_MESSAGE) {
          const events = JSON.parse(message.content.toString('utf8')) as OrderEvent[];
          await this.deps.commit(events);
        }
        channel.ack(message);
      })
      .catch((error: unknown) => {
        if (this.stopped) return;
        this.deps.log.error(
          { err: error, partition },
          'cluster: a partition message was not committed; retrying',
        );
        setTimeout(() => {
          try {
            channel.nack(message, false, true);
          } catch {
            // The channel is gone: the broker hands the message to the partition's next owner.
          }
        }, RETRY_DELAY_MS).unref();
      });
    this.inFlight.add(work);
    void work.finally(() => this.inFlight.delete(work));
  }

  private readyFor(partition: number): Promise<void> {
    const known = this.ready.get(partition);
    if (known !== undefined) return known;
    const started = performance.now();
    const { ownership } = this.deps;
    const partitions = ownership.partitions;
    // Owned from here on: what the engine signals about it is recorded (deadlines of orders restored
    // so far may fall due while the rest is read) and partition 0 brings the notification planning.
    ownership.add(partition);
    const adopting = this.deps.adopt(partition).then((figures) => {
      const ms = Math.round(performance.now() - started);
      this.deps.log.info(
        { partition, partitions, ms, ...figures, owned: ownership.list() },
        'cluster: took on a partition',
      );
      this.deps.onAdopted?.(partition, { ms, orders: figures.orders });
    });
    // A failed restore is retried with the next message.
    const ready = adopting.catch((error: unknown) => {
      this.ready.delete(partition);
      throw error;
    });
    this.ready.set(partition, ready);
    return ready;
  }
}
