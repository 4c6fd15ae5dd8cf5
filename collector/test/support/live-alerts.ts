// An `order_stalled` transition as the live stream carries it, for the gateway's and panels' tests.
import type { Alert, LiveAlertEvent } from '../../src/live/events.ts';

export function stalledOrderEvent(
  id: string,
  {
    store = 'S1',
    status = 'firing',
    at = Date.now(),
  }: { store?: string; status?: Alert['status']; at?: number } = {},
): LiveAlertEvent {
  const time = new Date(at).toISOString();
  return {
    transition: status === 'resolved' ? 'resolved' : 'opened',
    at,
    alert: {
      id,
      rule: 'order_stalled',
      severity: 'warning',
      status,
      entity_type: 'order',
      entity_id: `order-${id}`,
      store_id: store,
      summary: 'stalled',
      summary_zh: '',
      summary_message: null,
      rule_name: '',
      labels: {},
      started_at: time,
      updated_at: time,
      resolved_at: null,
      acknowledged_at: null,
      acknowledged_by: null,
      ack_note: null,
    },
  };
}
