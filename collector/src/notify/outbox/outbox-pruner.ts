// Keeps the notification outbox within its retention: delivered and given-up rows older than it are
// deleted a bounded batch at a time (each batch a short statement, so a long backlog never holds a
// lock or the embedded store's one connection for long), a pass at start and then every interval.
import type { Queryable } from '../../store/database.ts';
import { deleteSettledRowsBefore } from './outbox-queries.ts';

export interface OutboxPrunerOptions {
  retentionMs: number;
  now: () => number;
  intervalMs: number;
  /** Rows per DELETE. */
  batchRows?: number;
  onPruned: (deleted: number) => void;
  onError: (error: unknown) => void;
}

const DEFAULT_BATCH_ROWS = 5_000;

export class OutboxPruner {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;

  constructor(
    private readonly db: Queryable,
    private readonly options: OutboxPrunerOptions,
  ) {}

  start(): void {
    void this.pass();
    this.timer = setInterval(() => void this.pass(), this.options.intervalMs);
    this.timer.unref();
  }

  /** One pass until no settled row older than the retention is left; a pass under way is joined. */
  pass(): Promise<void> {
    this.running ??= this.prune()
      .then((deleted) => {
        if (deleted > 0) this.options.onPruned(deleted);
      }, this.options.onError)
      .finally(() => {
        this.running = undefined;
      });
    return this.running;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await this.running;
  }

  private async prune(): Promise<number> {
    const batch = this.options.batchRows ?? DEFAULT_BATCH_ROWS;
    const before = new Date(this.options.now() - this.options.retentionMs);
    let deleted = 0;
    for (;;) {
      const n = await deleteSettledRowsBefore(this.db, before, batch);
      deleted += n;
      if (n < batch || this.stopped) return deleted;
    }
  }
}
