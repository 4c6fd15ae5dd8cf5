// Hot-reloaded rules: a valid change applies at once and is audited with its content hash; an
// invalid file is refused with precise errors (GET /v1/rules, /readyz) while the old rules keep running.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auth } from '../support/test-app.ts';
import { openTestDatabase, type TestDatabase } from '../support/test-database.ts';
import { byEntity, ev, type Harness, MINUTE, startHarness } from './alerting-harness.ts';

describe('rule set reload', () => {
  let store: TestDatabase;
  let h: Harness;
  let rulesFile: string;
  let original: string;

  beforeAll(async () => {
    store = await openTestDatabase('pglite');
    h = await startHarness(store.db);
    rulesFile = path.join(h.rulesDir, 'rules.yaml');
    original = fs.readFileSync(rulesFile, 'utf8');
  });
  afterAll(async () => {
    await h?.close();
    await store?.dispose();
  });

  const get = async (url: string) => h.app.server.inject({ method: 'GET', url, headers: auth('viewer') });

  it('reports the loaded set and records it in the audit log', async () => {
    const rules = (await get('/v1/rules')).json();
    expect(rules).toMatchObject({ valid: true, source: 'files', errors: [] });
    expect(rules.content_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(rules.rules.find((r: { name: string }) => r.name === 'order_stalled')).toMatchObject({
      kind: 'builtin',
      enabled: true,
      params: { limitsMs: { paid: 2 * MINUTE } },
    });
    expect(rules.rules.find((r: { name: string }) => r.name === 'remote_high_value')).toMatchObject({
      kind: 'custom',
    });
    const audit = (await get('/v1/audit?action=rules.load')).json().entries;
    expect(audit[0].details.content_hash).toBe(rules.content_hash);
    const ready = (await get('/readyz')).json();
    expect(ready.checks.rules).toMatchObject({ ok: true, detail: { content_hash: rules.content_hash } });
  });

  it('an invalid rule file is refused with precise errors and the old rules keep running', async () => {
    const hash = (await get('/v1/rules')).json().content_hash;
    fs.writeFileSync(rulesFile, original.replace('      paid: 2m', '      paid: banana'));
    await h.app.alerting.reloadRules();

    const rules = (await get('/v1/rules')).json();
    expect(rules.valid).toBe(false);
    expect(rules.content_hash).toBe(hash);
    expect(rules.last_change).toMatchObject({ outcome: 'rejected', content_hash: hash });
    expect(rules.errors[0]).toMatchObject({ file: 'rules.yaml', rule: 'order_stalled' });
    expect(rules.errors[0].field).toContain('paid');
    expect(rules.errors[0].line).toBeGreaterThan(0);

    const ready = await get('/readyz');
    expect(ready.statusCode).toBe(200);
    expect(ready.json().checks.rules.detail.errors[0]).toMatchObject({
      file: 'rules.yaml',
      rule: 'order_stalled',
    });

    // Still the 2 min limit: a payment 3 minutes old stalls.
    await h.post([ev.order('RL-1', 'paid', h.clock.now - 3 * MINUTE)]);
    expect(byEntity(await h.alerts(), 'order_stalled').has('RL-1')).toBe(true);
    const rejected = (await get('/v1/audit?action=rules.reject')).json().entries;
    expect(rejected).toHaveLength(1);
    expect(rejected[0].details.running_hash).toBe(hash);
  });

  it('a valid change applies at once and is audited with old and new hash', async () => {
    const before = (await get('/v1/rules')).json().content_hash;
    fs.writeFileSync(rulesFile, original.replace('      paid: 2m', '      paid: 10m'));
    await h.app.alerting.reloadRules();
    const rules = (await get('/v1/rules')).json();
    expect(rules.valid).toBe(true);
    expect(rules.content_hash).not.toBe(before);
    expect(rules.last_change).toMatchObject({ outcome: 'applied', content_hash: rules.content_hash });
    expect((await get('/readyz')).json().checks.rules.detail.errors).toBeUndefined();
    const loaded = (await get('/v1/audit?action=rules.load')).json().entries[0];
    expect(loaded.details).toMatchObject({ content_hash: rules.content_hash, previous_hash: before });

    // The 3-minute-old stall no longer holds under a 10 min limit: it resolves.
    expect(byEntity(await h.alerts(), 'order_stalled').has('RL-1')).toBe(false);
    await h.post([
      ev.order('RL-2', 'paid', h.clock.now - 3 * MINUTE),
      ev.order('RL-3', 'paid', h.clock.now - 11 * MINUTE),
    ]);
    const stalled = byEntity(await h.alerts(), 'order_stalled');
    expect(stalled.has('RL-2')).toBe(false);
    expect(stalled.has('RL-3')).toBe(true);
  });

  it("a rule's `for` keeps its alert pending (not listed, not announced) until the condition has held that long", async () => {
    fs.writeFileSync(
      rulesFile,
      original.replace(/(order_stalled:[\s\S]*?for: )0s/, (_, head) => `${head}1m`),
    );
    await h.app.alerting.reloadRules();
    expect((await get('/v1/rules')).json().valid).toBe(true);
    // Stalled since 30 s ago (paid 2.5 min ago, limit 2 min): pending for another 30 s.
    await h.post([ev.order('FOR-1', 'paid', h.clock.now - 2 * MINUTE - 30_000)]);
    expect(byEntity(await h.alerts(), 'order_stalled').has('FOR-1')).toBe(false);
    expect(byEntity(await h.alerts('?status=pending'), 'order_stalled').get('FOR-1')?.status).toBe('pending');
    await h.advance(29_000);
    expect(byEntity(await h.alerts(), 'order_stalled').has('FOR-1')).toBe(false);
    await h.advance(2_000);
    expect(byEntity(await h.alerts(), 'order_stalled').get('FOR-1')?.status).toBe('firing');
  });

  it('reloading an unchanged set records nothing', async () => {
    const count = (await get('/v1/audit?action=rules.load')).json().entries.length;
    await h.app.alerting.reloadRules();
    expect((await get('/v1/audit?action=rules.load')).json().entries.length).toBe(count);
  });
});

describe('rule files watched on disk', () => {
  let store: TestDatabase;
  let h: Harness;

  beforeAll(async () => {
    store = await openTestDatabase('pglite');
    h = await startHarness(store.db, { watchRules: true });
  });
  afterAll(async () => {
    await h?.close();
    await store?.dispose();
  });

  it('picks up an edited file without being asked', async () => {
    const get = async () =>
      (await h.app.server.inject({ method: 'GET', url: '/v1/rules', headers: auth('viewer') })).json();
    const before = (await get()).content_hash;
    const file = path.join(h.rulesDir, 'rules.yaml');
    fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace('limit: 48h', 'limit: 72h'));
    let now = before;
    for (let i = 0; i < 100 && now === before; i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      now = (await get()).content_hash;
    }
    expect(now).not.toBe(before);
    const rules = await get();
    expect(rules.rules.find((r: { name: string }) => r.name === 'tracking_silent').params.limitMs).toBe(
      72 * 3_600_000,
    );
  });
});
