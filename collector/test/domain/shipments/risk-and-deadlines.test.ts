// The risk score's growth with days of silence (silence only), and which deadlines a tracking has
// when nothing tells when it started or the parcel is not supposed to be moving.
import { describe, expect, it } from 'vitest';
import { anomalyDeadlines, detectAnomalies } from '../../../src/domain/shipments/anomalies.ts';
import { riskScore } from '../../../src/domain/shipments/risk.ts';
import { emptyTracking, mergeCheckpoints } from '../../../src/domain/shipments/tracking.ts';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const NOW = Date.parse('2026-06-10T08:00:00+08:00');

describe('riskScore', () => {
  it('adds 10 per whole day of silence, up to 30', () => {
    const silentFor = (ms: number) => riskScore([{ reason: 'silent', since: NOW - ms, detail: '' }], NOW);
    expect(silentFor(0)).toBe(40);
    expect(silentFor(DAY - 1)).toBe(40);
    expect(silentFor(1.5 * DAY)).toBe(50);
    expect(silentFor(2 * DAY)).toBe(60);
    expect(silentFor(9 * DAY)).toBe(70);
  });

  it('does not grow other reasons with time', () => {
    expect(riskScore([{ reason: 'stuck_at_location', since: NOW - 5 * DAY, detail: '' }], NOW)).toBe(30);
    expect(riskScore([{ reason: 'returning', since: NOW - 2 * DAY, detail: '' }], NOW)).toBe(30);
  });
});

describe('deadlines', () => {
  it('has none, and no anomaly, for a tracking with no checkpoint and no binding', () => {
    const empty = emptyTracking('sf', 'SF1');
    expect(anomalyDeadlines(empty)).toEqual({});
    expect(detectAnomalies(empty, NOW)).toEqual([]);
  });

  it('has no stuck deadline while the parcel is held (exception) at a known place', () => {
    const held = mergeCheckpoints(emptyTracking('sf', 'SF1'), [
      { id: 'a', occurredAt: NOW - 3 * DAY, state: 'exception', location: '杭州市' },
    ]).tracking;
    expect(anomalyDeadlines(held)).toEqual({ silentAt: NOW - 3 * DAY + 48 * HOUR });
    expect(detectAnomalies(held, NOW).map((a) => a.reason)).toEqual(['silent', 'exception']);
  });
});
