// Cluster mode: an operator acknowledged or resolved an alert through another node. The node that
// answers for the alert takes the operator's part into its copy and keeps what its engine changed.
import { describe, expect, it } from 'vitest';
import type { Alert } from '../../src/domain/alerts/alert.ts';
import { operatorChangeFrom } from '../../src/domain/alerts/lifecycle.ts';

const firing: Alert = {
  id: 'a1',
  rule: 'order_stalled',
  severity: 'warning',
  status: 'firing',
  entityType: 'order',
  entityId: 'o1',
  storeId: 'S1',
  summary: { zh: '停滞', en: 'stalled' },
  labels: {},
  startedAt: 1_000,
  firingAt: 1_000,
  updatedAt: 2_000,
  resolvedAt: undefined,
  acknowledgedAt: undefined,
  acknowledgedBy: undefined,
  ackNote: undefined,
  reopenCount: 0,
};

describe('an operator change made on another node', () => {
  const acked: Alert = {
    ...firing,
    status: 'acknowledged',
    acknowledgedAt: 3_000,
    acknowledgedBy: 'ops',
    ackNote: 'on it',
    updatedAt: 3_000,
  };

  it('takes an acknowledgement, keeping the local summary', () => {
    const local = { ...firing, summary: { zh: '停滞 5 分钟', en: 'stalled 5 min' }, updatedAt: 2_500 };
    expect(operatorChangeFrom(local, acked)).toEqual({
      ...local,
      status: 'acknowledged',
      acknowledgedAt: 3_000,
      acknowledgedBy: 'ops',
      ackNote: 'on it',
      updatedAt: 3_000,
    });
  });

  it('takes a resolve by hand', () => {
    const resolved = { ...firing, status: 'resolved' as const, resolvedAt: 4_000, updatedAt: 4_000 };
    expect(operatorChangeFrom(firing, resolved)).toMatchObject({ status: 'resolved', resolvedAt: 4_000 });
  });

  it('ignores what it already has, another alert, a later episode, and a row still firing', () => {
    expect(operatorChangeFrom(acked, acked)).toBeUndefined();
    expect(operatorChangeFrom(firing, { ...acked, id: 'a2' })).toBeUndefined();
    expect(operatorChangeFrom({ ...firing, reopenCount: 1 }, acked)).toBeUndefined();
    expect(operatorChangeFrom(firing, firing)).toBeUndefined();
    expect(operatorChangeFrom({ ...firing, status: 'resolved' }, acked)).toBeUndefined();
  });
});
