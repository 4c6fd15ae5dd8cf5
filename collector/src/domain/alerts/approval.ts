// Approval of an alert whose rule says `requires_approval: true` (a supervisor looks at the order
// before it goes on): the alert awaits approval until an operator acknowledges it, and that
// acknowledgement, by whoever made it, is the approval. Pure: read from the alert alone.
import type { Alert } from './alert.ts';

/** The label the rule-set adapter sets on the alerts of such a rule. */
export const REQUIRES_APPROVAL_LABEL = 'requires_approval';

export type Approval =
  | { state: 'awaiting' }
  | { state: 'approved'; by: string; at: number }
  /** The alert resolved without anyone approving it (the condition cleared). */
  | { state: 'lapsed' };

export function requiresApproval(alert: Pick<Alert, 'labels'>): boolean {
  return alert.labels[REQUIRES_APPROVAL_LABEL] === 'true';
}

/** Undefined for an alert of a rule that needs no approval. */
export function approvalOf(
  alert: Pick<Alert, 'labels' | 'status' | 'acknowledgedBy' | 'acknowledgedAt'>,
): Approval | undefined {
  if (!requiresApproval(alert)) return undefined;
  if (alert.acknowledgedBy !== undefined && alert.acknowledgedAt !== undefined)
    return { state: 'approved', by: alert.acknowledgedBy, at: alert.acknowledgedAt };
  return alert.status === 'resolved' ? { state: 'lapsed' } : { state: 'awaiting' };
}

/**
 * An operator acknowledged `before`, giving `after`: whether that acknowledgement is the approval
 * (the first one of an alert needing it), and the alert to keep — acknowledging an approved alert
 * again (to change the note) leaves the approver as it was.
 */
export function approvalByAck(before: Alert, after: Alert): { approval: boolean; alert: Alert } {
  if (!requiresApproval(before)) return { approval: false, alert: after };
  if (before.acknowledgedBy === undefined) return { approval: true, alert: after };
  return { approval: false, alert: { ...after, acknowledgedBy: before.acknowledgedBy } };
}
