// The collector's RabbitMQ connection: one confirm channel to publish on, one channel to consume
// with, and the partition queues declared. Queues are quorum queues (replicated, survive a broker
// node) with a single active consumer, so one processor owns a partition at a time and RabbitMQ
// hands it to another when that processor's connection drops. Processors also show they are live on
// one more queue (see `processorsQueue`), which tells each its fair share of the partitions.
import { type Channel, type ChannelModel, type ConfirmChannel, connect } from 'amqplib';
import type { ClusterConfig } from '../config/load-config.ts';
import { partitionQueue, processorsQueue } from './partitions.ts';

export const PARTITION_QUEUE_ARGUMENTS = {
  'x-queue-type': 'quorum',
  'x-single-active-consumer': true,
} as const;

export class Broker {
  private closing = false;
  private lost = false;

  private constructor(
    readonly config: ClusterConfig,
    private readonly model: ChannelModel,
    readonly publisher: ConfirmChannel,
    readonly consumer: Channel,
  ) {}

  /**
   * Connects and declares the partition queues (declaring an existing queue alike is a no-op).
   * `onLost` is called once when the connection, or either channel, goes without `close()`.
   */
  static async connect(config: ClusterConfig, onLost: (error: unknown) => void): Promise<Broker> {
    const model = await connect(config.amqpUrl, { clientProperties: { connection_name: 'orderpulse' } });
    let broker: Broker | undefined;
    let lostBeforeReady: unknown;
    const lose = (error: unknown) => {
      if (broker === undefined) {
        lostBeforeReady ??= error;
        return;
      }
      if (broker.closing || broker.lost) return;
      broker.lost = true;
      // A channel closed alone leaves a connection that can neither publish nor consume: drop it
      // too, so the broker hands this node's partitions on and the node starts afresh.
      void model.close().catch(() => {});
      onLost(error);
    };
    // Errors are also reported as `close`; an `error` without a listener would end the process.
    model.on('error', () => {});
    model.on('close', (error?: unknown) => lose(error ?? new Error('the broker connection closed')));
    try {
      const publisher = await model.createConfirmChannel();
      const consumer = await model.createChannel();
      for (const channel of [publisher, consumer]) {
        channel.on('error', () => {});
        channel.on('close', () => lose(new Error('a broker channel closed')));
      }
      for (let p = 0; p < config.partitions; p++) {
        await publisher.assertQueue(partitionQueue(config.prefix, p), {
          durable: true,
          arguments: PARTITION_QUEUE_ARGUMENTS,
        });
      }
      await publisher.assertQueue(processorsQueue(config.prefix), {
        durable: true,
        arguments: { 'x-queue-type': 'quorum' },
      });
      if (lostBeforeReady !== undefined) throw lostBeforeReady;
      broker = new Broker(config, model, publisher, consumer);
      return broker;
    } catch (error) {
      await model.close().catch(() => {});
      throw error;
    }
  }

  /** The connection went (see `connect`'s `onLost`); nothing more can be done with it. */
  get isLost(): boolean {
    return this.lost;
  }

  queue(partition: number): string {
    return partitionQueue(this.config.prefix, partition);
  }

  get processorsQueue(): string {
    return processorsQueue(this.config.prefix);
  }

  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    await this.model.close().catch(() => {});
  }
}
