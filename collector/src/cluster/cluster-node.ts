// One collector in cluster mode: its broker connection, the sink every write goes through (the
// ingest routes, provider callbacks, carrier polling and provider queries all publish), the
// heartbeats, and for processors the partition consumer feeding the local event writer.
//
// A lost broker connection is waited out, not fatal: writes are refused as store-unavailable (503
// with Retry-After: nothing unconfirmed is ever acknowledged), /readyz says so, and the node
// reconnects with back-off. A processor gives up its partitions when the connection goes (the
// broker may hand them to another processor meanwhile) and takes on again, from the store, those
// the broker hands back.
//
// Processors share the partitions out: every few seconds each counts the live processors (the
// consumers on the partition queues) and hands back what it holds beyond its fair share, in
// PostgreSQL-ordered handovers (PartitionHandover), so one started later takes work on at once.
import type { EngineScope } from '../alerting/engine-scope.ts';
import type { ClusterConfig } from '../config/load-config.ts';
import type { ReadinessCheck } from '../core/readiness.ts';
import type { OrderEvent } from '../domain/events.ts';
import { StoreUnavailableError } from '../store/database.ts';
import type { EventWriter, WriteResult } from '../store/event-writer.ts';
import { Broker } from './broker.ts';
import { BrokerSink } from './broker-sink.ts';
import { partitionsToRelease } from './partition-balance.ts';
import { PartitionConsumer, type PartitionConsumerLog } from './partition-consumer.ts';
import type { PartitionHandover } from './partition-handover.ts';
import { PartitionOwnership } from './partition-ownership.ts';
import { reconnectDelayMs } from './reconnect-delay.ts';

const HEARTBEAT_MS = 500;
/** How often a processor compares what it owns with its fair share. */
const BALANCE_MS = 2_000;

export interface ClusterNodeDeps {
  /** The local writer: a processor commits what it consumes through it. */
  writer: EventWriter;
  adopt: EngineScopeAdopt;
  /** Orders handovers in the shared store; without it (one embedded store) nothing is handed back. */
  handover?: PartitionHandover;
  log: PartitionConsumerLog & { warn(obj: object, msg: string): void };
}

type EngineScopeAdopt = (
  filter: ReturnType<typeof PartitionOwnership.only>,
) => Promise<{ orders: number; shipments: number; alerts: number }>;

export class ClusterNode {
  readonly ownership: PartitionOwnership;
  private broker: Broker | undefined;
  private sink: BrokerSink | undefined;
  private consumer: PartitionConsumer | undefined;
  private reconnecting: Promise<void> | undefined;
  private lostAt: number | undefined;
  private stopped = false;
  private balancer: NodeJS.Timeout | undefined;
  private balancing = false;

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

  /** /readyz: a node without the broker can take no write (a load balancer sends them elsewhere). */
  readonly readiness: ReadinessCheck = {
    name: 'broker',
    check: async () => ({
      ok: this.sink !== undefined,
      detail: {
        role: this.config.role,
        connected: this.sink !== undefined,
        ...(this.consumes && { partitions: this.ownership.list() }),
      },
    }),
  };

  /** Publishes to the partitions; resolves once the broker confirmed (see BrokerSink). */
  readonly write = async (events: OrderEvent[]): Promise<WriteResult> => {
    if (this.sink === undefined) throw new StoreUnavailableError(new Error('not connected to the broker'));
    return this.sink.write(events);
  };

  /**
   * Connects, starts the heartbeats and (processors) the consumer; call after the engine is
   * restored. The first connection must succeed (a misconfigured URL fails the start); later
   * losses are reconnected.
   */
  async start(): Promise<void> {
    await this.connect();
  }

  /** Stops consuming (what was taken commits and is acknowledged first), then disconnects. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.balancer);
    this.sink?.stopHeartbeats();
    await this.consumer?.stop();
    await this.broker?.close();
  }

  private async connect(): Promise<void> {
    const broker = await Broker.connect(this.config, (error) => this.lost(broker, error));
    try {
      const sink = new BrokerSink(broker);
      let consumer: PartitionConsumer | undefined;
      if (this.consumes) {
        const partitions = this.config.partitions;
        consumer = new PartitionConsumer({
          broker,
          ownership: this.ownership,
          adopt: async (partition) => {
            await this.deps.handover?.awaitRelease(partition);
            return this.deps.adopt(PartitionOwnership.only(partition, partitions));
          },
          commit: (events) => this.deps.writer.write(events),
          log: this.deps.log,
        });
        await consumer.start();
      }
      if (broker.isLost || this.stopped) throw new Error('the broker connection closed while starting');
      this.broker = broker;
      this.sink = sink;
      this.consumer = consumer;
      sink.startHeartbeats(HEARTBEAT_MS, (error) =>
        this.deps.log.warn({ err: error }, 'cluster: a heartbeat was not published'),
      );
      if (consumer !== undefined && this.deps.handover !== undefined && this.balancer === undefined) {
        this.balancer = setInterval(() => void this.balance(), BALANCE_MS);
        this.balancer.unref();
      }
    } catch (error) {
      await broker.close();
      throw error;
    }
  }

  /** Hands back, one at a time, the partitions held beyond this processor's fair share. */
  private async balance(): Promise<void> {
    const { consumer } = this;
    const handover = this.deps.handover;
    if (this.balancing || consumer === undefined || handover === undefined || this.stopped) return;
    this.balancing = true;
    try {
      const processors = await consumer.liveProcessors();
      const surplus = partitionsToRelease(this.ownership.list(), this.config.partitions, processors);
      for (const partition of surplus) {
        if (consumer !== this.consumer) return;
        const started = performance.now();
        await handover.hold(partition, () => consumer.release(partition));
        this.deps.log.info(
          {
            partition,
            processors,
            ms: Math.round(performance.now() - started),
            owned: this.ownership.list(),
          },
          'cluster: handed a partition back',
        );
      }
    } catch (error) {
      // The broker or the store went meanwhile: their own handling applies; the next pass retries.
      this.deps.log.warn({ err: error }, 'cluster: partitions were not balanced');
    } finally {
      // A standby again on what was handed back, should its new owner leave.
      if (consumer === this.consumer)
        await consumer
          .subscribeAll()
          .catch((error: unknown) =>
            this.deps.log.warn({ err: error }, 'cluster: a partition was not subscribed again'),
          );
      this.balancing = false;
    }
  }

  private lost(broker: Broker, error: unknown): void {
    if (broker !== this.broker || this.stopped) return;
    this.lostAt = performance.now();
    this.deps.log.warn({ err: error }, 'cluster: the broker connection was lost; reconnecting');
    this.broker = undefined;
    this.sink?.stopHeartbeats();
    this.sink = undefined;
    // What the consumer took is not acknowledged now: the broker delivers it again, and the store
    // drops what was committed already.
    this.consumer?.abandon();
    this.consumer = undefined;
    this.ownership.clear();
    this.reconnecting ??= this.reconnect().finally(() => {
      this.reconnecting = undefined;
    });
  }

  private async reconnect(): Promise<void> {
    for (let attempt = 0; !this.stopped; attempt++) {
      await new Promise((resolve) => setTimeout(resolve, reconnectDelayMs(attempt)).unref());
      if (this.stopped) return;
      try {
        await this.connect();
        const ms = Math.round(performance.now() - (this.lostAt ?? performance.now()));
        this.deps.log.info({ ms, attempts: attempt + 1 }, 'cluster: reconnected to the broker');
        return;
      } catch (error) {
        this.deps.log.warn({ err: error, attempt: attempt + 1 }, 'cluster: the broker is still unreachable');
      }
    }
  }
}
