// The alerting clock: runs the tick on a timer. A tick that fails is never swallowed: every failure
// is counted, and logged once until a tick succeeds again (a store outage fails every tick).
import type { AlertingLog } from './alert-writer.ts';

export class TickLoop {
  private timer: NodeJS.Timeout | undefined;
  private failing = false;
  private stopped = false;

  constructor(
    private readonly tick: () => Promise<void>,
    private readonly log: AlertingLog | undefined,
    private readonly onError: ((error: unknown) => void) | undefined,
  ) {}

  start(everyMs: number): void {
    if (everyMs <= 0) return;
    this.timer = setInterval(() => void this.tick().then(this.succeeded, this.failed), everyMs);
    this.timer.unref();
  }

  stop(): void {
    this.stopped = true;
    clearInterval(this.timer);
  }

  private readonly failed = (error: unknown): void => {
    this.onError?.(error);
    if (!this.failing && !this.stopped) {
      this.log?.error({ err: error }, 'alerting: a tick failed; retrying on every tick');
    }
    this.failing = true;
  };

  private readonly succeeded = (): void => {
    if (this.failing) this.log?.info({}, 'alerting: ticks succeed again');
    this.failing = false;
  };
}
