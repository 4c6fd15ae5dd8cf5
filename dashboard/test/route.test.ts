// The notifications' link and the dashboard's router agree on the phone page of an alert.
import { describe, expect, it } from 'vitest';
import { alertPageUrlFor } from '../../collector/src/notify/notification-from-plan.ts';
import { alertPageHref, parseHash } from '../src/lib/route.ts';

describe('the on-call route', () => {
  it('opens the alert a notification links to, whatever its id holds', () => {
    for (const id of ['a1', 'al/older 1', '告警#7']) {
      const link = new URL(alertPageUrlFor('https://op.example.com/ops/', id));
      expect(link.hash).toBe(alertPageHref(id));
      expect(parseHash(link.hash)).toEqual({ page: 'oncall', alertId: id });
    }
  });

  it('falls back to the alerts list without an id', () => {
    expect(parseHash('#/on-call/')).toEqual({ page: 'alerts' });
  });
});
