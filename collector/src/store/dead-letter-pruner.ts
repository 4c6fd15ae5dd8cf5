// Keeps the dead letters within their retention and total size: a pass every interval, and an early
// one when enough has been kept since the last (a flood of refused requests between two passes).
import type { Queryable } from './database.ts';
import { deadLetterBytes, deleteDeadLettersBefore, deleteOldestDeadLettersOver } from './dead-letters.ts';

export interface DeadLetterLimits {
  retentionMs: number;
  maxBytes: number;
}

export interface PruneResult {
  deleted: number;
  /** What the letters left take, in bytes. */
  storedBytes: number;
}

export interface DeadLetterPrunerOptions {
  limits: DeadLetterLimits;
  now: () => number;
  intervalMs: number;
  onPruned: (result: PruneResult) => void;
  onError: (error: unknown) => void;
}

/** Kept since the last pass beyond this share of the cap starts a pass at once. */
const EARLY_PASS_SHARE = 1 / 16;

export class DeadLetterPruner {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private again = false;
  private keptSincePass = 0;
  private stopped = false;

  constructor(
    private readonly db: Queryable,
    private readonly options: DeadLetterPrunerOptions,
  ) {}

  start(): void {
    this.schedule(0);
  }

  /** Counts bytes just kept; past the early-pass share of the cap, prunes now. */
  noteKept(bytes: number): void {
    this.keptSincePass += bytes;
    if (this.keptSincePass >= this.options.limits.maxBytes * EARLY_PASS_SHARE) void this.pass();
  }

  /** One pass: retention first, then the cap. Concurrent calls share one pass plus at most one more. */
  pass(): Promise<void> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.keptSincePass = 0;
    this.running = this.prune()
      .then(this.options.onPruned, this.options.onError)
      .finally(() => {
        this.running = undefined;
        if (this.again && !this.stopped) {
          this.again = false;
          void this.pass();
        }
      });
    return this.running;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
  }

  private async prune(): Promise<PruneResult> {
    const { retentionMs, maxBytes } = this.options.limits;
    let deleted = await deleteDeadLettersBefore(this.db, new Date(this.options.now() - retentionMs));
    let storedBytes = await deadLetterBytes(this.db);
    if (storedBytes > maxBytes) {
      deleted += await deleteOldestDeadLettersOver(this.db, maxBytes);
      storedBytes = await deadLetterBytes(this.db);
    }
    return { deleted, storedBytes };
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      void this.pass().finally(() => this.schedule(this.options.intervalMs));
    }, delayMs);
    this.timer.unref();
  }
}
