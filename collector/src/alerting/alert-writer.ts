// Writes alert changes behind the alert book: the alerts changed and the audit entries recorded
// since the last write go to the store in one transaction by one flush loop, so writes never
// interleave or reorder; the transitions they carry are announced to listeners only once that
// transaction committed. A write that fails (store down) is kept and retried: nothing is dropped.
import type { Alert } from '../domain/alerts/alert.ts';
import type { AlertTransition } from '../domain/alerts/lifecycle.ts';
import type { OrderTagging } from '../domain/rules/order-tagging.ts';
import type { AlertTransition as LiveTransition } from '../live/events.ts';
import { toWireAlert, upsertAlerts, type WireAlert } from '../store/alerts.ts';
import { type AuditEntry, appendAudit } from '../store/audit-log.ts';
import type { Database } from '../store/database.ts';
import { insertOrderTags } from '../store/order-tags.ts';
import type { AlertBook } from './alert-book.ts';

export interface AlertingLog {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

/** One alert change, after it committed. `transition` and `alert` are the live stream's LiveAlertEvent. */
export interface AlertChange {
  transition: LiveTransition;
  alert: WireAlert;
  at: number;
  /** The lifecycle's own view (for the notifier's grouping). */
  record: Alert;
  silenced: boolean;
}

export type AlertChangeListener = (change: AlertChange) => void;

export class AlertWriter {
  private readonly listeners: AlertChangeListener[] = [];
  private readonly dirty = new Map<string, Alert>();
  private audits: AuditEntry[] = [];
  private taggings: Array<{ tagging: OrderTagging; at: number }> = [];
  private outgoing: AlertChange[] = [];
  private flushing: Promise<void> | undefined;
  private lastFlushError: unknown;
  private stopped = false;

  constructor(
    private readonly db: Database,
    private readonly book: AlertBook,
    private readonly isSilenced: (alert: Alert) => boolean,
    private readonly log: AlertingLog | undefined,
  ) {}

  onTransition(listener: AlertChangeListener): void {
    this.listeners.push(listener);
  }

  /** Takes a lifecycle transition into the book, to be written and (if it shows) announced. */
  record(transition: AlertTransition, now: number): void {
    const alert = transition.alert;
    if (transition.kind === 'none' || alert === undefined) return;
    this.put(alert);
    switch (transition.kind) {
      case 'open':
        if (alert.status !== 'pending') this.announce('opened', alert, now);
        break;
      case 'fire':
      case 'reopen':
        this.announce('opened', alert, now);
        break;
      case 'update':
        if (alert.status !== 'pending') this.announce('changed', alert, now);
        break;
      case 'resolve':
        this.announce('resolved', alert, now);
        break;
      case 'discard':
        break;
    }
  }

  /** The alert's new state, kept in the book and written with the next flush. */
  put(alert: Alert): void {
    this.book.put(alert);
    this.dirty.set(alert.id, alert);
  }

  /** An audit entry written in the same transaction as the alerts recorded with it. */
  audit(entry: AuditEntry): void {
    this.audits.push(entry);
  }

  /** Tags a firing rule puts on its order, written in the same transaction as its alert. */
  tagOrder(tagging: OrderTagging, at: number): void {
    this.taggings.push({ tagging, at });
  }

  announce(transition: LiveTransition, alert: Alert, at: number): void {
    const silenced = this.isSilenced(alert);
    this.outgoing.push({ transition, alert: toWireAlert(alert, silenced), at, record: alert, silenced });
  }

  requestFlush(): void {
    if (this.flushing !== undefined) return;
    if (!this.hasWork()) return;
    this.flushing = this.flush().finally(() => {
      this.flushing = undefined;
      // Work recorded while the last write was finishing; after a failure the next tick retries.
      if (this.lastFlushError === undefined) this.requestFlush();
    });
  }

  /** Resolves once everything recorded so far is written (or throws the write's error). */
  async written(): Promise<void> {
    while (this.flushing !== undefined) await this.flushing;
    if (this.hasWork()) {
      this.requestFlush();
      while (this.flushing !== undefined) await this.flushing;
    }
    if (this.hasWork()) throw this.lastFlushError;
  }

  /** A failed write is no longer logged (the store is closing with the process). */
  stop(): void {
    this.stopped = true;
  }

  private hasWork(): boolean {
    return this.dirty.size > 0 || this.audits.length > 0 || this.taggings.length > 0;
  }

  private async flush(): Promise<void> {
    while (this.hasWork()) {
      const alerts = [...this.dirty.values()];
      const audits = this.audits;
      const outgoing = this.outgoing;
      const taggings = this.taggings;
      this.dirty.clear();
      this.audits = [];
      this.taggings = [];
      this.outgoing = [];
      try {
        await this.db.transaction(async (tx) => {
          await upsertAlerts(tx, alerts);
          for (const entry of audits) await appendAudit(tx, entry);
          await insertOrderTags(tx, taggings);
        });
      } catch (error) {
        // Put back what is not newer in the meantime; the next tick (or settled()) retries.
        for (const alert of alerts) if (!this.dirty.has(alert.id)) this.dirty.set(alert.id, alert);
        this.audits = [...audits, ...this.audits];
        this.taggings = [...taggings, ...this.taggings];
        this.outgoing = [...outgoing, ...this.outgoing];
        if (this.lastFlushError === undefined && !this.stopped) {
          this.log?.error({ err: error }, 'alerting: writing alerts failed; retrying on every tick');
        }
        this.lastFlushError = error;
        return;
      }
      this.lastFlushError = undefined;
      this.tell(outgoing);
    }
  }

  private tell(changes: readonly AlertChange[]): void {
    for (const change of changes) {
      for (const listener of this.listeners) {
        try {
          listener(change);
        } catch (error) {
          this.log?.error({ err: error }, 'alerting: a transition listener failed');
        }
      }
    }
  }
}
