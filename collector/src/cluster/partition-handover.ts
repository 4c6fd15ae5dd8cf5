// A partition handed back while its owner lives must not be taken on by the next owner before the
// last messages the previous one took are committed: the next owner reads the partition's state
// from the store once, and what was committed after that read would never reach its engine (an
// order's deadline could be lost). RabbitMQ activates the next consumer as soon as the owner cancels,
// while the owner still holds unacknowledged messages, so the handover is ordered in PostgreSQL: the
// releasing processor holds the partition's advisory lock from before it cancels until its last
// message committed, and a processor taking a partition on waits for that lock first. A releaser
// that dies drops its lock with its connection.
import type { Database } from '../store/database.ts';
import { fnv1a } from './partitions.ts';

const HOLD_HANDOVER = 'SELECT pg_advisory_xact_lock($1, $2)';
const AWAIT_HANDOVER = 'SELECT pg_advisory_xact_lock_shared($1, $2)';

export class PartitionHandover {
  /** Clusters sharing a database (another queue prefix) lock apart. */
  private readonly space: number;

  constructor(
    private readonly db: Database,
    prefix: string,
  ) {
    this.space = fnv1a(`${prefix}.handover`) | 0;
  }

  /** Runs `release` holding the partition's handover lock (throws, releasing nothing, without it). */
  hold<T>(partition: number, release: () => Promise<T>): Promise<T> {
    return this.db.transaction(async (tx) => {
      await tx.query(HOLD_HANDOVER, [this.space, partition]);
      return release();
    });
  }

  /** Resolves once no processor is handing the partition over. */
  async awaitRelease(partition: number): Promise<void> {
    await this.db.transaction((tx) => tx.query(AWAIT_HANDOVER, [this.space, partition]));
  }
}
