// A processor's side of the partition queues. It subscribes to every partition; RabbitMQ delivers
// a queue's messages to one consumer at a time (single active consumer), so being handed a message
// is how this processor learns it owns that partition (heartbeats make sure a quiet partition has
// one within a second). Before the first of a partition's events is applied, the partition's open
// orders, shipments and alerts are taken on from PostgreSQL (the previous owner's work). Every
// message is acknowledged only after its events committed (while the store fails, the commit is
// retried and the message held): a message whose commit is not known is delivered again, to this
// processor or the next owner, and the (source, id) key drops what was stored already. A partition
// is handed back (`release`) by cancelling its consumer: nothing more is delivered, what was taken
// still commits and is acknowledged (a cancel neither requeues nor discards it), and the next
// waiting consumer becomes the owner; subscribing again makes this processor a standby.
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

/** After a failed commit the next try comes this long after (store down: no busy loop). */
const RETRY_DELAY_MS = 1_000;

export class PartitionConsumer {
  /** Per owned partition: resolves once its state is taken on from the store. */
  private readonly ready = new Map<number, Promise<void>>();
  private readonly inFlight = new Set<Promise<void>>();
  /** Per partition: the messages taken and not settled yet. */
  private readonly pending = new Map<number, Set<Promise<void>>>();
  private readonly tags = new Map<number, string>();
  private stopped = false;
  private failingSince: number | undefined;

  constructor(private readonly deps: PartitionConsumerDeps) {}

  async start(): Promise<void> {
    const channel = this.deps.broker.consumer;
    await channel.prefetch(this.deps.prefetch ?? 256);
    // Counted as a live processor for as long as this channel lives.
    await channel.consume(this.deps.broker.processorsQueue, () => {}, { noAck: true });
    await this.subscribeAll();
  }

  /** Registers this processor's consumer on every partition it has none on (owner or standby). */
  async subscribeAll(): Promise<void> {
    for (let p = 0; p < this.deps.broker.config.partitions; p++) await this.subscribe(p);
  }

  private async subscribe(partition: number): Promise<void> {
    if (this.tags.has(partition) || this.stopped) return;
    const channel = this.deps.broker.consumer;
    const { consumerTag } = await channel.consume(this.deps.broker.queue(partition), (message) => {
      if (message !== null) this.take(channel, partition, message);
    });
    this.tags.set(partition, consumerTag);
  }

  /**
   * Hands a partition back: cancels its consumer, waits for what was taken to commit and be
   * acknowledged, then stops answering for it. `subscribeAll` afterwards makes it a standby.
   */
  async release(partition: number): Promise<void> {
    const tag = this.tags.get(partition);
    if (tag === undefined || this.stopped) return;
    this.tags.delete(partition);
    await this.deps.broker.consumer.cancel(tag);
    for (let taken = this.pending.get(partition); taken !== undefined && taken.size > 0; ) {
      await Promise.allSettled([...taken]);
      taken = this.pending.get(partition);
    }
    this.ready.delete(partition);
    this.deps.ownership.remove(partition);
  }

  /** How many processors are live (this one included): the consumers on the processors queue. */
  async liveProcessors(): Promise<number> {
    const { broker } = this.deps;
    return (await broker.consumer.checkQueue(broker.processorsQueue)).consumerCount;
  }

  /** Stops taking messages and waits for those taken to commit and be acknowledged. */
  async stop(): Promise<void> {
    this.stopped = true;
    const channel = this.deps.broker.consumer;
    for (const tag of this.tags.values()) await channel.cancel(tag).catch(() => {});
    this.tags.clear();
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }

  /**
   * The channel is gone with the connection: stops retrying and acknowledging (the broker delivers
   * what was taken again, to whichever processor owns the partition next).
   */
  abandon(): void {
    this.stopped = true;
  }

  private take(channel: Channel, partition: number, message: ConsumeMessage): void {
    let events: OrderEvent[] = [];
    if (message.properties.type === EVENTS_MESSAGE) {
      try {
        events = JSON.parse(message.content.toString('utf8')) as OrderEvent[];
      } catch (error) {
        // Only this collector publishes here; a body no attempt could ever read is set aside.
        this.deps.log.error(
          { err: error, partition },
          'cluster: an unreadable partition message was dropped',
        );
      }
    }
    const work = this.settle(partition, events).then(
      () => {
        try {
          channel.ack(message);
        } catch {
          // The channel is gone: the message is delivered again and the store drops it as known.
        }
      },
      // Stopped before it committed: not acknowledged, so the broker delivers it again.
      () => {},
    );
    this.inFlight.add(work);
    const taken = this.pending.get(partition) ?? new Set<Promise<void>>();
    this.pending.set(partition, taken);
    taken.add(work);
    void work.finally(() => {
      this.inFlight.delete(work);
      taken.delete(work);
    });
  }

  /**
   * Takes the partition on if need be and commits the events, retrying while the store fails.
   * The message stays unacknowledged meanwhile rather than going back to the queue, where every
   * return would count towards a quorum queue's delivery limit.
   */
  private async settle(partition: number, events: OrderEvent[]): Promise<void> {
    for (;;) {
      const tried = performance.now();
      try {
        await this.readyFor(partition);
        if (events.length === 0) return;
        await this.deps.commit(events);
        this.committed(tried);
        return;
      } catch (error) {
        if (this.stopped) throw error;
        this.failing(error, partition);
        await new Promise((resolve) => setTimeout(resolve, RETRY_DELAY_MS).unref());
        if (this.stopped) throw error;
      }
    }
  }

  /** One line when commits start failing, one when they work again (not one per message and try). */
  private failing(error: unknown, partition: number): void {
    if (this.failingSince !== undefined) return;
    this.failingSince = performance.now();
    this.deps.log.error(
      { err: error, partition },
      'cluster: partition messages are not committed; retrying until the store answers',
    );
  }

  /** A try begun before the failures were noticed says nothing about the store now. */
  private committed(tried: number): void {
    if (this.failingSince === undefined || tried < this.failingSince) return;
    const ms = Math.round(performance.now() - this.failingSince);
    this.failingSince = undefined;
    this.deps.log.info({ ms }, 'cluster: partition messages are committed again');
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
