// What a rule may name its labels and route, at the edges of each pattern.
import { describe, expect, it } from 'vitest';
import { LABEL_NAME, RESERVED_LABELS, ROUTE_LABEL } from '../../src/domain/alerts/label-syntax.ts';

describe('label syntax', () => {
  it('takes Prometheus label names: a letter or _ first, then letters, digits and _', () => {
    for (const name of ['a', 'Z', '_', 'team_2', 'A_b9']) expect(LABEL_NAME.test(name), name).toBe(true);
    for (const name of ['', '2team', 'team:x', 'team-x', 'a b', 'x.y', 'aé', ' a', 'a ', 'ok\nbad'])
      expect(LABEL_NAME.test(name), JSON.stringify(name)).toBe(false);
  });

  it('keeps the labels the engine sets to itself', () => {
    expect([...RESERVED_LABELS]).toEqual(['rule', 'severity', 'store_id', 'route', 'alertname']);
  });

  it('takes a route of lower-case letters, digits, _ and -, starting with a letter', () => {
    for (const route of ['a', 'supervisor', 'ops-2_night']) expect(ROUTE_LABEL.test(route), route).toBe(true);
    for (const route of [
      '',
      'Ops',
      'ops.night',
      '2ops',
      '-ops',
      '_ops',
      'ops night',
      'opsÉ',
      ' ops',
      'ops ',
      'a\nb',
    ])
      expect(ROUTE_LABEL.test(route), JSON.stringify(route)).toBe(false);
  });
});
