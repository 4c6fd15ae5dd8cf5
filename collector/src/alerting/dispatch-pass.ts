// When notification planning runs: from the tick, after the alerts are written (notifications
// follow the alerts as stored), at most once a second (group waits are whole seconds), one pass at
// a time. A pass that fails is logged and the next one plans again.
import type { AlertingLog } from './alert-writer.ts';
import type { DispatchInput, NotificationDispatcher } from './notification-dispatcher.ts';

const DISPATCH_EVERY_MS = 1_000;

export class DispatchPass {
  private dispatcher: NotificationDispatcher | undefined;
  private running = false;
  private lastAt = Number.NEGATIVE_INFINITY;

  constructor(private readonly log: AlertingLog | undefined) {}

  use(dispatcher: NotificationDispatcher): void {
    this.dispatcher = dispatcher;
  }

  /** A receiver was told this alert fires and its resolve is not queued yet. */
  awaitsResolve(alertId: string): boolean {
    return this.dispatcher?.awaitsResolve(alertId) ?? false;
  }

  async run(input: () => DispatchInput | Promise<DispatchInput>, now: number): Promise<void> {
    if (this.dispatcher === undefined || this.running || now - this.lastAt < DISPATCH_EVERY_MS) return;
    this.running = true;
    this.lastAt = now;
    try {
      await this.dispatcher.dispatch(await input(), now);
    } catch (error) {
      this.log?.error({ err: error }, 'alerting: notification planning failed');
    } finally {
      this.running = false;
    }
  }
}
