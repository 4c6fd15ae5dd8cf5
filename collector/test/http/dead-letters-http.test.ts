// Dead letters cannot fill the disk or the reply: forged callbacks keep a 4 KiB preview with their
// length and SHA-256, the list pages by (received time, id) within 1 MiB, and an authenticated
// caller's exact body is downloadable. Real app, real stores, real HTTP (inject).
import { createHash, generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.ts';
import { signAlipayNotify } from '../../src/ingest/alipay/notify-signature.ts';
import { insertDeadLetters } from '../../src/store/dead-letters.ts';
import { auth, buildTestApp } from '../support/test-app.ts';
import { openTestDatabase, STORE_KINDS, type TestDatabase } from '../support/test-database.ts';

const alipay = generateKeyPairSync('rsa', { modulusLength: 2048 });
const attacker = generateKeyPairSync('rsa', { modulusLength: 2048 });
const dir = mkdtempSync(join(tmpdir(), 'op-dead-letters-'));
const alipayKeyPath = join(dir, 'alipay-public.pem');
writeFileSync(alipayKeyPath, alipay.publicKey.export({ type: 'spki', format: 'der' }).toString('base64'));

const MiB = 1024 * 1024;
const sha256 = (bytes: string | Buffer) => createHash('sha256').update(bytes).digest('hex');

/** A notify signed with someone else's key, padded to just under the 1 MiB callback limit. */
function forgedNotify(n: number): string {
  const params = new Map<string, string>([
    ['notify_time', '2024-06-01 10:15:31'],
    ['notify_type', 'trade_status_sync'],
    ['notify_id', `forged-${n}`],
    ['app_id', '2021000000000000'],
    ['charset', 'utf-8'],
    ['version', '1.0'],
    ['sign_type', 'RSA2'],
    ['trade_no', `2024FORGED${n}`],
    ['out_trade_no', `FORGED-${n}`],
    ['trade_status', 'TRADE_SUCCESS'],
    ['total_amount', '100.10'],
    [
      'body',
      randomBytes(MiB)
        .toString('hex')
        .slice(0, MiB - 4096),
    ],
  ]);
  params.set('sign', signAlipayNotify(params, attacker.privateKey));
  return new URLSearchParams([...params]).toString();
}

interface ListItem {
  id: number;
  reason: string;
  endpoint: string;
  raw: string;
  length: number;
  sha256: string;
  truncated: boolean;
  raw_url: string | null;
}

describe.each(STORE_KINDS)('dead letters on %s', (kind) => {
  let store: TestDatabase;
  let app: App;
  beforeAll(async () => {
    store = await openTestDatabase(kind);
    app = await buildTestApp(store.db, { ORDERPULSE_ALIPAY_PUBLIC_KEY: alipayKeyPath });
  }, 120_000);
  afterAll(async () => {
    await app?.server.close();
    await store?.dispose();
  });

  const get = (url: string) => app.server.inject({ method: 'GET', url, headers: auth('viewer') });
  const list = async (query: string) => {
    const res = await get(`/v1/dead-letters?${query}`);
    expect(res.statusCode).toBe(200);
    return {
      bytes: res.rawPayload.length,
      ...(res.json() as { dead_letters: ListItem[]; next_before: string | null }),
    };
  };
  const all = async (query: string) => {
    const items: ListItem[] = [];
    let before: string | null = null;
    do {
      const page = await list(`${query}${before ? `&before=${before}` : ''}`);
      items.push(...page.dead_letters);
      before = page.next_before;
    } while (before);
    return items;
  };

  it('keeps 60 forged ~1 MiB notifies as previews with their full length and SHA-256', async () => {
    const sent = new Map<string, number>();
    for (let n = 0; n < 60; n++) {
      const form = forgedNotify(n);
      sent.set(sha256(form), Buffer.byteLength(form));
      const res = await app.server.inject({
        method: 'POST',
        url: '/v1/notify/alipay',
        // One address each, so per-address callback limits do not turn these into 429s.
        remoteAddress: `198.51.100.${n + 1}`,
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        payload: form,
      });
      expect(res.statusCode).toBe(401);
    }
    // Every column of every kept row, as text: what these letters hold on disk, before compression.
    const { rows } = await store.db.query<{ bytes: string; n: number }>(
      `SELECT sum(octet_length(d::text))::int8 AS bytes, count(*)::int AS n FROM dead_letters d
       WHERE endpoint = '/v1/notify/alipay'`,
    );
    expect(rows[0]!.n).toBe(60);
    expect(Number(rows[0]!.bytes)).toBeLessThanOrEqual(60 * (4096 + 1024));

    const letters = await all('limit=25&reason=signature_invalid');
    expect(letters).toHaveLength(60);
    for (const letter of letters) {
      expect(Buffer.byteLength(letter.raw)).toBeLessThanOrEqual(4096);
      expect(letter.truncated).toBe(true);
      expect(sent.get(letter.sha256)).toBe(letter.length);
      expect(letter.length).toBeGreaterThan(MiB - 4096);
      expect(letter.raw_url).toBeNull();
      expect((await get(`/v1/dead-letters/${letter.id}/raw`)).statusCode).toBe(404);
    }
    expect(new Set(letters.map((l) => l.sha256)).size).toBe(60);
  }, 300_000);

  it('pages many large authenticated letters within 1 MiB, and `before` walks each exactly once', async () => {
    // Control characters are escaped six-fold in JSON: the worst case for a page's size.
    await insertDeadLetters(
      store.db,
      Array.from({ length: 300 }, (_, i) => ({
        endpoint: '/v1/events',
        source: 'pos',
        reason: 'paging_test',
        message: `item ${i}`,
        itemIndex: i,
        raw: `${'\u0001'.repeat(16 * 1024)}${i}`,
        authenticated: true,
      })),
    );
    const { rows } = await store.db.query<{ id: string }>(
      "SELECT id FROM dead_letters WHERE reason = 'paging_test' ORDER BY id",
    );
    for (const limit of [1000, 7]) {
      const seen: number[] = [];
      let before: string | null = null;
      let pages = 0;
      do {
        const page = await list(`limit=${limit}&reason=paging_test${before ? `&before=${before}` : ''}`);
        expect(page.bytes).toBeLessThanOrEqual(MiB);
        seen.push(...page.dead_letters.map((l) => l.id));
        before = page.next_before;
        pages++;
      } while (before);
      expect(seen).toHaveLength(rows.length);
      expect([...seen].sort((a, b) => a - b)).toEqual(rows.map((r) => Number(r.id)));
      // Newest first: ties in received time (one insert) fall back to id.
      expect(seen).toEqual([...seen].sort((a, b) => b - a));
      expect(pages).toBeGreaterThan(1);
    }
  });

  it('serves the exact bytes of an authenticated bad batch at /raw, as a download', async () => {
    // Not JSON, multibyte text, a U+0000 a text column cannot hold, and far past the preview.
    const body = `[{"id": "ü😀", "x": "\u0000" nope ${'é'.repeat(2 * MiB)}]`;
    const res = await app.server.inject({
      method: 'POST',
      url: '/v1/events',
      headers: { 'content-type': 'application/json', ...auth('ingest') },
      payload: body,
    });
    expect(res.statusCode).toBe(400);
    const letter = (await all('limit=100&reason=invalid_body')).find((l) => l.sha256 === sha256(body));
    expect(letter).toMatchObject({ length: Buffer.byteLength(body), truncated: true });
    expect(letter!.raw_url).toBe(`/v1/dead-letters/${letter!.id}/raw`);
    const raw = await get(letter!.raw_url!);
    expect(raw.statusCode).toBe(200);
    expect(raw.rawPayload.equals(Buffer.from(body))).toBe(true);
    expect(raw.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(raw.headers['content-disposition']).toBe(`attachment; filename="dead-letter-${letter!.id}.json"`);
    expect(raw.headers['x-content-type-options']).toBe('nosniff');

    const form = await app.server.inject({
      method: 'POST',
      url: '/v1/events',
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...auth('ingest') },
      payload: 'status=paid&note=%3Cscript%3E',
    });
    expect(form.statusCode).toBe(415);
    const small = (await list('limit=1&reason=unsupported_media_type')).dead_letters[0]!;
    expect(small).toMatchObject({ raw: 'status=paid&note=%3Cscript%3E', truncated: false });
    const smallRaw = await get(small.raw_url!);
    expect(smallRaw.body).toBe('status=paid&note=%3Cscript%3E');
    expect(smallRaw.headers['content-type']).toBe('application/x-www-form-urlencoded');

    expect((await get('/v1/dead-letters/999999999/raw')).statusCode).toBe(404);
    expect(
      (await app.server.inject({ method: 'GET', url: letter!.raw_url!, headers: auth('ingest') })).statusCode,
    ).toBe(403);
  });

  it('refuses a malformed cursor with 400', async () => {
    const res = await get('/v1/dead-letters?before=42');
    expect(res.statusCode).toBe(400);
    expect(res.json().error).toBe('invalid_request');
  });
});
