// Approval read from one alert, at its edges: only the label's exact 'true' asks for it, and an
// acknowledgement counts only with both its author and its time.
import { describe, expect, it } from 'vitest';
import type { Alert } from '../../src/domain/alerts/alert.ts';
import { approvalOf, REQUIRES_APPROVAL_LABEL, requiresApproval } from '../../src/domain/alerts/approval.ts';

const alert = (extra: Partial<Alert> = {}) => ({
  labels: { requires_approval: 'true' },
  status: 'firing' as Alert['status'],
  acknowledgedBy: undefined,
  acknowledgedAt: undefined,
  ...extra,
});

describe('approval edges', () => {
  it('is asked for by requires_approval="true" only', () => {
    expect(REQUIRES_APPROVAL_LABEL).toBe('requires_approval');
    expect(requiresApproval({ labels: { requires_approval: 'true' } })).toBe(true);
    for (const value of ['false', 'True', '1', ''])
      expect(requiresApproval({ labels: { requires_approval: value } }), value).toBe(false);
    expect(requiresApproval({ labels: { approval: 'true' } })).toBe(false);
  });

  it('is not given by an acknowledgement missing its author or its time', () => {
    expect(approvalOf(alert({ acknowledgedBy: 'wang' }))).toEqual({ state: 'awaiting' });
    expect(approvalOf(alert({ acknowledgedAt: 5_000 }))).toEqual({ state: 'awaiting' });
    expect(approvalOf(alert({ acknowledgedBy: 'wang', status: 'resolved' }))).toEqual({ state: 'lapsed' });
    expect(approvalOf(alert({ acknowledgedBy: 'wang', acknowledgedAt: 5_000, status: 'resolved' }))).toEqual({
      state: 'approved',
      by: 'wang',
      at: 5_000,
    });
    expect(approvalOf(alert({ status: 'acknowledged' }))).toEqual({ state: 'awaiting' });
  });
});
