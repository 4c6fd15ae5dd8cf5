// The alerts the service is responsible for, in memory: every open (or pending) alert, and the
// resolved ones still inside their rule's cool-down (they may re-open). The service is the only
// writer of alert rows, so this book is authoritative and the store is written through from it.
import type { Alert } from '../domain/alerts/alert.ts';

const keyOf = (rule: string, entityType: string, entityId: string) =>
  `${rule}\u0000${entityType}\u0000${entityId}`;

export class AlertBook {
  /** (rule, entity) → the latest alert for it. */
  private readonly byKey = new Map<string, Alert>();
  private readonly keyById = new Map<string, string>();
  private readonly pendingIds = new Set<string>();

  latest(rule: string, entityType: string, entityId: string): Alert | undefined {
    return this.byKey.get(keyOf(rule, entityType, entityId));
  }

  byId(id: string): Alert | undefined {
    const key = this.keyById.get(id);
    return key === undefined ? undefined : this.byKey.get(key);
  }

  /** Records the alert's new state; it replaces whatever alert its (rule, entity) had. */
  put(alert: Alert): void {
    const key = keyOf(alert.rule, alert.entityType, alert.entityId);
    const previous = this.byKey.get(key);
    if (previous !== undefined && previous.id !== alert.id) {
      this.keyById.delete(previous.id);
      this.pendingIds.delete(previous.id);
    }
    this.byKey.set(key, alert);
    this.keyById.set(alert.id, key);
    if (alert.status === 'pending') this.pendingIds.add(alert.id);
    else this.pendingIds.delete(alert.id);
  }

  pending(): Alert[] {
    return [...this.pendingIds].map((id) => this.byId(id)!);
  }

  all(): IterableIterator<Alert> {
    return this.byKey.values();
  }

  open(): Alert[] {
    return [...this.byKey.values()].filter((a) => a.status !== 'resolved');
  }

  /**
   * Forgets resolved alerts that can no longer re-open (`keepFor` gives each alert's cool-down) and
   * that nobody still has to be told about (`stillOwed`: a receiver was told it fires and its
   * resolve is not queued yet). The cool-down runs from the event time of the resolve, which can be
   * long past, while a route's resolve waits for its group interval in processing time.
   */
  prune(
    now: number,
    keepFor: (alert: Alert) => number,
    stillOwed: (alert: Alert) => boolean = () => false,
  ): void {
    for (const [key, alert] of this.byKey) {
      if (
        alert.status === 'resolved' &&
        (alert.resolvedAt ?? 0) + keepFor(alert) < now &&
        !stillOwed(alert)
      ) {
        this.byKey.delete(key);
        this.keyById.delete(alert.id);
      }
    }
  }

  get size(): number {
    return this.byKey.size;
  }
}
