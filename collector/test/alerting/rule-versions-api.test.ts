// Rules as data over HTTP: versions of the rule set, edits by admins (checked like `rules check`,
// with errors at the submitted text's lines), removal resolving a rule's alerts, rollback, diffs,
// file changes as `file` versions, and which set is in force after a restart.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auth } from '../support/test-app.ts';
import { openTestDatabase, STORE_KINDS, type TestDatabase } from '../support/test-database.ts';
import { copyRules, ev, type Harness, startHarness } from './alerting-harness.ts';

const ADMIN = 'admin-secret-1';
const ENV = { ORDERPULSE_ADMIN_TOKENS: `alice=${ADMIN}` };
const asAdmin = { authorization: `Bearer ${ADMIN}` };

const TEAM_RULES = `rules:
  - name: odd_amount
    description: An amount nobody should pay.
    when: type == "order.status" and amount_fen == 777777
    severity: warning
    route: supervisor
`;

// Line 4 holds the bad severity; its value starts at column 15.
const BAD_TEAM_RULES = `rules:
  - name: odd_amount
    when: type == "order.status"
    severity: loud
`;

interface Version {
  version: string;
  hash: string;
  source: 'file' | 'api';
  author: string;
  note: string | null;
}

describe.each(STORE_KINDS)('rules as data over HTTP (%s)', (kind) => {
  let db: TestDatabase;
  let h: Harness;
  let rulesDir: string;

  beforeAll(async () => {
    db = await openTestDatabase(kind);
    rulesDir = copyRules();
    h = await startHarness(db.db, { env: ENV, rulesDir });
  });
  afterAll(async () => {
    await h?.close();
    await db?.dispose();
  });

  const call = (
    method: 'GET' | 'PUT' | 'POST' | 'DELETE',
    url: string,
    headers: Record<string, string> = asAdmin,
    payload?: unknown,
  ) =>
    h.app.server.inject({
      method,
      url,
      headers: {
        ...headers,
        ...(payload !== undefined && typeof payload !== 'string' && { 'content-type': 'application/json' }),
      },
      ...(payload !== undefined && {
        payload: typeof payload === 'string' ? payload : JSON.stringify(payload),
      }),
    });
  const versions = async (): Promise<Version[]> =>
    (await call('GET', '/v1/rules/versions', auth('viewer'))).json().versions;
  const inForce = async () => (await call('GET', '/v1/rules', auth('viewer'))).json();

  it('the files loaded at start are the first version, with their text', async () => {
    const list = await versions();
    expect(list).toHaveLength(1);
    expect(list[0]).toMatchObject({ source: 'file', author: 'system', note: null });
    const rules = await inForce();
    expect(list[0]!.hash).toBe(rules.content_hash);
    expect(rules.version).toBe(list[0]!.version);
    const one = (await call('GET', `/v1/rules/versions/${list[0]!.version}`, auth('viewer'))).json();
    expect(one.files['rules.yaml']).toBe(fs.readFileSync(path.join(rulesDir, 'rules.yaml'), 'utf8'));
    expect(Object.keys(one.files)).toContain('custom/priority-orders.yaml');
    expect((await call('GET', '/v1/rules/versions/nope', auth('viewer'))).statusCode).toBe(404);
  });

  it('only admins edit: no token 401, viewer and operator 403, and nothing changes', async () => {
    const body = { yaml: TEAM_RULES };
    expect((await call('PUT', '/v1/rules/custom/team', {}, body)).statusCode).toBe(401);
    expect((await call('GET', '/v1/rules/versions', {})).statusCode).toBe(401);
    for (const role of ['viewer', 'operator'] as const) {
      for (const [method, url] of [
        ['PUT', '/v1/rules/custom/team'],
        ['PUT', '/v1/rules/builtin'],
        ['POST', '/v1/rules/check'],
        ['DELETE', '/v1/rules/custom/priority-orders'],
      ] as const) {
        const res = await call(method, url, auth(role), method === 'DELETE' ? undefined : body);
        expect(res.statusCode, `${role} ${method} ${url}`).toBe(403);
        expect(res.json().error).toBe('forbidden');
      }
    }
    expect(await versions()).toHaveLength(1);
  });

  it('an invalid file is a 400 with problems at its lines and columns, and nothing changes', async () => {
    const before = await inForce();
    const res = await call('PUT', '/v1/rules/custom/team', asAdmin, { yaml: BAD_TEAM_RULES });
    expect(res.statusCode).toBe(400);
    expect(res.json().error).toBe('invalid_rules');
    expect(res.json().details).toContainEqual(
      expect.objectContaining({
        file: 'custom/team.yaml',
        rule: 'odd_amount',
        field: 'severity',
        line: 4,
        column: 15,
      }),
    );
    // A name taken by another file is reported in the submitted text, not in the other file.
    const clash = await call('PUT', '/v1/rules/custom/aaa', asAdmin, {
      yaml: 'rules:\n  - name: large_order\n    when: type == "order.status"\n    severity: info\n',
    });
    expect(clash.statusCode).toBe(400);
    expect(clash.json().details).toEqual([
      expect.objectContaining({
        file: 'custom/aaa.yaml',
        line: 2,
        message: expect.stringContaining('already defined'),
      }),
    ]);
    expect((await call('PUT', '/v1/rules/custom/Bad.Name', asAdmin, { yaml: TEAM_RULES })).statusCode).toBe(
      400,
    );
    expect((await call('PUT', '/v1/rules/custom/team', asAdmin, { yaml: 'a\u0000' })).statusCode).toBe(400);
    const other = await call('PUT', '/v1/rules/custom/team', { ...asAdmin, 'content-type': 'text/csv' }, 'x');
    expect(other.statusCode).toBe(415);
    expect(await versions()).toHaveLength(1);
    expect((await inForce()).content_hash).toBe(before.content_hash);
  });

  it('check answers like PUT and saves nothing', async () => {
    expect((await call('POST', '/v1/rules/check', asAdmin, { yaml: TEAM_RULES })).json()).toEqual({
      ok: true,
    });
    const bad = await call('POST', '/v1/rules/check', asAdmin, {
      yaml: BAD_TEAM_RULES,
      file: 'custom/team.yaml',
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().details[0]).toMatchObject({ file: 'custom/team.yaml', line: 4, column: 15 });
    const rules = fs.readFileSync(path.join(rulesDir, 'rules.yaml'), 'utf8');
    const badRules = await call('POST', '/v1/rules/check', asAdmin, {
      yaml: rules.replace('      paid: 2m', '      paid: banana'),
      file: 'rules.yaml',
    });
    expect(badRules.statusCode).toBe(400);
    expect(badRules.json().details[0]).toMatchObject({ file: 'rules.yaml', rule: 'order_stalled' });
    expect(
      (await call('POST', '/v1/rules/check', asAdmin, { yaml: TEAM_RULES, file: '../x.yaml' })).statusCode,
    ).toBe(400);
    expect(await versions()).toHaveLength(1);
  });

  it('a PUT custom rule is a new version in force at once; removing it resolves its alert', async () => {
    const res = await call(
      'PUT',
      '/v1/rules/custom/team',
      { ...asAdmin, 'content-type': 'text/yaml' },
      TEAM_RULES,
    );
    expect(res.statusCode).toBe(200);
    const { version } = res.json();
    const list = await versions();
    expect(list[0]).toMatchObject({ version, source: 'api', author: 'alice' });
    expect(list).toHaveLength(2);
    expect((await inForce()).version).toBe(version);

    await h.post([ev.order('ODD-1', 'paid', h.clock.now, { amount_fen: 777_777 })]);
    const firing = (await h.alerts('?rule=odd_amount')).filter((a) => a.entity_id === 'ODD-1');
    expect(firing).toMatchObject([{ status: 'firing' }]);

    const removed = await call('DELETE', '/v1/rules/custom/team');
    expect(removed.statusCode).toBe(200);
    expect((await versions())[0]).toMatchObject({ version: removed.json().version, source: 'api' });
    expect((await h.alerts('?rule=odd_amount')).filter((a) => a.entity_id === 'ODD-1')).toEqual([]);
    const resolved = (await h.alerts('?rule=odd_amount&status=resolved')).filter(
      (a) => a.entity_id === 'ODD-1',
    );
    expect(resolved).toMatchObject([{ id: firing[0]!.id, status: 'resolved' }]);
    expect((await call('DELETE', '/v1/rules/custom/team')).statusCode).toBe(404);

    const audit = (await call('GET', '/v1/audit?action=rules.load', auth('viewer'))).json().entries;
    expect(audit[0]).toMatchObject({
      actor: 'alice',
      details: { version: removed.json().version, source: 'api' },
    });
    expect(audit[1]).toMatchObject({ actor: 'alice', details: { version } });
  });

  it('rules.yaml and calendar.yaml are replaced whole; a rollback restores a version as a new one', async () => {
    const first = (await versions()).at(-1)!;
    const rules = fs.readFileSync(path.join(rulesDir, 'rules.yaml'), 'utf8');
    const put = await call('PUT', '/v1/rules/builtin', asAdmin, {
      yaml: rules.replace('limit: 48h', 'limit: 72h'),
      note: 'carriers are slow this week',
    });
    expect(put.statusCode).toBe(200);
    const tracking = (await inForce()).rules.find((r: { name: string }) => r.name === 'tracking_silent');
    expect(tracking.params.limitMs).toBe(72 * 3_600_000);
    expect((await versions())[0]).toMatchObject({ note: 'carriers are slow this week', author: 'alice' });

    const calendar = fs.readFileSync(path.join(rulesDir, 'calendar.yaml'), 'utf8');
    const cal = await call(
      'PUT',
      '/v1/rules/calendar',
      { ...asAdmin, 'content-type': 'text/yaml' },
      `${calendar}\n# reviewed\n`,
    );
    expect(cal.statusCode).toBe(200);

    const diff = (
      await call('GET', `/v1/rules/versions/${first.version}/diff/${cal.json().version}`, auth('viewer'))
    ).json();
    const status = Object.fromEntries(
      diff.files.map((f: { file: string; status: string }) => [f.file, f.status]),
    );
    expect(status).toMatchObject({
      'rules.yaml': 'changed',
      'calendar.yaml': 'changed',
      'routes.yaml': 'same',
    });
    expect(diff.files.find((f: { file: string }) => f.file === 'calendar.yaml').after).toContain(
      '# reviewed',
    );
    const team = await call('PUT', '/v1/rules/custom/team', asAdmin, { yaml: TEAM_RULES });
    const added = (
      await call('GET', `/v1/rules/versions/${first.version}/diff/${team.json().version}`, auth('viewer'))
    ).json();
    expect(added.files.find((f: { file: string }) => f.file === 'custom/team.yaml')).toMatchObject({
      status: 'added',
      before: null,
      after: TEAM_RULES,
    });
    const back = (
      await call('GET', `/v1/rules/versions/${team.json().version}/diff/${first.version}`, auth('viewer'))
    ).json();
    expect(back.files.find((f: { file: string }) => f.file === 'custom/team.yaml')).toMatchObject({
      status: 'removed',
      after: null,
    });

    const count = (await versions()).length;
    const rollback = await call('POST', '/v1/rules/rollback', asAdmin, {
      version: first.version,
      note: 'undo',
    });
    expect(rollback.statusCode).toBe(200);
    const list = await versions();
    expect(list).toHaveLength(count + 1);
    expect(list[0]).toMatchObject({
      version: rollback.json().version,
      source: 'api',
      hash: first.hash,
      note: 'undo',
    });
    expect(rollback.json().version).not.toBe(first.version);
    expect((await inForce()).content_hash).toBe(first.hash);
    expect((await call('POST', '/v1/rules/rollback', asAdmin, { version: 'nope' })).statusCode).toBe(404);
  });

  it('a restart keeps an API edit in force while the files are unchanged; changed files win', async () => {
    await call('PUT', '/v1/rules/custom/team', asAdmin, { yaml: TEAM_RULES, note: 'keep me' });
    const edited = await inForce();
    const count = (await versions()).length;
    await h.close();
    h = await startHarness(db.db, { env: ENV, rulesDir });
    expect((await inForce()).version).toBe(edited.version);
    expect((await inForce()).rules.map((r: { name: string }) => r.name)).toContain('odd_amount');
    expect(await versions()).toHaveLength(count);

    const file = path.join(rulesDir, 'rules.yaml');
    fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace('limit: 48h', 'limit: 96h'));
    await h.close();
    h = await startHarness(db.db, { env: ENV, rulesDir });
    const list = await versions();
    expect(list).toHaveLength(count + 1);
    expect(list[0]).toMatchObject({ source: 'file', author: 'system' });
    const now = await inForce();
    expect(now.version).toBe(list[0]!.version);
    expect(now.rules.map((r: { name: string }) => r.name)).not.toContain('odd_amount');
  });

  it('/openapi.json describes the routes, with a YAML or JSON body for edits', async () => {
    const doc = (await call('GET', '/openapi.json', {})).json();
    for (const route of [
      '/v1/rules/versions',
      '/v1/rules/versions/{version}',
      '/v1/rules/versions/{a}/diff/{b}',
      '/v1/rules/custom/{name}',
      '/v1/rules/builtin',
      '/v1/rules/calendar',
      '/v1/rules/rollback',
      '/v1/rules/check',
    ]) {
      expect(doc.paths[route], route).toBeDefined();
    }
    const put = doc.paths['/v1/rules/custom/{name}'].put;
    expect(Object.keys(put.requestBody.content).sort()).toEqual(['application/json', 'text/yaml']);
    expect(doc.paths['/v1/rules/custom/{name}'].delete).toBeDefined();
  });

  it('a change of the files while running is a `file` version in force', async () => {
    const file = path.join(rulesDir, 'rules.yaml');
    fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace('limit: 96h', 'limit: 24h'));
    await h.app.alerting.reloadRules();
    const list = await versions();
    expect(list[0]).toMatchObject({ source: 'file' });
    expect((await inForce()).version).toBe(list[0]!.version);
    const count = list.length;
    await h.app.alerting.reloadRules();
    expect(await versions()).toHaveLength(count);
  });

  it('another collector on the same store puts a new version in force within seconds', async () => {
    const other = await startHarness(db.db, { env: ENV, rulesDir });
    try {
      const res = await call('PUT', '/v1/rules/custom/team', asAdmin, {
        yaml: TEAM_RULES,
        note: 'from node a',
      });
      const { version } = res.json();
      const seen = async () =>
        (await other.app.server.inject({ method: 'GET', url: '/v1/rules', headers: auth('viewer') })).json();
      expect((await seen()).version).not.toBe(version);
      await other.advance(5_000);
      expect((await seen()).version).toBe(version);
      expect((await seen()).rules.map((r: { name: string }) => r.name)).toContain('odd_amount');
    } finally {
      await other.close();
    }
  });
});
