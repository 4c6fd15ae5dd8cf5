// Alerts grouped by rule and store over HTTP: counts and newest alert per group, filters, keyset
// pages of groups and of a group's alerts, and the bulk acknowledge and silence with their audit.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AlertGroup, AlertGroupPage, GroupAlertPage } from '../../src/wire/alert-groups.ts';
import { auth, type TOKENS } from '../support/test-app.ts';
import { openTestDatabase, STORE_KINDS, type TestDatabase } from '../support/test-database.ts';
import { ev, type Harness, HOUR, iso, MINUTE, startHarness } from './alerting-harness.ts';

describe.each(STORE_KINDS)('alert groups (%s)', (kind) => {
  let store: TestDatabase;
  let h: Harness;

  beforeAll(async () => {
    store = await openTestDatabase(kind);
    h = await startHarness(store.db);
    const t = h.clock.now;
    // order_stalled (warning): three orders in S1, two in S2; payment_unapplied (critical): one in S3.
    await h.post([
      ev.order('G-1', 'paid', t - 9 * MINUTE),
      ev.order('G-2', 'paid', t - 8 * MINUTE),
      ev.order('G-3', 'paid', t - 7 * MINUTE),
      ev.order('G-4', 'paid', t - 6 * MINUTE, { store_id: 'S2' }),
      ev.order('G-5', 'paid', t - 5 * MINUTE, { store_id: 'S2' }),
      ev.order('G-6', 'created', t - 6 * MINUTE, { store_id: 'S3' }),
      ev.payment('G-6', t - 5 * MINUTE, { store_id: 'S3' }),
    ]);
    await h.advance(0);
  });
  afterAll(async () => {
    await h?.close();
    await store?.dispose();
  });

  const request = async (
    method: 'GET' | 'POST',
    url: string,
    role?: keyof typeof TOKENS,
    payload?: unknown,
  ) =>
    h.app.server.inject({
      method,
      url,
      headers: {
        ...(role && auth(role)),
        ...(payload !== undefined && { 'content-type': 'application/json' }),
      },
      ...(payload !== undefined && { payload: JSON.stringify(payload) }),
    });
  const groups = async (query = ''): Promise<AlertGroupPage> => {
    const res = await request('GET', `/v1/alert-groups${query}`, 'viewer');
    expect(res.statusCode, res.body).toBe(200);
    return res.json();
  };
  const groupOf = async (rule: string, storeId: string): Promise<AlertGroup> => {
    const page = await groups(`?rule=${rule}&store_id=${storeId}`);
    expect(page.groups).toHaveLength(1);
    return page.groups[0]!;
  };

  it('groups open alerts by rule and store: critical first, then the largest, with the newest alert', async () => {
    const page = await groups();
    expect(page.groups.map((g) => [g.rule, g.store_id, g.count, g.severity])).toEqual([
      ['payment_unapplied', 'S3', 1, 'critical'],
      ['order_stalled', 'S1', 3, 'warning'],
      ['order_stalled', 'S2', 2, 'warning'],
    ]);
    expect(page).toMatchObject({ total_groups: 3, total_alerts: 6, next_after: null });
    const s1 = page.groups[1]!;
    expect(s1).toMatchObject({ firing: 3, acknowledged: 0 });
    // G-3 stalled last of the three.
    expect(s1.newest).toMatchObject({
      rule: 'order_stalled',
      entity_id: 'G-3',
      store_id: 'S1',
      silenced: false,
    });
    expect((await request('GET', '/v1/alert-groups')).statusCode).toBe(401);
  });

  it('filters by rule, store, severity and update time, and refuses bad filters', async () => {
    expect((await groups('?store_id=S2')).groups.map((g) => g.count)).toEqual([2]);
    expect((await groups('?rule=payment_unapplied')).groups.map((g) => g.store_id)).toEqual(['S3']);
    expect((await groups('?severity=warning')).total_alerts).toBe(5);
    expect((await groups('?severity=info')).groups).toEqual([]);
    expect((await groups(`?until=${encodeURIComponent(iso(h.clock.now - HOUR))}`)).total_alerts).toBe(0);
    expect((await groups(`?since=${encodeURIComponent(iso(h.clock.now - HOUR))}`)).total_alerts).toBe(6);
    for (const bad of ['?severity=loud', '?status=open', '?since=yesterday', '?after=%5B%5D']) {
      const res = await request('GET', `/v1/alert-groups${bad}`, 'viewer');
      expect(res.statusCode, bad).toBe(400);
      expect(res.json().error).toBe('invalid_request');
    }
  });

  it('pages the groups with next_after, and a group alerts with next_before, without overlap', async () => {
    const first = await groups('?limit=2');
    expect(first.groups).toHaveLength(2);
    expect(first.next_after).not.toBeNull();
    const second = await groups(`?limit=2&after=${first.next_after}`);
    expect(second.groups.map((g) => [g.rule, g.store_id])).toEqual([['order_stalled', 'S2']]);
    expect(second.next_after).toBeNull();

    const s1 = await groupOf('order_stalled', 'S1');
    const seen: string[] = [];
    let before: string | null = null;
    do {
      const url = `/v1/alert-groups/${s1.group}/alerts?limit=2${before ? `&before=${before}` : ''}`;
      const res = await request('GET', url, 'viewer');
      expect(res.statusCode, res.body).toBe(200);
      const body: GroupAlertPage = res.json();
      seen.push(...body.alerts.map((a) => a.entity_id));
      before = body.next_before;
    } while (before !== null);
    expect(seen).toEqual(['G-3', 'G-2', 'G-1']);
    expect((await request('GET', '/v1/alert-groups/not-a-group/alerts', 'viewer')).statusCode).toBe(400);
  });

  it('bulk-acknowledges chosen alerts with one note, each audited, and says which it skipped', async () => {
    const s2 = await groupOf('order_stalled', 'S2');
    const alerts: GroupAlertPage = (
      await request('GET', `/v1/alert-groups/${s2.group}/alerts`, 'viewer')
    ).json();
    const ids = alerts.alerts.map((a) => a.id);
    const body = { ids: [...ids, 'no-such-alert'], note: '门店盘点，稍后处理' };
    expect((await request('POST', '/v1/alerts/ack', 'viewer', body)).statusCode).toBe(403);
    expect((await request('POST', '/v1/alerts/ack', undefined, body)).statusCode).toBe(401);
    const res = await request('POST', '/v1/alerts/ack', 'operator', body);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().acknowledged.sort()).toEqual([...ids].sort());
    expect(res.json().skipped).toEqual([{ id: 'no-such-alert', reason: 'not_found' }]);
    expect(await groupOf('order_stalled', 'S2')).toMatchObject({ firing: 0, acknowledged: 2 });

    const audit = (await request('GET', '/v1/audit?action=alert.ack', 'viewer')).json().entries;
    const targets = audit
      .filter((e: { note?: string }) => e.note === '门店盘点，稍后处理')
      .map((e: { target: string }) => e.target);
    expect(targets.sort()).toEqual(ids.map((id) => `alert/${id}`).sort());

    // G-4 moves on, so its alert resolves: acknowledging it again is refused, the other is re-noted.
    await h.post([ev.order('G-4', 'picking', h.clock.now, { store_id: 'S2' })]);
    const g4 = alerts.alerts.find((a) => a.entity_id === 'G-4')!.id;
    const again = await request('POST', '/v1/alerts/ack', 'operator', { ids, note: 'second look' });
    expect(again.json().skipped).toEqual([{ id: g4, reason: 'already_resolved' }]);
    expect(again.json().acknowledged).toEqual(ids.filter((id) => id !== g4));
    expect((await groupOf('order_stalled', 'S2')).newest).toMatchObject({
      entity_id: 'G-5',
      ack_note: 'second look',
    });
  });

  it('bulk-acknowledges the firing alerts of a whole group', async () => {
    const s1 = await groupOf('order_stalled', 'S1');
    const res = await request('POST', '/v1/alerts/ack', 'operator', { group: s1.group, note: 'all of S1' });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().acknowledged).toHaveLength(3);
    expect(await groupOf('order_stalled', 'S1')).toMatchObject({ firing: 0, acknowledged: 3 });
    // The other groups are untouched.
    expect(await groupOf('payment_unapplied', 'S3')).toMatchObject({ firing: 1 });
    expect((await groups('?status=firing')).total_alerts).toBe(1);
    for (const bad of [
      {},
      { ids: ['x'], group: s1.group },
      { ids: ['x'], severity: 'warning' },
      { group: 'zz' },
    ]) {
      expect((await request('POST', '/v1/alerts/ack', 'operator', bad)).statusCode, JSON.stringify(bad)).toBe(
        400,
      );
    }
  });

  it('bulk-silences a group with one silence on its rule and store; its alerts show silenced', async () => {
    const s3 = await groupOf('payment_unapplied', 'S3');
    const body = { group: s3.group, ends_at: iso(h.clock.now + HOUR), comment: 'S3 till closed for audit' };
    expect((await request('POST', '/v1/alerts/silence', 'viewer', body)).statusCode).toBe(403);
    const res = await request('POST', '/v1/alerts/silence', 'operator', body);
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json().silences).toHaveLength(1);
    expect(res.json().silences[0]).toMatchObject({
      matchers: { rule: 'payment_unapplied', store_id: 'S3' },
      status: 'active',
      created_by: 'operator',
    });
    expect((await groupOf('payment_unapplied', 'S3')).newest.silenced).toBe(true);
    expect((await groupOf('order_stalled', 'S1')).newest.silenced).toBe(false);
    const audit = (await request('GET', '/v1/audit?action=silence.create', 'viewer')).json().entries;
    expect(audit[0]).toMatchObject({ actor: 'operator', action: 'silence.create' });
    const past = await request('POST', '/v1/alerts/silence', 'operator', {
      ...body,
      ends_at: iso(h.clock.now - 1),
    });
    expect(past.statusCode).toBe(400);
  });

  it('bulk-silences chosen alerts by naming their entities', async () => {
    const s1 = await groupOf('order_stalled', 'S1');
    const page: GroupAlertPage = (
      await request('GET', `/v1/alert-groups/${s1.group}/alerts?limit=2`, 'viewer')
    ).json();
    const ids = page.alerts.map((a) => a.id);
    const res = await request('POST', '/v1/alerts/silence', 'operator', {
      ids,
      ends_at: iso(h.clock.now + HOUR),
      comment: 'two of them',
    });
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json().silences[0].matchers).toMatchObject({ rule: 'order_stalled', entity_type: 'order' });
    const after: GroupAlertPage = (
      await request('GET', `/v1/alert-groups/${s1.group}/alerts`, 'viewer')
    ).json();
    expect(after.alerts.map((a) => [a.entity_id, a.silenced])).toEqual([
      ['G-3', true],
      ['G-2', true],
      ['G-1', false],
    ]);
  });
});
