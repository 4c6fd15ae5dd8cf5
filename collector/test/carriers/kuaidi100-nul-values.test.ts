// A Kuaidi100 push with a valid sign but U+0000 in a value the store keeps. PostgreSQL text cannot
// hold it: in the waybill or carrier the push is malformed (400, kept as a dead letter); in display
// text (checkpoint wording, place) the character is dropped and the checkpoint kept — never a
// failed commit and a 5xx.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.ts';
import { kuaidi100Param, providerEnv, signedKuaidi100Form } from '../hostile/signed-callbacks.ts';
import { buildTestApp } from '../support/test-app.ts';
import { openTestDatabase, STORE_KINDS, type TestDatabase } from '../support/test-database.ts';

type Param = { lastResult: Record<string, unknown> & { data: Record<string, unknown>[] } };

describe.each(STORE_KINDS)('Kuaidi100 values with U+0000 (%s)', (kind) => {
  let store: TestDatabase;
  let app: App;

  beforeAll(async () => {
    store = await openTestDatabase(kind);
    app = await buildTestApp(store.db, providerEnv());
  }, 120_000);
  afterAll(async () => {
    await app?.server.close();
    await store?.dispose();
  });

  const push = (param: Param) =>
    app.server.inject({
      method: 'POST',
      url: '/v1/notify/kuaidi100',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: signedKuaidi100Form(JSON.stringify(param)),
    });

  it.each(['nu', 'com'])('U+0000 in %s is a 400 malformed, kept as a dead letter', async (field) => {
    const param = kuaidi100Param(`YT-NUL-${field}`) as Param;
    param.lastResult[field] = `${String(param.lastResult[field])}\u0000`;
    const res = await push(param);
    expect(res.statusCode, res.body).toBe(400);
    expect(res.json()).toMatchObject({ error: 'malformed' });
    const letters = await store.db.query<{ n: string }>(
      `SELECT count(*) AS n FROM dead_letters WHERE endpoint = '/v1/notify/kuaidi100' AND reason = 'malformed' AND message LIKE $1`,
      [`%${field}%U+0000%`],
    );
    expect(Number(letters.rows[0]?.n)).toBe(1);
  });

  it('U+0000 in checkpoint text and place is dropped; the push is accepted', async () => {
    const param = kuaidi100Param('YT-NUL-TEXT') as Param;
    param.lastResult.data[0]!.context = '【杭州\u0000市】快件已发往\u0000 北京';
    param.lastResult.data[0]!.areaName = '浙江,杭州\u0000市';
    const res = await push(param);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ result: true, returnCode: '200' });
  });
});
