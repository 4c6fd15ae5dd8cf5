// Ack and silences over HTTP: operator role required (401/403 otherwise), 404/409 where the
// contract says, every action in the audit log, silenced alerts visible and marked, not notified.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AlertChange } from '../../src/alerting/alerting-service.ts';
import { auth, type TOKENS } from '../support/test-app.ts';
import { openTestDatabase, STORE_KINDS, type TestDatabase } from '../support/test-database.ts';
import { byEntity, ev, type Harness, HOUR, iso, MINUTE, startHarness } from './alerting-harness.ts';

describe.each(STORE_KINDS)('operator actions (%s)', (kind) => {
  let store: TestDatabase;
  let h: Harness;
  const changes: AlertChange[] = [];

  beforeAll(async () => {
    store = await openTestDatabase(kind);
    h = await startHarness(store.db);
    h.app.alerting.onTransition((c) => changes.push(c));
    const t = h.clock.now;
    await h.post([
      ev.order('A-1', 'paid', t - 5 * MINUTE),
      ev.order('A-2', 'paid', t - 5 * MINUTE, { store_id: 'S2' }),
      ev.order('A-3', 'paid', t - 5 * MINUTE),
    ]);
  });
  afterAll(async () => {
    await h?.close();
    await store?.dispose();
  });

  const inject = (
    method: 'GET' | 'POST' | 'DELETE',
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
  const stalled = async (order: string) => byEntity(await h.alerts(), 'order_stalled').get(order)!;

  it('acknowledging needs an operator token', async () => {
    const alert = await stalled('A-1');
    expect((await inject('POST', `/v1/alerts/${alert.id}/ack`, undefined, {})).statusCode).toBe(401);
    const asViewer = await inject('POST', `/v1/alerts/${alert.id}/ack`, 'viewer', { note: 'mine' });
    expect(asViewer.statusCode).toBe(403);
    expect(asViewer.json().error).toBe('forbidden');
    expect((await inject('POST', `/v1/alerts/${alert.id}/ack`, 'ingest', {})).statusCode).toBe(403);
    expect((await stalled('A-1')).status).toBe('firing');
  });

  it('an operator acknowledges with a note; it is in the audit log and announced', async () => {
    const alert = await stalled('A-1');
    const res = await inject('POST', `/v1/alerts/${alert.id}/ack`, 'operator', { note: 'warehouse called' });
    expect(res.statusCode).toBe(200);
    expect(res.json().alert).toMatchObject({
      id: alert.id,
      status: 'acknowledged',
      acknowledged_by: 'operator',
    });
    expect((await stalled('A-1')).status).toBe('acknowledged');
    expect(changes.at(-1)).toMatchObject({
      transition: 'changed',
      alert: { id: alert.id, status: 'acknowledged' },
    });

    const audit = await inject('GET', '/v1/audit?action=alert.ack', 'viewer');
    expect(audit.statusCode).toBe(200);
    expect(audit.json().entries[0]).toMatchObject({
      actor: 'operator',
      action: 'alert.ack',
      target: `alert/${alert.id}`,
      note: 'warehouse called',
    });
  });

  it('ack without a body works; unknown ids are 404, resolved alerts 409', async () => {
    const a3 = await stalled('A-3');
    const bare = await h.app.server.inject({
      method: 'POST',
      url: `/v1/alerts/${a3.id}/ack`,
      headers: auth('operator'),
    });
    expect(bare.statusCode).toBe(200);
    const unknown = await inject('POST', '/v1/alerts/no-such-alert/ack', 'operator', {});
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json().error).toBe('not_found');

    await h.post([ev.order('A-3', 'picking', h.clock.now)]);
    const resolved = await inject('POST', `/v1/alerts/${a3.id}/ack`, 'operator', {});
    expect(resolved.statusCode).toBe(409);
    expect(resolved.json().error).toBe('conflict');
    // Recovery cleared the acknowledgement.
    const record = byEntity(await h.alerts('?status=resolved'), 'order_stalled').get('A-3');
    expect(record).toMatchObject({ status: 'resolved', acknowledged_by: null });
  });

  it('silences need an operator and are validated', async () => {
    const good = {
      matchers: { rule: 'order_stalled', store_id: 'S2' },
      ends_at: iso(h.clock.now + HOUR),
      comment: 'S2 stock-take',
    };
    expect((await inject('POST', '/v1/silences', undefined, good)).statusCode).toBe(401);
    expect((await inject('POST', '/v1/silences', 'viewer', good)).statusCode).toBe(403);
    const bad = [
      { ...good, matchers: {} },
      { ...good, matchers: { rule: '' } },
      { ...good, ends_at: iso(h.clock.now - MINUTE) },
      { ...good, ends_at: 'tomorrow' },
      { ...good, matchers: { 'not a label': 'x' } },
      { ...good, matchers: { store_id: { op: '=~', value: '(' } } },
      { ...good, comment: '' },
    ];
    for (const body of bad) {
      const res = await inject('POST', '/v1/silences', 'operator', body);
      expect(res.statusCode, JSON.stringify(body)).toBe(400);
    }
    expect((await inject('GET', '/v1/silences', 'viewer')).json().silences).toEqual([]);
  });

  it('a silence keeps matching alerts visible, marked silenced, and expiring it unmarks them', async () => {
    const body = {
      matchers: { rule: 'order_stalled', store_id: 'S2' },
      ends_at: iso(h.clock.now + HOUR),
      comment: 'S2 stock-take',
    };
    const created = await inject('POST', '/v1/silences', 'operator', body);
    expect(created.statusCode).toBe(201);
    const silence = created.json().silence;
    expect(silence).toMatchObject({ matchers: body.matchers, created_by: 'operator', status: 'active' });

    const alerts = byEntity(await h.alerts(), 'order_stalled');
    expect(alerts.get('A-2')).toMatchObject({ status: 'firing', silenced: true });
    expect(alerts.get('A-1')?.silenced).toBe(false);

    // A new alert in the silenced scope is announced as silenced (so the notifier leaves it out).
    await h.post([ev.order('A-4', 'paid', h.clock.now - 5 * MINUTE, { store_id: 'S2' })]);
    const opened = changes.find((c) => c.alert.entity_id === 'A-4' && c.transition === 'opened');
    expect(opened?.silenced).toBe(true);

    const listed = (await inject('GET', '/v1/silences', 'viewer')).json().silences;
    expect(listed.map((s: { id: string }) => s.id)).toEqual([silence.id]);

    expect((await inject('DELETE', `/v1/silences/${silence.id}`, 'viewer')).statusCode).toBe(403);
    expect((await inject('DELETE', '/v1/silences/nope', 'operator')).statusCode).toBe(404);
    const expired = await inject('DELETE', `/v1/silences/${silence.id}`, 'operator');
    expect(expired.statusCode).toBe(200);
    expect(expired.json().silence.status).toBe('expired');
    expect(byEntity(await h.alerts(), 'order_stalled').get('A-2')?.silenced).toBe(false);
    expect((await inject('GET', '/v1/silences?status=active', 'viewer')).json().silences).toEqual([]);

    const actions = (await inject('GET', '/v1/audit', 'viewer'))
      .json()
      .entries.map((e: { action: string }) => e.action);
    expect(actions).toEqual(expect.arrayContaining(['silence.create', 'silence.expire', 'alert.ack']));
  });

  it('an operator may resolve an alert by hand; viewers may not; resolving twice is 409', async () => {
    await h.post([ev.order('A-9', 'paid', h.clock.now - 5 * MINUTE)]);
    const alert = await stalled('A-9');
    expect((await inject('POST', `/v1/alerts/${alert.id}/resolve`, 'viewer', {})).statusCode).toBe(403);
    const res = await inject('POST', `/v1/alerts/${alert.id}/resolve`, 'operator', {
      note: 'handled by phone',
    });
    expect(res.statusCode).toBe(200);
    expect(res.json().alert).toMatchObject({ id: alert.id, status: 'resolved' });
    expect(byEntity(await h.alerts(), 'order_stalled').has('A-9')).toBe(false);
    expect((await inject('POST', `/v1/alerts/${alert.id}/resolve`, 'operator', {})).statusCode).toBe(409);
    expect((await inject('POST', '/v1/alerts/nope/resolve', 'operator', {})).statusCode).toBe(404);
    // The condition still holds, but the closed alert is not re-raised by the next tick.
    await h.advance(1000);
    expect(byEntity(await h.alerts(), 'order_stalled').has('A-9')).toBe(false);
    const audit = (await inject('GET', '/v1/audit?action=alert.resolve', 'viewer')).json().entries;
    expect(audit[0]).toMatchObject({
      actor: 'operator',
      target: `alert/${alert.id}`,
      note: 'handled by phone',
    });
  });

  it('one alert by id, for viewers: open, silenced or resolved; unknown ids are 404', async () => {
    await h.post([ev.order('A-7', 'paid', h.clock.now - 5 * MINUTE, { store_id: 'S7' })]);
    const alert = await stalled('A-7');
    expect((await inject('GET', `/v1/alerts/${alert.id}`)).statusCode).toBe(401);
    expect((await inject('GET', `/v1/alerts/${alert.id}`, 'ingest')).statusCode).toBe(403);
    const open = await inject('GET', `/v1/alerts/${alert.id}`, 'viewer');
    expect(open.statusCode).toBe(200);
    expect(open.json().alert).toEqual({ ...alert, silenced: false });

    const silenced = await inject('POST', '/v1/silences', 'operator', {
      matchers: { rule: 'order_stalled', store_id: 'S7' },
      ends_at: iso(h.clock.now + HOUR),
      comment: 'S7 closed today',
    });
    expect((await inject('GET', `/v1/alerts/${alert.id}`, 'viewer')).json().alert.silenced).toBe(true);
    await inject('DELETE', `/v1/silences/${silenced.json().silence.id}`, 'operator');

    await inject('POST', `/v1/alerts/${alert.id}/resolve`, 'operator', {});
    const resolved = await inject('GET', `/v1/alerts/${alert.id}`, 'viewer');
    expect(resolved.json().alert).toMatchObject({ id: alert.id, status: 'resolved', silenced: false });
    const missing = await inject('GET', '/v1/alerts/nope', 'viewer');
    expect(missing.statusCode).toBe(404);
    expect(missing.json().error).toBe('not_found');
  });

  it('the audit log is for viewers and operators only', async () => {
    expect((await inject('GET', '/v1/audit')).statusCode).toBe(401);
    expect((await inject('GET', '/v1/audit', 'ingest')).statusCode).toBe(403);
    expect((await inject('GET', '/v1/audit', 'operator')).statusCode).toBe(200);
  });
});
