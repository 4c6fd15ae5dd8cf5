// Rule problems over HTTP: a 400 from POST /v1/rules/check and the errors of GET /v1/rules after a
// bad file carry `message_ref` (rendered by the dashboard in the reader's language), while
// `message` stays English whatever `?lang` or Accept-Language asks for.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderMessage } from '../../src/messages/format-message.ts';
import { auth } from '../support/test-app.ts';
import { openTestDatabase, STORE_KINDS, type TestDatabase } from '../support/test-database.ts';
import { copyRules, type Harness, startHarness } from './alerting-harness.ts';

const ADMIN = 'admin-secret-1';
const asAdmin = { authorization: `Bearer ${ADMIN}` };

const BAD_DURATION = `rules:
  order_stalled:
    for: 2 m
`;

describe.each(STORE_KINDS)('rule problems over HTTP (%s)', (kind) => {
  let db: TestDatabase;
  let h: Harness;
  let rulesDir: string;

  beforeAll(async () => {
    db = await openTestDatabase(kind);
    rulesDir = copyRules();
    h = await startHarness(db.db, { env: { ORDERPULSE_ADMIN_TOKENS: `alice=${ADMIN}` }, rulesDir });
  });
  afterAll(async () => {
    await h?.close();
    await db?.dispose();
  });

  it('POST /v1/rules/check: each problem has its catalogue message; message stays English', async () => {
    const bodies = [];
    for (const [query, language] of [
      ['', undefined],
      ['?lang=zh-CN', undefined],
      ['?lang=en', 'zh-CN'],
      ['', 'zh-CN,zh;q=0.9'],
    ] as const) {
      const res = await h.app.server.inject({
        method: 'POST',
        url: `/v1/rules/check${query}`,
        headers: {
          ...asAdmin,
          'content-type': 'application/json',
          ...(language && { 'accept-language': language }),
        },
        payload: JSON.stringify({ yaml: BAD_DURATION, file: 'rules.yaml' }),
      });
      expect(res.statusCode).toBe(400);
      bodies.push(res.json());
    }
    const [first] = bodies;
    for (const body of bodies) expect(body).toEqual(first);
    const problem = first.details.find((d: { field: string }) => d.field.endsWith('for'));
    expect(problem).toMatchObject({
      file: 'rules.yaml',
      rule: 'order_stalled',
      message:
        'must be a duration: "2 m" is not a duration; use digits with ms, s, m, h, d or w, e.g. "2m" or "1h30m"',
      message_ref: {
        key: 'ruleError.notDuration',
        params: { reason: [{ key: 'ruleError.durationSyntax', params: { text: '2 m' } }] },
      },
    });
    expect(renderMessage('zh-CN', problem.message_ref)).toBe(
      '应为时长："2 m" 不是有效的时长，请用数字加单位 ms、s、m、h、d 或 w，例如 "2m" 或 "1h30m"',
    );
    expect(renderMessage('en', problem.message_ref)).toBe(problem.message);
  });

  it('GET /v1/rules after a bad file: the load errors carry message_ref', async () => {
    fs.writeFileSync(path.join(rulesDir, 'calendar.yaml'), 'time_zone: Mars/Olympus\n');
    await h.app.alerting.reloadRules();
    for (const headers of [auth('viewer'), { ...auth('viewer'), 'accept-language': 'en' }]) {
      const res = await h.app.server.inject({ method: 'GET', url: '/v1/rules?lang=zh-CN', headers });
      expect(res.statusCode).toBe(200);
      const report = res.json();
      expect(report.valid).toBe(false);
      expect(report.errors).toEqual([
        expect.objectContaining({
          file: 'calendar.yaml',
          field: 'time_zone',
          message: '"Mars/Olympus" is not an IANA time zone such as Asia/Shanghai',
          message_ref: { key: 'ruleError.timeZone', params: { zone: 'Mars/Olympus' } },
        }),
      ]);
    }
  });
});
