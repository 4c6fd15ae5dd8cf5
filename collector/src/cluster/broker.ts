// The collector's RabbitMQ connection: one confirm channel to publish on, one channel to consume
// with, and the partition queues declared. Queues are quorum queues (replicated, survive a broker
// node) with a single active consumer, so one processor owns a partition at a time and RabbitMQ
// hands it to another when that processor's connection drops.
import { type Channel, type ChannelModel, type ConfirmChannel, connect } from 'amqplib';
import type { ClusterConfig } from '../config/load-config.ts';
import { partitionQueue } from './partitions.ts';

export const PARTITION_QUEUE_ARGUMENTS = {
  'x-queue-type': 'quorum',
  'x-single-active-consumer': true,
} as const;

export class Broker {
  private closing = false;

  private constructor(
    readonly config: ClusterConfig,
    private readonly model: ChannelModel,
    readonly publisher: ConfirmChannel,
    readonly consumer: Channel,
  ) {}

  /** Connects and declares the partition queues (declaring an existing queue alike is a no-op). */
  static async connect(config: ClusterConfig, onLost: (error: unknown) => void): Promise<Broker> {
    const model = await connect(config.amqpUrl, { clientProperties: { connection_name: 'orderpulse' } });
    const publisher = await model.createConfirmChannel();
    const consumer = await model.createChannel();
    for (let p = 0; p < config.partitions; p++) {
      await publisher.assertQueue(partitionQueue(config.prefix, p), {
        durable: true,
        arguments: PARTITION_QUEUE_ARGUMENTS,
      });
    }
    const broker = new Broker(config, model, publisher, consumer);
    // A lost connection means lost partitions and unconfirmed publishes: the caller decides (serve
    // exits, so the supervisor restarts it and RabbitMQ has moved the partitions meanwhile).
    model.on('error', () => {});
    model.on('close', (error?: unknown) => {
      if (!broker.closing) onLost(error ?? new Error('the broker connection closed'));
    });
    return broker;
  }

  queue(partition: number): string {
    return partitionQueue(this.config.prefix, partition);
  }

  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    await this.model.close().catch(() => {});
  }
}
