// Letters kept before bodies were bounded: the migration keeps a token holder's body exactly and cuts a
// provider callback's to a preview, recording each one's length and SHA-256.
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deadLetterBody, listDeadLetters } from '../../src/store/dead-letters.ts';
import { readMigrations } from '../../src/store/migrate.ts';
import { openTestDatabase, STORE_KINDS, type TestDatabase, uniqueSchema } from '../support/test-database.ts';

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

describe.each(STORE_KINDS)('dead-letter bounds migration on %s', (kind) => {
  let store: TestDatabase;
  beforeAll(async () => {
    store = await openTestDatabase(kind);
  });
  afterAll(async () => {
    await store?.dispose();
  });

  it('bounds the letters kept before it', async () => {
    const migration = (await readMigrations()).find((m) => m.version === 75)!;
    const legacy = uniqueSchema();
    const bigBatch = `[${'{"id": "é"}, '.repeat(1000)} oops`;
    const forged = `sign=forged&body=${'x'.repeat(10_000)}`;
    await store.db.transaction(async (tx) => {
      await tx.query(`CREATE SCHEMA ${legacy}`);
      await tx.query(`SET LOCAL search_path TO ${legacy}`);
      await tx.query(`CREATE TABLE dead_letters (
        id bigserial PRIMARY KEY, received_at timestamptz NOT NULL DEFAULT now(), endpoint text NOT NULL,
        source text, reason text NOT NULL, message text NOT NULL, item_index integer, raw text NOT NULL)`);
      await tx.query(
        `INSERT INTO dead_letters (endpoint, source, reason, message, raw) VALUES
         ('/v1/events', 'pos', 'invalid_body', 'not JSON', $1),
         ('/v1/notify/alipay', 'alipay', 'signature_invalid', 'forged', $2),
         ('/v1/events', 'pos', 'unsupported_media_type', 'form', 'status=paid')`,
        [bigBatch, forged],
      );
      await tx.query(migration.sql);

      const letters = await listDeadLetters(tx, { limit: 10 });
      const byReason = new Map(letters.map((l) => [l.reason, l]));
      expect(byReason.get('invalid_body')).toMatchObject({
        length: Buffer.byteLength(bigBatch),
        sha256: sha256(bigBatch),
        truncated: true,
        authenticated: true,
      });
      expect(byReason.get('signature_invalid')).toMatchObject({
        length: forged.length,
        sha256: sha256(forged),
        truncated: true,
        authenticated: false,
      });
      expect(byReason.get('unsupported_media_type')).toMatchObject({
        preview: 'status=paid',
        truncated: false,
      });
      for (const l of letters) expect(Buffer.byteLength(l.preview)).toBeLessThanOrEqual(4096);

      expect((await deadLetterBody(tx, byReason.get('invalid_body')!.id))?.bytes.toString()).toBe(bigBatch);
      expect(await deadLetterBody(tx, byReason.get('signature_invalid')!.id)).toBeUndefined();
      expect((await deadLetterBody(tx, byReason.get('unsupported_media_type')!.id))?.bytes.toString()).toBe(
        'status=paid',
      );
      await tx.query(`DROP SCHEMA ${legacy} CASCADE`);
    });
  });
});
