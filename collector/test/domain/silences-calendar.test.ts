import { describe, expect, it } from 'vitest';
import type { Alert } from '../../src/domain/alerts/alert.ts';
import {
  alwaysOpenCalendar,
  type Calendar,
  isStoreOpen,
  isStoreOpenOnDay,
  type OpeningRange,
  paramsAt,
  WEEKDAYS,
  type Weekday,
} from '../../src/domain/alerts/calendar.ts';
import { groupAlerts } from '../../src/domain/alerts/grouping.ts';
import { parseMatcher } from '../../src/domain/alerts/matchers.ts';
import { planNotifications } from '../../src/domain/alerts/notification-plan.ts';
import {
  isSilenced,
  matchersFromObject,
  type Silence,
  silencedBy,
  silenceProblem,
} from '../../src/domain/alerts/silences.ts';
import { RuleEngine } from '../../src/domain/rules/engine.ts';
import { DEFAULT_RULE_PARAMS } from '../../src/domain/rules/params.ts';
import { HOUR, MINUTE, orderStatus, payment, SECOND, T0 } from './fixtures.ts';

function alert(extra: Partial<Alert> = {}): Alert {
  return {
    id: 'A1',
    rule: 'order_stalled',
    severity: 'warning',
    status: 'firing',
    entityType: 'order',
    entityId: 'O1',
    storeId: 'S01',
    summary: { zh: '', en: '' },
    labels: { status: 'paid' },
    startedAt: T0,
    firingAt: T0,
    updatedAt: T0,
    resolvedAt: undefined,
    acknowledgedAt: undefined,
    acknowledgedBy: undefined,
    ackNote: undefined,
    reopenCount: 0,
    ...extra,
  };
}

const silence = (matchers: Silence['matchers'], extra: Partial<Silence> = {}): Silence => ({
  id: 'X1',
  matchers,
  startsAt: T0,
  endsAt: T0 + HOUR,
  createdBy: 'ops',
  comment: 'maintenance',
  ...extra,
});

describe('silences (Alertmanager matcher semantics)', () => {
  it('equality matchers on rule and store_id, all must match, only between startsAt and endsAt', () => {
    const s = silence(matchersFromObject({ rule: 'order_stalled', store_id: 'S01' }));
    expect(isSilenced(alert(), [s], T0)).toBe(true);
    expect(isSilenced(alert(), [s], T0 - 1)).toBe(false);
    expect(isSilenced(alert(), [s], T0 + HOUR)).toBe(false);
    expect(isSilenced(alert({ storeId: 'S02' }), [s], T0)).toBe(false);
    expect(isSilenced(alert({ rule: 'payment_unapplied' }), [s], T0)).toBe(false);
  });

  it('regex matchers are anchored; negative matchers; labels and severity match too', () => {
    const s = silence([parseMatcher('store_id=~"S0[1-3]"'), parseMatcher('severity!="critical"')]);
    expect(isSilenced(alert({ storeId: 'S02' }), [s], T0)).toBe(true);
    expect(isSilenced(alert({ storeId: 'S012' }), [s], T0)).toBe(false);
    expect(isSilenced(alert({ severity: 'critical' }), [s], T0)).toBe(false);
    const byLabel = silence([parseMatcher('status="paid"'), parseMatcher('rule!~"payment_.*"')]);
    expect(silencedBy(alert(), [byLabel, s], T0)).toEqual(['X1', 'X1']);
    expect(isSilenced(alert({ labels: { status: 'picking' } }), [byLabel], T0)).toBe(false);
  });

  it('a missing label reads as empty: store_id="" matches provider alerts, which have no store', () => {
    const s = silence([parseMatcher('rule="callback_silent"'), parseMatcher('store_id=""')]);
    expect(isSilenced(alert({ rule: 'callback_silent', storeId: null }), [s], T0)).toBe(true);
  });

  it('refuses silences that would mute everything, bad regexes and bad times', () => {
    expect(silenceProblem({ matchers: [], startsAt: T0, endsAt: T0 + 1 })).toMatch(/at least one matcher/);
    expect(silenceProblem({ matchers: [parseMatcher('rule=~".*"')], startsAt: T0, endsAt: T0 + 1 })).toMatch(
      /empty string/,
    );
    expect(silenceProblem({ matchers: [parseMatcher('rule=~"("')], startsAt: T0, endsAt: T0 + 1 })).toMatch(
      /invalid regular expression/,
    );
    expect(silenceProblem({ matchers: [parseMatcher('rule="x"')], startsAt: T0, endsAt: T0 })).toMatch(
      /after/,
    );
    expect(
      silenceProblem({ matchers: [parseMatcher('rule="x"')], startsAt: T0, endsAt: T0 + 1 }),
    ).toBeUndefined();
    expect(() => parseMatcher('rule ~ x')).toThrow(/not a matcher/);
  });

  it('a silenced alert stays an alert but is left out of the groups, so it is not notified', () => {
    const s = silence(matchersFromObject({ store_id: 'S01' }));
    const alerts = [alert(), alert({ id: 'A2', entityId: 'O2', storeId: 'S02' })];
    const groups = groupAlerts(alerts, T0, { silences: [s] });
    expect(groups.map((g) => g.labels.store_id)).toEqual(['S02']);
    expect(alerts[0]!.status).toBe('firing');
  });
});

const range = (from: string, to: string): OpeningRange => {
  const minutes = (t: string) => Number(t.slice(0, 2)) * 60 + Number(t.slice(3));
  return { fromMinute: minutes(from), toMinute: minutes(to) };
};

function calendarWithShop(): Calendar {
  const base = alwaysOpenCalendar('Asia/Shanghai');
  const weekly = Object.fromEntries(WEEKDAYS.map((d) => [d, [range('09:00', '22:00')]])) as Record<
    Weekday,
    OpeningRange[]
  >;
  weekly.sun = [];
  return {
    ...base,
    storeHours: { SHOP: { timeZone: 'Asia/Shanghai', weekly, closedDates: ['2026-11-12'] } },
    promotions: [
      {
        name: 'double-11',
        fromMs: Date.parse('2026-11-10T20:00:00+08:00'),
        toMs: Date.parse('2026-11-12T02:00:00+08:00'),
        stores: [],
        overrides: {
          order_stalled: { limitsMs: { paid: 5 * MINUTE, packed: null } },
          callback_silent: { minOrders: 50 },
        },
      },
    ],
  };
}

describe('business hours and promotions', () => {
  const cal = calendarWithShop();
  const shanghai = (local: string) => Date.parse(`${local}+08:00`);

  it('a store is open inside its local hours, closed outside, on its closed dates and its closed weekday', () => {
    expect(isStoreOpen(cal, 'SHOP', shanghai('2026-11-11T09:00:00'))).toBe(true);
    expect(isStoreOpen(cal, 'SHOP', shanghai('2026-11-11T08:59:59'))).toBe(false);
    expect(isStoreOpen(cal, 'SHOP', shanghai('2026-11-11T22:00:00'))).toBe(false);
    expect(isStoreOpen(cal, 'SHOP', shanghai('2026-11-12T12:00:00'))).toBe(false); // closed date
    expect(isStoreOpen(cal, 'SHOP', shanghai('2026-11-15T12:00:00'))).toBe(false); // Sunday
    expect(isStoreOpen(cal, 'ONLINE', shanghai('2026-11-15T03:00:00'))).toBe(true); // default: always open
    expect(isStoreOpenOnDay(cal, 'SHOP', '2026-11-12')).toBe(false);
    expect(isStoreOpenOnDay(cal, 'SHOP', '2026-11-15')).toBe(false);
    expect(isStoreOpenOnDay(cal, 'SHOP', '2026-11-13')).toBe(true);
  });

  it('the caller time zone applies to hours that name none', () => {
    const weekly = Object.fromEntries(WEEKDAYS.map((d) => [d, [range('09:00', '17:00')]])) as Record<
      Weekday,
      OpeningRange[]
    >;
    const c: Calendar = { ...cal, storeHours: { X: { timeZone: '', weekly, closedDates: [] } } };
    const at = Date.parse('2026-11-11T08:00:00Z'); // 16:00 Shanghai, 09:00 Berlin
    expect(isStoreOpen(c, 'X', at, 'Asia/Shanghai')).toBe(true);
    expect(isStoreOpen(c, 'X', at + 2 * HOUR, 'Asia/Shanghai')).toBe(false);
    expect(isStoreOpen(c, 'X', at + 2 * HOUR, 'Europe/Berlin')).toBe(true);
  });

  it('paramsAt applies promotion overrides only while the promotion runs', () => {
    expect(paramsAt(DEFAULT_RULE_PARAMS, cal, shanghai('2026-11-10T19:59:59'))).toBe(DEFAULT_RULE_PARAMS);
    const during = paramsAt(DEFAULT_RULE_PARAMS, cal, shanghai('2026-11-11T12:00:00'));
    expect(during.order_stalled.limitsMs).toEqual({ paid: 5 * MINUTE, picking: 30 * MINUTE });
    expect(during.callback_silent.minOrders).toBe(50);
    expect(during.callback_silent.limitMs).toBe(10 * MINUTE);
    expect(DEFAULT_RULE_PARAMS.order_stalled.limitsMs.packed).toBe(12 * HOUR);
    expect(paramsAt(DEFAULT_RULE_PARAMS, cal, shanghai('2026-11-12T02:00:00'))).toBe(DEFAULT_RULE_PARAMS);
  });

  it('a closed store suppresses callback_silent counting and its groups are held until it opens', () => {
    const night = shanghai('2026-11-11T23:00:00');
    const open = (storeId: string, at: number) => isStoreOpen(cal, storeId, at);
    const engine = new RuleEngine(
      {
        ...DEFAULT_RULE_PARAMS,
        callback_silent: { ...DEFAULT_RULE_PARAMS.callback_silent, providers: ['wechatpay'] },
      },
      [],
      { storeOpen: open },
    );
    engine.ingest(payment('P0', night), night);
    for (let i = 0; i < 30; i++)
      engine.ingest(orderStatus(`N${i}`, 'created', night + i * SECOND, { storeId: 'SHOP' }), night);
    expect(engine.tick(night + 10 * MINUTE).filter((s) => s.rule === 'callback_silent')).toEqual([]);

    const stalled = alert({ storeId: 'SHOP' });
    const groups = (at: number) => groupAlerts([stalled], at, { storeOpen: (s) => isStoreOpen(cal, s, at) });
    let p = planNotifications(groups(night), {}, night);
    p = planNotifications(groups(night + HOUR), p.state, night + HOUR);
    expect(p.notifications).toEqual([]);
    const morning = shanghai('2026-11-13T09:00:00');
    p = planNotifications(groups(morning), p.state, morning);
    p = planNotifications(groups(morning + 30 * SECOND), p.state, morning + 30 * SECOND);
    expect(p.notifications.map((n) => n.reason)).toEqual(['initial']);
  });
});
