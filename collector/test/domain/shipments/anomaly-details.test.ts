// What each anomaly says and from when: the detail text after-sales reads, the hours counted in it,
// and the checkpoint its `since` comes from.
import { describe, expect, it } from 'vitest';
import type { ShipmentState } from '../../../src/domain/events.ts';
import { detectAnomalies, type ShipmentAnomaly } from '../../../src/domain/shipments/anomalies.ts';
import {
  emptyTracking,
  mergeCheckpoints,
  type ShipmentCheckpoint,
  type ShipmentTracking,
} from '../../../src/domain/shipments/tracking.ts';

const HOUR = 3_600_000;
const T0 = Date.parse('2026-06-01T08:00:00+08:00');

let seq = 0;
function cp(h: number, state: ShipmentState, extra: Partial<ShipmentCheckpoint> = {}): ShipmentCheckpoint {
  seq += 1;
  return { id: `d${seq}`, occurredAt: T0 + h * HOUR, state, ...extra };
}

function track(checkpoints: ShipmentCheckpoint[], more: Partial<ShipmentTracking> = {}): ShipmentTracking {
  return { ...mergeCheckpoints(emptyTracking('yuantong', 'YT9'), checkpoints).tracking, ...more };
}

function only(
  t: ShipmentTracking,
  h: number,
  reason: ShipmentAnomaly['reason'],
): ShipmentAnomaly | undefined {
  return detectAnomalies(t, T0 + h * HOUR).find((a) => a.reason === reason);
}

describe('silent', () => {
  it('counts whole hours since the last update in its detail', () => {
    const t = track([cp(0, 'collected'), cp(5, 'in_transit')]);
    expect(only(t, 55.5, 'silent')).toEqual({
      reason: 'silent',
      since: T0 + 53 * HOUR,
      detail: 'no carrier update for 50 h',
    });
  });

  it('counts from the binding when it came after the last checkpoint', () => {
    const t = track([cp(0, 'collected')], { boundAt: T0 + 10 * HOUR });
    expect(only(t, 57, 'silent')).toBeUndefined();
    expect(only(t, 60, 'silent')).toEqual({
      reason: 'silent',
      since: T0 + 58 * HOUR,
      detail: 'no carrier update for 50 h',
    });
  });
});

describe('rejected, returned, returning', () => {
  it('rejected: dated at the first of the trailing rejected checkpoints, the carrier text or 拒签', () => {
    const t = track([cp(0, 'in_transit'), cp(2, 'rejected'), cp(3, 'rejected')]);
    expect(only(t, 4, 'rejected')).toEqual({ reason: 'rejected', since: T0 + 2 * HOUR, detail: '拒签' });
    const texted = track([cp(0, 'in_transit'), cp(2, 'rejected', { providerText: '收件人拒收' })]);
    expect(only(texted, 4, 'rejected')?.detail).toBe('收件人拒收');
  });

  it('returned without a returning code: 已退回, or the carrier text', () => {
    const t = track([cp(0, 'in_transit'), cp(2, 'returned'), cp(3, 'returned')]);
    expect(only(t, 4, 'returned')).toEqual({ reason: 'returned', since: T0 + 2 * HOUR, detail: '已退回' });
    expect(only(t, 4, 'returning')).toBeUndefined();
    const texted = track([cp(0, 'in_transit'), cp(2, 'returned', { providerText: '退件签收' })]);
    expect(only(texted, 4, 'returned')?.detail).toBe('退件签收');
  });

  it('returned with Kuaidi100 code 6 is still on its way back: returning, 退回中', () => {
    const t = track([cp(0, 'in_transit'), cp(2, 'returned', { providerCode: '6' })]);
    expect(only(t, 4, 'returning')).toEqual({ reason: 'returning', since: T0 + 2 * HOUR, detail: '退回中' });
    expect(only(t, 4, 'returned')).toBeUndefined();
    const other = track([cp(0, 'in_transit'), cp(2, 'returned', { providerCode: '4' })]);
    expect(only(other, 4, 'returned')?.detail).toBe('已退回');
  });
});

describe('returned repeatedly', () => {
  const bounced = (n: number) => {
    const cps = [cp(0, 'collected')];
    for (let i = 0; i < n; i++) cps.push(cp(10 * i + 1, 'returned'), cp(10 * i + 5, 'in_transit'));
    return cps;
  };

  it('counts the returns and dates the anomaly at the return that reached the threshold', () => {
    const twice = track(bounced(2));
    expect(only(twice, 30, 'returned_repeatedly')).toEqual({
      reason: 'returned_repeatedly',
      since: T0 + 11 * HOUR,
      detail: 'returned 2 times',
    });
    const thrice = track(bounced(3));
    expect(only(thrice, 30, 'returned_repeatedly')).toEqual({
      reason: 'returned_repeatedly',
      since: T0 + 11 * HOUR,
      detail: 'returned 3 times',
    });
  });

  it('does not fire once, nor after delivery', () => {
    expect(only(track(bounced(1)), 30, 'returned_repeatedly')).toBeUndefined();
    expect(only(track([...bounced(2), cp(29, 'delivered')]), 30, 'returned_repeatedly')).toBeUndefined();
  });
});

describe('exception', () => {
  it('is dated at the first of the trailing exception or stuck checkpoints, detail the text or the state', () => {
    const t = track([cp(0, 'in_transit'), cp(2, 'exception'), cp(3, 'stuck')]);
    expect(only(t, 4, 'exception')).toEqual({ reason: 'exception', since: T0 + 2 * HOUR, detail: 'stuck' });
    const exc = track([cp(0, 'in_transit'), cp(2, 'exception')]);
    expect(only(exc, 4, 'exception')?.detail).toBe('exception');
    const texted = track([cp(0, 'in_transit'), cp(2, 'exception', { providerText: '地址不详' })]);
    expect(only(texted, 4, 'exception')?.detail).toBe('地址不详');
  });
});

describe('stuck at location', () => {
  it('names the trimmed location and the hours spent there since arriving', () => {
    const t = track([
      cp(0, 'in_transit', { location: '嘉兴市' }),
      cp(2, 'collected', { location: '  杭州转运中心 ' }),
      cp(5, 'in_transit', { location: '杭州转运中心' }),
    ]);
    expect(only(t, 25.9, 'stuck_at_location')).toBeUndefined();
    expect(only(t, 32.5, 'stuck_at_location')).toEqual({
      reason: 'stuck_at_location',
      since: T0 + 26 * HOUR,
      detail: 'at 杭州转运中心 for 30 h',
    });
  });

  it('falls back to the city of the carrier text when no location is given', () => {
    const t = track([
      cp(0, 'in_transit', { providerText: '【嘉兴市】已发出' }),
      cp(2, 'in_transit', { providerText: '【杭州市】已到达' }),
      cp(4, 'in_transit', { providerText: '【杭州市】已发往 北京' }),
    ]);
    expect(only(t, 28, 'stuck_at_location')).toEqual({
      reason: 'stuck_at_location',
      since: T0 + 26 * HOUR,
      detail: 'at 330100 for 26 h',
    });
  });
});

describe('outside destination', () => {
  it('names the city and the destination', () => {
    const t = track([cp(0, 'in_transit'), cp(2, 'out_for_delivery', { location: '杭州市' })], {
      destinationRegion: '北京市',
    });
    expect(only(t, 3, 'outside_destination')).toEqual({
      reason: 'outside_destination',
      since: T0 + 2 * HOUR,
      detail: 'at 杭州市, destination 北京市',
    });
  });

  it('names the province when the place is known only to its province', () => {
    const t = track([cp(2, 'out_for_delivery', { location: '浙江省' })], { destinationRegion: '北京市' });
    expect(only(t, 3, 'outside_destination')?.detail).toBe('at 浙江省, destination 北京市');
  });

  it('reads the carrier text when the location names no place', () => {
    const t = track([cp(2, 'out_for_delivery', { location: '网点', providerText: '【杭州市】派件中' })], {
      destinationRegion: '北京市',
    });
    expect(only(t, 3, 'outside_destination')?.detail).toBe('at 杭州市, destination 北京市');
  });

  it('skips last-leg checkpoints without a place and judges the newest one that has one', () => {
    const placeless = track([cp(1, 'out_for_delivery', { location: '杭州市' }), cp(2, 'delivered')], {
      destinationRegion: '北京市',
    });
    expect(only(placeless, 3, 'outside_destination')?.since).toBe(T0 + 1 * HOUR);
    const cameRight = track(
      [cp(1, 'out_for_delivery', { location: '杭州市' }), cp(2, 'out_for_delivery', { location: '北京市' })],
      { destinationRegion: '北京市' },
    );
    expect(only(cameRight, 3, 'outside_destination')).toBeUndefined();
  });

  it('treats Kuaidi100 1001 (arrived in the delivery city) as the last leg', () => {
    const t = track([cp(2, 'in_transit', { providerCode: '1001', location: '杭州市' })], {
      destinationRegion: '北京市',
    });
    expect(only(t, 3, 'outside_destination')?.since).toBe(T0 + 2 * HOUR);
    const notLastLeg = track([cp(2, 'in_transit', { providerCode: '1002', location: '杭州市' })], {
      destinationRegion: '北京市',
    });
    expect(only(notLastLeg, 3, 'outside_destination')).toBeUndefined();
  });
});
