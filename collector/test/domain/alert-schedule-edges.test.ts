// When the alert machinery must look again: the next start or end of a promotion that applies to a
// store (or to the whole chain), and the time a pending alert fires if its condition keeps holding.
import { describe, expect, it } from 'vitest';
import type { Alert } from '../../src/domain/alerts/alert.ts';
import {
  alwaysOpenCalendar,
  type Calendar,
  nextPromotionChange,
  type Promotion,
} from '../../src/domain/alerts/calendar.ts';
import { pendingFiresAt } from '../../src/domain/alerts/lifecycle.ts';

const T0 = Date.parse('2026-11-11T00:00:00Z');
const HOUR = 3_600_000;

const promotion = (name: string, fromMs: number, toMs: number, stores: string[] = []): Promotion => ({
  name,
  fromMs,
  toMs,
  stores,
  overrides: {},
});
const calendar = (...promotions: Promotion[]): Calendar => ({ ...alwaysOpenCalendar(), promotions });

describe('nextPromotionChange', () => {
  it('is Infinity without promotions, and once every one has ended', () => {
    expect(nextPromotionChange(calendar(), T0)).toBe(Number.POSITIVE_INFINITY);
    expect(nextPromotionChange(calendar(promotion('past', T0 - 2 * HOUR, T0)), T0)).toBe(
      Number.POSITIVE_INFINITY,
    );
  });

  it('is the earliest start or end strictly after now, whatever order the promotions are listed in', () => {
    const later = promotion('later', T0 + 5 * HOUR, T0 + 9 * HOUR);
    const running = promotion('running', T0 - HOUR, T0 + 3 * HOUR);
    const soon = promotion('soon', T0 + 2 * HOUR, T0 + 4 * HOUR);
    expect(nextPromotionChange(calendar(later, running, soon), T0)).toBe(T0 + 2 * HOUR);
    expect(nextPromotionChange(calendar(soon, running, later), T0)).toBe(T0 + 2 * HOUR);
    expect(nextPromotionChange(calendar(later, running), T0)).toBe(T0 + 3 * HOUR);
    expect(nextPromotionChange(calendar(running, later), T0 + 3 * HOUR)).toBe(T0 + 5 * HOUR);
    expect(nextPromotionChange(calendar(soon), T0 + 2 * HOUR)).toBe(T0 + 4 * HOUR);
  });

  it('counts a store’s own promotions for that store only, and chain-wide ones for everyone', () => {
    const forS1 = promotion('s1', T0 + HOUR, T0 + 2 * HOUR, ['S1']);
    const chain = promotion('chain', T0 + 3 * HOUR, T0 + 4 * HOUR);
    expect(nextPromotionChange(calendar(forS1, chain), T0, 'S1')).toBe(T0 + HOUR);
    expect(nextPromotionChange(calendar(forS1, chain), T0, 'S2')).toBe(T0 + 3 * HOUR);
    expect(nextPromotionChange(calendar(forS1, chain), T0)).toBe(T0 + 3 * HOUR);
    expect(nextPromotionChange(calendar(forS1), T0)).toBe(Number.POSITIVE_INFINITY);
  });
});

describe('pendingFiresAt', () => {
  const alert = (status: Alert['status']) => ({ status, startedAt: T0 }) as Alert;
  const timing = { forMs: 5 * 60_000, coolDownMs: 0 };

  it('is the start plus the rule’s for while pending, and undefined in any other status', () => {
    expect(pendingFiresAt(alert('pending'), timing)).toBe(T0 + 5 * 60_000);
    for (const status of ['firing', 'acknowledged', 'resolved'] as const) {
      expect(pendingFiresAt(alert(status), timing), status).toBeUndefined();
    }
  });
});
