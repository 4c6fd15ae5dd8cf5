// Where accepted events go in cluster mode: onto their partitions' quorum queues, one message per
// partition per write, persistent and confirmed. `write` resolves only once RabbitMQ has confirmed
// every message (the quorum has it), which is what a 202 promises in cluster mode. Whether an
// event is a resend is known only at commit, so `duplicates` is 0 here.
import type { OrderEvent } from '../domain/events.ts';
import { StoreUnavailableError } from '../store/database.ts';
import type { WriteResult } from '../store/event-writer.ts';
import type { Broker } from './broker.ts';
import { byPartition } from './partitions.ts';

export const EVENTS_MESSAGE = 'events';
export const HEARTBEAT_MESSAGE = 'heartbeat';
/** A heartbeat nobody takes within this is dropped by the broker (they would pile up otherwise). */
const HEARTBEAT_TTL_MS = 5_000;

export class BrokerSink {
  private heartbeats: NodeJS.Timeout | undefined;

  constructor(private readonly broker: Broker) {}

  async write(events: OrderEvent[]): Promise<WriteResult> {
    if (events.length === 0) return { accepted: 0, duplicates: 0 };
    const groups = byPartition(events, this.broker.config.partitions);
    await Promise.all(
      [...groups].map(([partition, group]) => this.publish(partition, Buffer.from(JSON.stringify(group)))),
    );
    return { accepted: events.length, duplicates: 0 };
  }

  /**
   * A message on every partition this often: a processor learns it owns a partition when it is
   * handed a message, so a quiet partition's new owner learns it within about one period.
   */
  startHeartbeats(periodMs: number, onError: (error: unknown) => void): void {
    const beat = () => {
      for (let p = 0; p < this.broker.config.partitions; p++) {
        try {
          this.broker.publisher.sendToQueue(this.broker.queue(p), Buffer.alloc(0), {
            type: HEARTBEAT_MESSAGE,
            expiration: String(HEARTBEAT_TTL_MS),
          });
        } catch (error) {
          onError(error);
          return;
        }
      }
    };
    beat();
    this.heartbeats = setInterval(beat, periodMs);
    this.heartbeats.unref();
  }

  stopHeartbeats(): void {
    clearInterval(this.heartbeats);
  }

  private publish(partition: number, body: Buffer): Promise<void> {
    return new Promise((resolve, reject) => {
      try {
        this.broker.publisher.sendToQueue(
          this.broker.queue(partition),
          body,
          { persistent: true, type: EVENTS_MESSAGE, contentType: 'application/json' },
          // Not confirmed (nacked, or the channel went): the caller is told nothing was accepted.
          (error: unknown) => (error ? reject(new StoreUnavailableError(error)) : resolve()),
        );
      } catch (error) {
        reject(new StoreUnavailableError(error));
      }
    });
  }
}
