// How a Signal changes the alert of its (rule, entity): open, update, promote from pending, resolve,
// or re-open within the cool-down. One open alert per (rule, entity): a repeated firing signal
// updates it, never creates another. Pure: `now` and the id generator are parameters.
import type { Signal } from '../rules/signal.ts';
import type { Alert, AlertTiming } from './alert.ts';

export type AlertTransitionKind =
  /** Nothing changed. */
  | 'none'
  /** A new alert (pending or firing). */
  | 'open'
  /** Same alert, new summary/severity/labels. */
  | 'update'
  /** A pending alert held for `for`: now firing. */
  | 'fire'
  /** The condition cleared. */
  | 'resolve'
  /** A pending alert whose condition cleared before `for` elapsed: it never fired (Prometheus drops it). */
  | 'discard'
  /** Fired again within the cool-down after resolving: the same alert is firing again. */
  | 'reopen';

export interface AlertTransition {
  kind: AlertTransitionKind;
  /** The alert after the transition (undefined only for 'none' with no alert). */
  alert: Alert | undefined;
}

/**
 * `current` is the latest alert for the signal's (rule, entity) — open, or the most recently
 * resolved one (needed for the cool-down) — or undefined if there is none.
 */
export function applySignal(
  current: Alert | undefined,
  signal: Signal,
  timing: AlertTiming,
  now: number,
  newId: () => string,
): AlertTransition {
  if (signal.condition === 'resolved') return resolveFrom(current, signal, now);
  if (current !== undefined && current.status !== 'resolved') return updateOpen(current, signal, timing, now);
  if (
    current !== undefined &&
    current.firingAt !== undefined &&
    current.resolvedAt !== undefined &&
    signal.at - current.resolvedAt < timing.coolDownMs
  ) {
    const alert: Alert = {
      ...current,
      ...contentOf(signal),
      status: 'firing',
      firingAt: now,
      updatedAt: now,
      resolvedAt: undefined,
      reopenCount: current.reopenCount + 1,
    };
    return { kind: 'reopen', alert };
  }
  const pending = timing.forMs > 0 && now < signal.at + timing.forMs;
  const alert: Alert = {
    id: newId(),
    ...contentOf(signal),
    status: pending ? 'pending' : 'firing',
    entityType: signal.entityType,
    entityId: signal.entityId,
    storeId: signal.storeId,
    rule: signal.rule,
    startedAt: signal.at,
    firingAt: pending ? undefined : now,
    updatedAt: now,
    resolvedAt: undefined,
    acknowledgedAt: undefined,
    acknowledgedBy: undefined,
    ackNote: undefined,
    reopenCount: 0,
  };
  return { kind: 'open', alert };
}

/** Pending alerts whose condition has now held for `for` become firing. */
export function promotePending(alert: Alert, timing: AlertTiming, now: number): AlertTransition {
  if (alert.status !== 'pending' || now < alert.startedAt + timing.forMs) return { kind: 'none', alert };
  return { kind: 'fire', alert: { ...alert, status: 'firing', firingAt: now, updatedAt: now } };
}

/** When a pending alert will fire if its condition keeps holding. */
export function pendingFiresAt(alert: Alert, timing: AlertTiming): number | undefined {
  return alert.status === 'pending' ? alert.startedAt + timing.forMs : undefined;
}

export type OperatorResult =
  | { ok: true; alert: Alert }
  | { ok: false; reason: 'not_firing' | 'already_resolved' };

/** An operator acknowledges a firing alert (acknowledging again updates the note). */
export function acknowledge(alert: Alert, by: string, note: string | undefined, now: number): OperatorResult {
  if (alert.status === 'resolved') return { ok: false, reason: 'already_resolved' };
  if (alert.status === 'pending') return { ok: false, reason: 'not_firing' };
  return {
    ok: true,
    alert: {
      ...alert,
      status: 'acknowledged',
      acknowledgedAt: alert.acknowledgedAt ?? now,
      acknowledgedBy: by,
      ackNote: note ?? alert.ackNote,
      updatedAt: now,
    },
  };
}

/** An operator closes an alert by hand (e.g. a rejected parcel that was dealt with). */
export function resolveByOperator(alert: Alert, now: number): OperatorResult {
  if (alert.status === 'resolved') return { ok: false, reason: 'already_resolved' };
  return { ok: true, alert: cleared(alert, now, now) };
}

function updateOpen(current: Alert, signal: Signal, timing: AlertTiming, now: number): AlertTransition {
  const content = contentOf(signal);
  const changed =
    content.severity !== current.severity ||
    content.summary.zh !== current.summary.zh ||
    content.summary.en !== current.summary.en ||
    !sameLabels(content.labels, current.labels);
  // A late event may show the condition started earlier than we thought.
  const startedAt = Math.min(current.startedAt, signal.at);
  const promoted = current.status === 'pending' && now >= startedAt + timing.forMs;
  if (!changed && !promoted && startedAt === current.startedAt) return { kind: 'none', alert: current };
  const alert: Alert = {
    ...current,
    ...content,
    startedAt,
    updatedAt: now,
    ...(promoted ? { status: 'firing' as const, firingAt: now } : {}),
  };
  return { kind: promoted ? 'fire' : 'update', alert };
}

function resolveFrom(current: Alert | undefined, signal: Signal, now: number): AlertTransition {
  if (current === undefined || current.status === 'resolved') return { kind: 'none', alert: current };
  const alert = cleared(current, signal.at, now);
  return { kind: current.status === 'pending' ? 'discard' : 'resolve', alert };
}

/** Recovery clears the acknowledgement: if the entity fails again, someone must look again. */
function cleared(alert: Alert, at: number, now: number): Alert {
  return {
    ...alert,
    status: 'resolved',
    resolvedAt: Math.max(at, alert.startedAt),
    updatedAt: now,
    acknowledgedAt: undefined,
    acknowledgedBy: undefined,
    ackNote: undefined,
  };
}

function contentOf(signal: Signal): Pick<Alert, 'severity' | 'summary' | 'labels'> {
  return { severity: signal.severity, summary: signal.summary, labels: signal.labels };
}

function sameLabels(a: Record<string, string>, b: Record<string, string>): boolean {
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((k) => a[k] === b[k]);
}

/**
 * Cluster mode: an operator acknowledged or resolved `local` through another node, which stored
 * the result as `stored`. The node answering for the alert takes the operator's part into its own
 * copy (and writes it from then on) and keeps what its engine changed meanwhile; undefined when
 * `stored` carries no operator change `local` lacks (an older row, or another episode).
 */
export function operatorChangeFrom(local: Alert, stored: Alert): Alert | undefined {
  if (stored.id !== local.id || local.status === 'resolved' || local.status === 'pending') return undefined;
  // The alert re-opened here since: the stored row speaks of the episode before.
  if (local.reopenCount > stored.reopenCount) return undefined;
  // Only an operator resolves an alert its engine still holds open.
  if (stored.status === 'resolved') {
    return cleared(local, stored.resolvedAt ?? stored.updatedAt, Math.max(local.updatedAt, stored.updatedAt));
  }
  if (stored.status !== 'acknowledged') return undefined;
  const same =
    local.status === 'acknowledged' &&
    local.acknowledgedBy === stored.acknowledgedBy &&
    local.acknowledgedAt === stored.acknowledgedAt &&
    local.ackNote === stored.ackNote;
  if (same) return undefined;
  return {
    ...local,
    status: 'acknowledged',
    acknowledgedAt: stored.acknowledgedAt,
    acknowledgedBy: stored.acknowledgedBy,
    ackNote: stored.ackNote,
    updatedAt: Math.max(local.updatedAt, stored.updatedAt),
  };
}
