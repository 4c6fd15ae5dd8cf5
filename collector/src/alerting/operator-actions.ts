// What an operator does to an alert by hand: acknowledge it or resolve it. Each change is kept in
// the book, audited, announced, and written before the caller gets its reply.
import type { Alert } from '../domain/alerts/alert.ts';
import { approvalByAck } from '../domain/alerts/approval.ts';
import { acknowledge, resolveByOperator } from '../domain/alerts/lifecycle.ts';
import { findAlert } from '../store/alerts.ts';
import type { Database } from '../store/database.ts';
import type { AlertBook } from './alert-book.ts';
import type { AlertWriter } from './alert-writer.ts';

export type AckFailure = 'not_found' | 'already_resolved' | 'not_firing';

export type AckResult = { ok: true; alert: Alert } | { ok: false; reason: AckFailure };

export class OperatorActions {
  constructor(
    private readonly db: Database,
    private readonly book: AlertBook,
    private readonly writer: AlertWriter,
    private readonly now: () => number,
    /** Resolves once what was recorded is written (the reply waits for it). */
    private readonly settled: () => Promise<void>,
    /** Cluster mode: tells the node answering for these alerts, once they are written. */
    private readonly changed: (ids: readonly string[]) => Promise<void> = async () => {},
  ) {}

  async acknowledge(id: string, actor: string, note: string | undefined): Promise<AckResult> {
    const result = await this.recordAck(id, actor, note, this.now());
    if (result.ok) await this.written([result.alert.id]);
    return result;
  }

  private async written(ids: readonly string[]): Promise<void> {
    await this.settled();
    await this.changed(ids);
  }

  /**
   * Acknowledges each of `ids` that is firing, with one note, and waits once for all of it to be
   * written: a bulk action over thousands of alerts costs one write, not one per alert. Each alert
   * is audited on its own, marked as part of a bulk action.
   */
  async acknowledgeMany(
    ids: readonly string[],
    actor: string,
    note: string | undefined,
  ): Promise<{ acknowledged: Alert[]; skipped: { id: string; reason: AckFailure }[] }> {
    const now = this.now();
    const acknowledged: Alert[] = [];
    const skipped: { id: string; reason: AckFailure }[] = [];
    for (const id of new Set(ids)) {
      const result = await this.recordAck(id, actor, note, now, true);
      if (result.ok) acknowledged.push(result.alert);
      else skipped.push({ id, reason: result.reason });
    }
    if (acknowledged.length > 0) await this.written(acknowledged.map((a) => a.id));
    return { acknowledged, skipped };
  }

  private async recordAck(
    id: string,
    actor: string,
    note: string | undefined,
    now: number,
    bulk = false,
  ): Promise<AckResult> {
    let alert = this.book.byId(id);
    if (alert === undefined) {
      // Not in the book: unknown, or resolved long enough ago to have been pruned.
      const stored = await findAlert(this.db, id);
      if (stored === undefined) return { ok: false, reason: 'not_found' };
      if (stored.status === 'resolved') return { ok: false, reason: 'already_resolved' };
      alert = stored;
    }
    const result = acknowledge(alert, actor, note, now);
    if (!result.ok) return result;
    const { approval, alert: acknowledged } = approvalByAck(alert, result.alert);
    this.put('alert.ack', 'changed', acknowledged, actor, note, now, bulk);
    if (approval) {
      // The acknowledgement is the approval the rule asked for: audited as such, under the
      // approver's token name, with the order it lets go on.
      this.writer.audit({
        at: now,
        actor,
        action: 'alert.approve',
        target: `alert/${acknowledged.id}`,
        details: {
          rule: acknowledged.rule,
          entity_type: acknowledged.entityType,
          entity_id: acknowledged.entityId,
          ...(acknowledged.entityType === 'order' && { order_id: acknowledged.entityId }),
          ...(note && { note }),
          ...(bulk && { bulk: true }),
        },
      });
    }
    return { ok: true, alert: acknowledged };
  }

  /**
   * An operator closes an alert by hand (e.g. a rejected parcel that was dealt with). The engine is
   * not told: while the condition holds it stays quiet about it; a new episode opens a new alert.
   */
  async resolve(id: string, actor: string, note: string | undefined): Promise<AckResult> {
    const now = this.now();
    const alert = this.book.byId(id) ?? (await findAlert(this.db, id));
    if (alert === undefined) return { ok: false, reason: 'not_found' };
    const result = resolveByOperator(alert, now);
    if (!result.ok) return result;
    this.put('alert.resolve', 'resolved', result.alert, actor, note, now, false);
    await this.written([result.alert.id]);
    return result;
  }

  /** Keeps the change in the book, audits and announces it; written by the next `settled`. */
  private put(
    action: 'alert.ack' | 'alert.resolve',
    transition: 'changed' | 'resolved',
    alert: Alert,
    actor: string,
    note: string | undefined,
    now: number,
    bulk: boolean,
  ): void {
    this.writer.put(alert);
    this.writer.audit({
      at: now,
      actor,
      action,
      target: `alert/${alert.id}`,
      details: {
        rule: alert.rule,
        // So a store-scoped reader of the audit log finds its stores' entries.
        store_id: alert.storeId,
        entity_type: alert.entityType,
        entity_id: alert.entityId,
        ...(note && { note }),
        ...(bulk && { bulk: true }),
      },
    });
    this.writer.announce(transition, alert, now);
  }
}
