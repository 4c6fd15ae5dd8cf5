// One collector in cluster mode: its broker connection, the sink every write goes through (the
// ingest routes, provider callbacks, carrier polling and provider queries all publish), the
// heartbeats, and for processors the partition consumer feeding the local event writer.
import type { EngineScope } from '../alerting/engine-scope.ts';
import type { ClusterConfig } from '../config/load-config.ts';
import type { OrderEvent } from '../domain/events.ts';
import { StoreUnavailableError } from '../store/database.ts';
import type { EventWriter, WriteResult } from '../store/event-writer.ts';
import { Broker } from './broker.ts';
import { BrokerSink } from './broker-sink.ts';
import { PartitionConsumer, type PartitionConsumerLog } from './partition-consumer.ts';
import { PartitionOwnership } from './partition-ownership.ts';

const HEARTBEAT_MS = 500;

export interface ClusterNodeDeps {
  /** The local writer: a processor commits what it consumes through it. */
  writer: EventWriter;
  adopt: EngineScopeAdopt;
  log: PartitionConsumerLog & { warn(obj: object, msg: string): void };
  /** The broker connection was lost (serve exits: the partitions have moved on). */
  onLost(error: unknown): void;
}

type EngineScopeAdopt = (
  filter: ReturnType<typeof PartitionOwnership.only>,
) => Promise<{ orders: number; shipments: number; alerts: number }>;

export class ClusterNode {
  readonly ownership: PartitionOwnership;
  private broker: Broker | undefined;
  private sink: BrokerSink | undefined;
  private consumer: PartitionConsumer | undefined;
  private stopped = false;

  constructor(
    readonly config: ClusterConfig,
    private readonly deps: ClusterNodeDeps,
  ) {
    this.ownership = new PartitionOwnership(config.partitions);
  }

  /** What the alerting engine answers for: the partitions owned now. */
  get scope(): EngineScope {
    return this.ownership;
  }

  get consumes(): boolean {
    return this.config.role !== 'ingress';
  }

  /** Publishes to the partitions; resolves once the broker confirmed (see BrokerSink). */
  readonly write = async (events: OrderEvent[]): Promise<WriteResult> => {
    if (this.sink === undefined) throw new StoreUnavailableError(new Error('not connected to the broker'));
    return this.sink.write(events);
  };

  /** Connects, starts the heartbeats and (processors) the consumer; call after the engine is restored. */
  async start(): Promise<void> {
    const broker = await Broker.connect(this.config, (error) => {
      if (!this.stopped) this.deps.onLost(error);
    });
    this.broker = broker;
    this.sink = new BrokerSink(broker);
    this.sink.startHeartbeats(HEARTBEAT_MS, (error) =>
      this.deps.log.warn({ err: error }, 'cluster: a heartbeat was not published'),
    );
    if (!this.consumes) return;
    const partitions = this.config.partitions;
    this.consumer = new PartitionConsumer({
      broker,
      ownership: this.ownership,
      adopt: (partition) => this.deps.adopt(PartitionOwnership.only(partition, partitions)),
      commit: (events) => this.deps.writer.write(events),
      log: this.deps.log,
    });
    await this.consumer.start();
  }

  /** Stops consuming (what was taken commits and is acknowledged first), then disconnects. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.sink?.stopHeartbeats();
    await this.consumer?.stop();
    await this.broker?.close();
  }
}
