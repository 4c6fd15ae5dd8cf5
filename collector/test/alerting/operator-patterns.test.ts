// Silence matchers and custom-rule patterns are operator-supplied regular expressions evaluated on
// every alert listing, transition and event. They run on RE2: `(a+)+` against a long store id
// answers in one linear pass, and what RE2 cannot run (backreferences, lookaround) is refused when
// the silence is created or the rule file loaded.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auth } from '../support/test-app.ts';
import { openTestDatabase, STORE_KINDS, type TestDatabase } from '../support/test-database.ts';
import {
  byEntity,
  copyRules,
  ev,
  type Harness,
  HOUR,
  iso,
  MINUTE,
  startHarness,
} from './alerting-harness.ts';

// V8's backtracking engine needs about 2^29 steps to refuse this store id with `^(?:(a+)+)$`.
const NEAR_MISS = `${'a'.repeat(29)}b`;
const ALL_AS = 'a'.repeat(30);

describe.each(STORE_KINDS)('silence regular expressions (%s)', (kind) => {
  let store: TestDatabase;
  let h: Harness;

  beforeAll(async () => {
    store = await openTestDatabase(kind);
    const rulesDir = copyRules();
    fs.writeFileSync(
      path.join(rulesDir, 'custom', 'a-runs.yaml'),
      [
        'rules:',
        '  - name: a_run_store',
        '    when: type == "order.status" and store_id matches "^(a+)+$"',
        '    severity: info',
        '    summary: { en: Store id is a run of a, zh: 门店编号全是 a }',
        '',
      ].join('\n'),
    );
    h = await startHarness(store.db, { rulesDir });
    const t = h.clock.now;
    await h.post([
      ev.order('R-1', 'paid', t - 5 * MINUTE, { store_id: NEAR_MISS }),
      ev.order('R-2', 'paid', t - 5 * MINUTE, { store_id: ALL_AS }),
    ]);
  });
  afterAll(async () => {
    await h?.close();
    await store?.dispose();
  });

  const postSilence = (matchers: unknown) =>
    h.app.server.inject({
      method: 'POST',
      url: '/v1/silences',
      headers: { ...auth('operator'), 'content-type': 'application/json' },
      payload: JSON.stringify({ matchers, ends_at: iso(h.clock.now + HOUR), comment: 'pattern test' }),
    });

  it('refuses patterns RE2 cannot run with a 400 naming the matcher', async () => {
    for (const value of ['(a)\\1', 'S(?=1)', '(?<!T)S1']) {
      const res = await postSilence({ store_id: { op: '=~', value } });
      expect(res.statusCode, value).toBe(400);
      expect(res.json().message).toContain(`store_id=~${JSON.stringify(value)}`);
      expect(res.json().message).toContain('no backreferences or lookaround');
    }
    expect(
      (await h.app.server.inject({ method: 'GET', url: '/v1/silences', headers: auth('viewer') })).json(),
    ).toEqual({ silences: [] });
  });

  it('matches `(a+)+` fully anchored against a 30-character store id', async () => {
    const res = await postSilence({ store_id: { op: '=~', value: '(a+)+' } });
    expect(res.statusCode).toBe(201);

    const alerts = byEntity(await h.alerts(), 'order_stalled');
    expect(alerts.get('R-2')).toMatchObject({ store_id: ALL_AS, silenced: true });
    expect(alerts.get('R-1')).toMatchObject({ store_id: NEAR_MISS, silenced: false });
    expect((await h.app.server.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
  });

  it('evaluates a custom rule `matches "^(a+)+$"` on each event, long store ids included', async () => {
    const runs = byEntity(await h.alerts(), 'a_run_store');
    expect(runs.get('R-2')).toMatchObject({ status: 'firing', store_id: ALL_AS });
    expect(runs.has('R-1')).toBe(false);
  });
});
