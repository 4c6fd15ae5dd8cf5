// Running counts of what was sent and a one-line summary on stderr (rewritten in place on a TTY).

export interface ProgressCounts {
  events: number;
  payments: number;
  pushes: number;
  bills: number;
  duplicates: number;
  rejected: number;
  errors: number;
  retries: number;
}

export class Progress {
  readonly counts: ProgressCounts = {
    events: 0,
    payments: 0,
    pushes: 0,
    bills: 0,
    duplicates: 0,
    rejected: 0,
    errors: 0,
    retries: 0,
  };
  /** The first few error reasons, to print once rather than on every line. */
  readonly errorSamples: string[] = [];
  phase = 'starting';
  readonly #startedAt = performance.now();
  #lastAt = performance.now();
  #lastSent = 0;

  get sent(): number {
    return this.counts.events + this.counts.payments + this.counts.pushes;
  }

  error(reason: string): void {
    this.counts.errors++;
    if (this.errorSamples.length < 5 && !this.errorSamples.includes(reason)) this.errorSamples.push(reason);
  }

  /** Average rate since the start, in units per second. */
  get averageRate(): number {
    const seconds = (performance.now() - this.#startedAt) / 1000;
    return seconds > 0 ? this.sent / seconds : 0;
  }

  line(): string {
    const now = performance.now();
    const rate = ((this.sent - this.#lastSent) * 1000) / Math.max(1, now - this.#lastAt);
    this.#lastAt = now;
    this.#lastSent = this.sent;
    const c = this.counts;
    return (
      `[${this.phase}] ${this.sent} sent (${Math.round(rate)}/s now, ${Math.round(this.averageRate)}/s avg): ` +
      `${c.events} events, ${c.payments} payment callbacks, ${c.pushes} carrier pushes, ${c.bills} bills; ` +
      `${c.duplicates} duplicates, ${c.rejected} rejected, ${c.errors} errors, ${c.retries} retries`
    );
  }
}

/** Prints the line every `everyMs` until stopped; on a TTY it rewrites one line. */
export function startProgressLine(
  progress: Progress,
  stream: NodeJS.WritableStream & { isTTY?: boolean },
  everyMs = 1000,
): () => void {
  const tty = stream.isTTY === true;
  const print = () => stream.write(tty ? `\r\x1b[2K${progress.line()}` : `${progress.line()}\n`);
  const timer = setInterval(print, everyMs);
  timer.unref();
  return () => {
    clearInterval(timer);
    print();
    if (tty) stream.write('\n');
  };
}
