// GET /v1/rules/fields lists exactly what a custom condition may read, each example compiles, and
// GET /v1/whoami tells a client its token's role (the rule editor shows edit controls to admins only).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.ts';
import { compileCondition } from '../../src/rules-config/expression/compile.ts';
import { CONTEXT_FIELDS } from '../../src/rules-config/expression/context-fields.ts';
import type { RuleFieldList } from '../../src/wire/rule-fields.ts';
import { auth, buildTestApp } from '../support/test-app.ts';
import { openTestDatabase, type TestDatabase } from '../support/test-database.ts';

const ADMIN = 'admin-secret-1';
let store: TestDatabase;
let app: App;

beforeAll(async () => {
  // Routes that never touch the store: the embedded one is enough.
  store = await openTestDatabase('pglite');
  app = await buildTestApp(store.db, { ORDERPULSE_ADMIN_TOKENS: `root=${ADMIN}` });
});

afterAll(async () => {
  await app?.server.close();
  await store?.dispose();
});

const get = (url: string, headers: Record<string, string>) =>
  app.server.inject({ method: 'GET', url, headers });

describe('GET /v1/rules/fields', () => {
  it('lists every field of the condition catalogue with its type, values and an example that compiles', async () => {
    const res = await get('/v1/rules/fields', auth('viewer'));
    expect(res.statusCode).toBe(200);
    const { fields } = res.json() as RuleFieldList;
    expect(fields.map((f) => f.name)).toEqual(Object.keys(CONTEXT_FIELDS));
    const amount = fields.find((f) => f.name === 'amount_fen');
    expect(amount).toMatchObject({ type: 'number', example: 'amount_fen > 50000' });
    expect(fields.find((f) => f.name === 'provider')?.values).toEqual(['wechatpay', 'alipay', 'other']);
    for (const field of fields) {
      const compiled = compileCondition(field.example);
      expect(compiled.fields, field.name).toContain(field.name);
    }
  });

  it('needs a reading token', async () => {
    expect((await get('/v1/rules/fields', {})).statusCode).toBe(401);
    expect((await get('/v1/rules/fields', auth('ingest'))).statusCode).toBe(403);
  });
});

describe('GET /v1/whoami', () => {
  it("answers each token's name and role", async () => {
    expect((await get('/v1/whoami', auth('viewer'))).json()).toEqual({ name: 'viewer', role: 'viewer' });
    expect((await get('/v1/whoami', auth('operator'))).json()).toMatchObject({ role: 'operator' });
    expect((await get('/v1/whoami', { authorization: `Bearer ${ADMIN}` })).json()).toEqual({
      name: 'root',
      role: 'admin',
    });
    expect((await get('/v1/whoami', auth('ingest'))).json()).toEqual({ name: 'pos', role: 'ingest' });
    expect((await get('/v1/whoami', { authorization: 'Bearer nope' })).statusCode).toBe(401);
  });
});
