import { describe, expect, it } from 'vitest';
import type { ShipmentState } from '../../src/domain/events.ts';
import {
  anomalyDeadlines,
  DEFAULT_SHIPMENT_ANOMALY_PARAMS,
  detectAnomalies,
  ruleOfReason,
  type ShipmentAnomalyReason,
} from '../../src/domain/shipments/anomalies.ts';
import { assessShipment, riskLevel } from '../../src/domain/shipments/risk.ts';
import {
  emptyTracking,
  mergeCheckpoints,
  type ShipmentCheckpoint,
  type ShipmentTracking,
} from '../../src/domain/shipments/tracking.ts';

const HOUR = 3_600_000;
const T0 = Date.parse('2026-06-01T08:00:00+08:00');

let seq = 0;
function cp(h: number, state: ShipmentState, extra: Partial<ShipmentCheckpoint> = {}): ShipmentCheckpoint {
  seq += 1;
  return { id: `c${seq}`, occurredAt: T0 + h * HOUR, state, ...extra };
}

function track(checkpoints: ShipmentCheckpoint[], more: Partial<ShipmentTracking> = {}): ShipmentTracking {
  return { ...mergeCheckpoints(emptyTracking('yuantong', 'YT1'), checkpoints).tracking, ...more };
}

function reasonsAt(t: ShipmentTracking, h: number): ShipmentAnomalyReason[] {
  return detectAnomalies(t, T0 + h * HOUR).map((a) => a.reason);
}

const hz = (text: string) => ({ location: text, providerText: `【${text}】快件已到达` });

describe('silent', () => {
  const t = track([cp(0, 'collected', hz('杭州市')), cp(5, 'in_transit', hz('嘉兴市'))]);

  it('fires 48 h after the last update, dated at the deadline, and not before', () => {
    expect(reasonsAt(t, 52.9)).not.toContain('silent');
    const silent = detectAnomalies(t, T0 + 53 * HOUR).find((a) => a.reason === 'silent');
    expect(silent?.since).toBe(T0 + 53 * HOUR);
  });

  it('clears when a new checkpoint arrives', () => {
    const later = mergeCheckpoints(t, [cp(60, 'in_transit', hz('苏州市'))]).tracking;
    expect(reasonsAt(later, 61)).not.toContain('silent');
    expect(reasonsAt(later, 108)).toContain('silent');
  });

  it('never fires for final shipments or ended tracking', () => {
    expect(reasonsAt(track([cp(0, 'delivered')]), 500)).toEqual([]);
    expect(reasonsAt({ ...t, ended: true }, 500)).not.toContain('silent');
  });

  it('counts from the binding when no carrier update came yet', () => {
    const bound: ShipmentTracking = { ...emptyTracking('sf', 'SF1'), boundAt: T0 };
    expect(reasonsAt(bound, 47)).toEqual([]);
    expect(reasonsAt(bound, 48)).toEqual(['silent']);
  });

  it('uses the configured limit', () => {
    const params = { ...DEFAULT_SHIPMENT_ANOMALY_PARAMS, silentLimitMs: 2 * HOUR };
    expect(detectAnomalies(t, T0 + 7 * HOUR, params).map((a) => a.reason)).toContain('silent');
  });
});

describe('rejected, returning, returned', () => {
  it('rejected fires on 拒签 and clears when the parcel moves on', () => {
    const t = track([
      cp(0, 'out_for_delivery'),
      cp(1, 'rejected', { providerCode: '14', providerText: '拒签' }),
    ]);
    expect(reasonsAt(t, 2)).toEqual(['rejected']);
    const redelivered = mergeCheckpoints(t, [cp(3, 'out_for_delivery'), cp(4, 'delivered')]).tracking;
    expect(reasonsAt(redelivered, 5)).toEqual([]);
  });

  it('returning (code 6) and returned are told apart, and clear on redelivery', () => {
    const returning = track([cp(0, 'in_transit'), cp(1, 'returned', { providerCode: '6' })]);
    expect(reasonsAt(returning, 2)).toEqual(['returning']);
    const returned = mergeCheckpoints(returning, [cp(10, 'returned', { providerCode: '4' })]).tracking;
    const reasons = detectAnomalies(returned, T0 + 11 * HOUR);
    expect(reasons.map((a) => a.reason)).toEqual(['returned']);
    expect(reasons[0]?.since).toBe(T0 + HOUR);
    const resent = mergeCheckpoints(returned, [cp(20, 'in_transit')]).tracking;
    expect(reasonsAt(resent, 21)).toEqual([]);
  });

  it('a late binding between two returns does not count as a third', () => {
    const t = track([
      cp(0, 'returned', { providerCode: '6' }),
      cp(1, 'created'),
      cp(2, 'returned', { providerCode: '6' }),
    ]);
    expect(reasonsAt(t, 3)).toEqual(['returning']);
  });

  it('returned twice or more fires while not delivered and clears on delivery', () => {
    const t = track([
      cp(0, 'in_transit'),
      cp(1, 'returned', { providerCode: '6' }),
      cp(2, 'returned', { providerCode: '4' }),
      cp(3, 'in_transit'),
      cp(4, 'returned', { providerCode: '6' }),
    ]);
    const found = detectAnomalies(t, T0 + 5 * HOUR);
    expect(found.map((a) => a.reason)).toEqual(['returning', 'returned_repeatedly']);
    expect(found[1]?.since).toBe(T0 + 4 * HOUR);
    const onceMore = mergeCheckpoints(t, [cp(5, 'in_transit')]).tracking;
    expect(reasonsAt(onceMore, 6)).toEqual(['returned_repeatedly']);
    const delivered = mergeCheckpoints(onceMore, [cp(6, 'delivered')]).tracking;
    expect(reasonsAt(delivered, 7)).toEqual([]);
  });
});

describe('exception', () => {
  it('fires on exception and stuck (疑难 2xx) and clears when tracking resumes', () => {
    const t = track([
      cp(0, 'in_transit'),
      cp(1, 'exception', { providerCode: '204', providerText: '派件异常' }),
      cp(2, 'stuck', { providerCode: '208' }),
    ]);
    const found = detectAnomalies(t, T0 + 3 * HOUR);
    expect(found.map((a) => a.reason)).toEqual(['exception']);
    expect(found[0]?.since).toBe(T0 + HOUR);
    const resumed = mergeCheckpoints(t, [cp(4, 'out_for_delivery')]).tracking;
    expect(reasonsAt(resumed, 5)).toEqual([]);
  });
});

describe('stuck at the same location', () => {
  const t = track([
    cp(0, 'collected', hz('杭州市')),
    cp(2, 'in_transit', hz('嘉兴市')),
    cp(3, 'in_transit', hz('嘉兴市')),
    cp(10, 'in_transit', hz('嘉兴市')),
  ]);

  it('fires 24 h after arriving at the location, even with repeated scans there', () => {
    expect(reasonsAt(t, 25.9)).toEqual([]);
    const found = detectAnomalies(t, T0 + 26 * HOUR);
    expect(found.map((a) => a.reason)).toEqual(['stuck_at_location']);
    expect(found[0]?.since).toBe(T0 + 26 * HOUR);
    expect(anomalyDeadlines(t).stuckAt).toBe(T0 + 26 * HOUR);
  });

  it('clears when the parcel moves to another location', () => {
    const moved = mergeCheckpoints(t, [cp(27, 'in_transit', hz('苏州市'))]).tracking;
    expect(reasonsAt(moved, 28)).toEqual([]);
  });

  it('uses the city in the context when the carrier gives no location field', () => {
    const noField = track([
      cp(0, 'in_transit', { providerText: '【嘉兴市】快件已到达 嘉兴中转部' }),
      cp(20, 'in_transit', { providerText: '【嘉兴市】快件已发出' }),
    ]);
    expect(reasonsAt(noField, 24)).toEqual(['stuck_at_location']);
  });
});

describe('outside destination', () => {
  it('fires when the last leg happens outside destination_region and clears when corrected', () => {
    const t = track([cp(0, 'in_transit', hz('杭州市')), cp(5, 'out_for_delivery', hz('宁波市'))], {
      destinationRegion: '330100',
    });
    const found = detectAnomalies(t, T0 + 6 * HOUR);
    expect(found.map((a) => a.reason)).toEqual(['outside_destination']);
    expect(found[0]?.since).toBe(T0 + 5 * HOUR);
    const corrected = mergeCheckpoints(t, [cp(7, 'in_transit', hz('杭州市'))]).tracking;
    expect(reasonsAt(corrected, 8)).toEqual([]);
  });

  it('does not fire while in transit through other provinces, or inside the destination', () => {
    const t = track([cp(0, 'in_transit', hz('北京市')), cp(5, 'out_for_delivery', hz('杭州市'))], {
      destinationRegion: '浙江省',
    });
    expect(reasonsAt(t, 6)).toEqual([]);
    const transit = track([cp(0, 'in_transit', hz('北京市'))], { destinationRegion: '浙江省' });
    expect(reasonsAt(transit, 1)).toEqual([]);
  });

  it('counts 到达派件城市 (1001) as the last leg', () => {
    const t = track([cp(0, 'in_transit', { ...hz('苏州市'), providerCode: '1001' })], {
      destinationRegion: '杭州市',
    });
    expect(reasonsAt(t, 1)).toEqual(['outside_destination']);
  });
});

describe('risk score', () => {
  it('is 0/low for a healthy shipment and high for rejected', () => {
    const healthy = track([cp(0, 'collected'), cp(5, 'delivered')]);
    expect(assessShipment(healthy, T0 + 100 * HOUR)).toEqual({ score: 0, level: 'low', reasons: [] });
    const rejected = assessShipment(track([cp(0, 'rejected')]), T0 + HOUR);
    expect(rejected.level).toBe('high');
    expect(rejected.reasons.map((r) => r.reason)).toEqual(['rejected']);
  });

  it('grows with the length of silence and is capped at 100', () => {
    const t = track([cp(0, 'in_transit')]);
    const at48 = assessShipment(t, T0 + 48 * HOUR);
    const at96 = assessShipment(t, T0 + 96 * HOUR);
    expect(at48.level).toBe('medium');
    expect(at96.score).toBeGreaterThan(at48.score);
    expect(at96.level).toBe('high');
    const many = track([cp(0, 'returned'), cp(1, 'in_transit', hz('北京市')), cp(2, 'returned')], {
      destinationRegion: '浙江',
    });
    expect(assessShipment(many, T0 + 500 * HOUR).score).toBe(100);
  });

  it('maps scores onto levels at 30 and 60', () => {
    expect([0, 29, 30, 59, 60, 100].map(riskLevel)).toEqual([
      'low',
      'low',
      'medium',
      'medium',
      'high',
      'high',
    ]);
  });

  it('tells which rule each reason feeds', () => {
    expect(ruleOfReason('silent')).toBe('tracking_silent');
    expect(ruleOfReason('rejected')).toBe('shipment_anomaly');
    expect(ruleOfReason('outside_destination')).toBe('shipment_anomaly');
    expect(ruleOfReason('returning')).toBeUndefined();
  });
});
