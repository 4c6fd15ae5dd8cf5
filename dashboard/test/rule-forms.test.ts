// The built-in rules form and the promotions form round-trip rules.yaml and calendar.yaml: an
// unchanged form gives the file back byte for byte, a changed value changes only its own line, and
// comments and keys the form does not show survive.
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import CALENDAR from '../../alert-rules/calendar.yaml?raw';
import RULES from '../../alert-rules/rules.yaml?raw';
import {
  builtinProblems,
  builtinYaml,
  parseYaml,
  readBuiltinForm,
} from '../src/lib/rule-editing/builtin-form.ts';
import { blankPromotion, promotionsYaml, readPromotions } from '../src/lib/rule-editing/promotions-form.ts';
import { joinLabels, splitLabels } from '../src/lib/rule-editing/yaml-edits.ts';

/** The lines of `after` that differ from `before`'s at the same position (same line count assumed). */
function changedLines(before: string, after: string): string[] {
  const a = before.split('\n');
  return after.split('\n').filter((line, i) => line !== a[i]);
}

describe('built-in rules form', () => {
  it('reads what rules.yaml says and leaves the rest empty (the defaults run)', () => {
    const form = readBuiltinForm(parseYaml(RULES));
    expect(form.order_stalled.limits).toEqual({
      created: '',
      paid: '2m',
      picking: '30m',
      packed: '12h',
      shipped: '',
    });
    expect(form.payment_unapplied).toMatchObject({ severity: 'critical', limit: '2m', enabled: null });
    expect(form.callback_silent.limit).toBe('10m');
    expect(form.tracking_silent.stores).toEqual([]);
  });

  it('gives the file back unchanged when nothing was edited', () => {
    expect(builtinYaml(RULES, readBuiltinForm(parseYaml(RULES)))).toBe(RULES);
  });

  it('changes only the edited line and keeps every comment', () => {
    const form = readBuiltinForm(parseYaml(RULES));
    form.order_stalled.limits.picking = '45m';
    form.callback_silent.severity = 'warning';
    const out = builtinYaml(RULES, form);
    expect(changedLines(RULES, out)).toEqual(['      picking: 45m', '    severity: warning']);
    for (const comment of RULES.split('\n').filter((l) => l.trim().startsWith('#')))
      expect(out).toContain(comment.trim());
  });

  it('writes enabled, a new status limit, off and a store scope, and drops what was cleared', () => {
    const form = readBuiltinForm(parseYaml(RULES));
    form.tracking_silent.enabled = false;
    form.order_stalled.limits.created = '15m';
    form.order_stalled.limits.packed = 'off';
    form.order_stalled.limits.paid = '';
    form.payment_unapplied.stores = ['SH-001', 'SH-002'];
    form.payment_unapplied.excludeStores = ['SH-009'];
    form.reconciliation_mismatch.severity = '';
    const out = builtinYaml(RULES, form);
    const rules = parse(out).rules;
    expect(rules.tracking_silent.enabled).toBe(false);
    expect(rules.order_stalled.limits).toEqual({ picking: '30m', packed: 'off', created: '15m' });
    expect(rules.payment_unapplied.scope).toEqual({
      stores: ['SH-001', 'SH-002'],
      exclude_stores: ['SH-009'],
    });
    expect(out).toContain('stores: [SH-001, SH-002]');
    expect(rules.reconciliation_mismatch.severity).toBeUndefined();
    // Read back, the form is what was written.
    const again = readBuiltinForm(parseYaml(out));
    expect(again.order_stalled.limits).toMatchObject({ created: '15m', paid: '', packed: 'off' });
    expect(again.payment_unapplied.excludeStores).toEqual(['SH-009']);
    // Clearing the scope removes it altogether.
    again.payment_unapplied.stores = [];
    again.payment_unapplied.excludeStores = [];
    expect(parse(builtinYaml(out, again)).rules.payment_unapplied.scope).toBeUndefined();
  });

  it('fills a rules.yaml that names no rule', () => {
    const text = '# tuned later\nrules:\n';
    const form = readBuiltinForm(parseYaml(text));
    form.tracking_silent.limit = '24h';
    const out = builtinYaml(text, form);
    expect(out).toContain('# tuned later');
    expect(parse(out)).toEqual({ rules: { tracking_silent: { limit: '24h' } } });
  });
});

describe('built-in rules form: for, cool_down, route and labels', () => {
  it('reads them as rules.yaml writes them', () => {
    const form = readBuiltinForm(parseYaml(RULES));
    expect(form.payment_unapplied).toMatchObject({
      for: '0s',
      coolDown: '5m',
      route: 'payments',
      labels: [['team', 'payments']],
    });
    expect(form.tracking_silent).toMatchObject({
      for: '',
      coolDown: '1h',
      route: '',
      labels: [['team', 'logistics']],
    });
  });

  it('changes only the edited lines, adds what was not written and removes what was cleared', () => {
    const form = readBuiltinForm(parseYaml(RULES));
    form.payment_unapplied.coolDown = '10m';
    form.payment_unapplied.labels = [['team', 'finance']];
    expect(changedLines(RULES, builtinYaml(RULES, form))).toEqual([
      '    cool_down: 10m',
      '      team: finance',
    ]);

    form.tracking_silent.for = '2m';
    form.tracking_silent.route = 'supervisor';
    form.tracking_silent.labels = [
      ['team', 'logistics'],
      ['tier', 'gold'],
    ];
    form.order_stalled.labels = [];
    form.order_stalled.route = '';
    form.payment_unapplied.route = '';
    const out = builtinYaml(RULES, form);
    const rules = parse(out).rules;
    expect(rules.tracking_silent).toMatchObject({
      for: '2m',
      route: 'supervisor',
      labels: { team: 'logistics', tier: 'gold' },
    });
    expect(rules.order_stalled.labels).toBeUndefined();
    expect(rules.payment_unapplied.route).toBeUndefined();
    expect(rules.payment_unapplied).toMatchObject({ cool_down: '10m', labels: { team: 'finance' } });
    // Read back, the form is what was written, and writing it again changes nothing.
    const again = readBuiltinForm(parseYaml(out));
    expect(again.tracking_silent).toMatchObject({
      for: '2m',
      route: 'supervisor',
      labels: [
        ['team', 'logistics'],
        ['tier', 'gold'],
      ],
    });
    expect(builtinYaml(out, again)).toBe(out);
    for (const comment of RULES.split('\n').filter(
      (l) => l.trim().startsWith('#') && !l.includes('order_stalled'),
    ))
      expect(out).toContain(comment.trim());
  });

  it('types labels as name=value, comma separated, and reads them back the same', () => {
    expect(splitLabels('team=payments, tier = gold,，note=a=b')).toEqual([
      ['team', 'payments'],
      ['tier', 'gold'],
      ['note', 'a=b'],
    ]);
    expect(joinLabels(splitLabels('team=payments, tier=gold'))).toBe('team=payments, tier=gold');
  });

  it("refuses what the rule checker refuses, with the checker's messages", () => {
    const form = readBuiltinForm(parseYaml(RULES));
    expect(builtinProblems(form)).toEqual([]);
    form.payment_unapplied.for = '5';
    form.order_stalled.coolDown = 'soon';
    form.tracking_silent.route = 'Night Shift';
    form.callback_silent.labels = [
      ['store_id', 'S1'],
      ['1team', 'x'],
      ['team', 'ok'],
    ];
    form.shipment_anomaly.for = '0';
    form.shipment_anomaly.coolDown = '1h30m';
    const problems = builtinProblems(form);
    expect(problems.map((p) => [p.rule, p.field, p.problem.key])).toEqual([
      ['payment_unapplied', 'for', 'ruleError.notDuration'],
      ['order_stalled', 'cool_down', 'ruleError.notDuration'],
      ['tracking_silent', 'route', 'ruleError.routeLabelSyntax'],
      ['callback_silent', 'labels', 'ruleError.reservedLabel'],
      ['callback_silent', 'labels', 'ruleError.labelNameSyntax'],
    ]);
    // The reason inside is the duration parser's own: a number without a unit.
    expect(problems[0]!.problem.params).toEqual({
      reason: [expect.objectContaining({ key: 'ruleError.durationNoUnit' })],
    });
  });
});

describe('promotions form', () => {
  it('reads each promotion window with its overrides', () => {
    const [first, second] = readPromotions(parseYaml(CALENDAR));
    expect(first).toMatchObject({
      index: 0,
      name: 'double-11-2026',
      from: '2026-11-10T20:00:00+08:00',
      stalled: { paid: '5m', picking: '2h', created: '' },
      limits: { payment_unapplied: '5m', callback_silent: '5m', tracking_silent: '' },
    });
    expect(second?.limits.callback_silent).toBe('');
  });

  it('round-trips unchanged and edits one override in place, keeping min_orders and the comments', () => {
    const forms = readPromotions(parseYaml(CALENDAR));
    expect(promotionsYaml(CALENDAR, forms)).toBe(CALENDAR);
    const first = forms[0];
    if (!first) throw new Error('no promotion');
    first.limits.callback_silent = '8m';
    const out = promotionsYaml(CALENDAR, forms);
    expect(out).toContain('# During a promotion the listed rule parameters replace');
    expect(out).toContain('# Example of a physical store');
    const promotions = parse(out).promotions;
    expect(promotions[0].overrides.callback_silent).toEqual({ limit: '8m', min_orders: 50 });
    expect(promotions[1]).toEqual(parse(CALENDAR).promotions[1]);
  });

  it('adds a promotion for some stores and removes another', () => {
    const forms = readPromotions(parseYaml(CALENDAR)).slice(1);
    const added = blankPromotion();
    added.name = '618-2027';
    added.from = '2027-06-17T20:00:00+08:00';
    added.to = '2027-06-19T02:00:00+08:00';
    added.stores = ['SH-001'];
    added.stalled.paid = '10m';
    added.limits.tracking_silent = '72h';
    const promotions = parse(promotionsYaml(CALENDAR, [...forms, added])).promotions;
    expect(promotions.map((p: { name: string }) => p.name)).toEqual(['double-12-2026', '618-2027']);
    expect(promotions[1]).toEqual({
      name: '618-2027',
      from: '2027-06-17T20:00:00+08:00',
      to: '2027-06-19T02:00:00+08:00',
      stores: ['SH-001'],
      overrides: { order_stalled: { limits: { paid: '10m' } }, tracking_silent: { limit: '72h' } },
    });
  });

  it('clearing every override of a rule removes the rule from the window', () => {
    const forms = readPromotions(parseYaml(CALENDAR));
    const second = forms[1];
    if (!second) throw new Error('no promotion');
    second.stalled.paid = '';
    second.stalled.picking = '';
    const promotions = parse(promotionsYaml(CALENDAR, forms)).promotions;
    expect(promotions[1].overrides).toEqual({ payment_unapplied: { limit: '5m' } });
  });
});
