// Writing a staged bill's lines to bill_rows in chunks, and dropping what was staged, on both stores:
// a day's first bill goes in by plain INSERTs; a key already stored (a corrected bill, an interrupted
// import's own chunks, a line the file repeats) makes its chunk be written again as an upsert, with the
// same rows in the end as an uninterrupted write, whatever order the chunks are written in. And the
// lines an import wrote straight to bill_rows move to staging whole, or go with a refused import.
import { describe, expect, it } from 'vitest';
import { claimImport } from '../../src/reconciliation/bill-import-queries.ts';
import { WORK_MEM } from '../../src/reconciliation/bill-set-match-queries.ts';
import {
  clearStaged,
  dropRefusedImport,
  moveStoredToStaged,
  type StagedLine,
  writeLines,
  writeStagedLines,
} from '../../src/reconciliation/bill-staging-queries.ts';
import type { Database } from '../../src/store/database.ts';
import { interceptQueries } from '../support/intercept-queries.ts';
import { storesPerTest } from '../support/stores-per-test.ts';
import { STORE_KINDS } from '../support/test-database.ts';

const T0 = Date.parse('2024-06-01T10:00:00+08:00');

function line(n: number, txn: string, extra: Partial<StagedLine> = {}): StagedLine {
  return {
    line: n,
    kind: 'payment',
    transactionId: txn,
    refundNo: '',
    merchantOrderNo: `O-${txn}`,
    paidAt: T0 + n * 60_000,
    day: '2024-06-01',
    amountFen: 100 + n,
    storeId: null,
    deviceId: 'POS-1',
    raw: `line ${n} of ${txn}`,
    ...extra,
  };
}

/** The store, with the statements it was sent recorded (the store itself runs them all). */
function recording(db: Database): { db: Database; statements: string[] } {
  const statements: string[] = [];
  return {
    statements,
    db: interceptQueries(db, (sql) => void statements.push(sql), { inTransactions: true }),
  };
}

const upserts = (statements: readonly string[]) =>
  statements.filter((s) => s.includes('INSERT INTO bill_rows') && s.includes('ON CONFLICT')).length;

async function claim(db: Database, sha256: string): Promise<number> {
  return (await claimImport(db, { provider: 'wechatpay', sha256, fileName: null, at: T0, by: 'test' })).id;
}

async function write(db: Database, importId: number, chunks: readonly [number, number][]) {
  for (const [from, to] of chunks) await writeStagedLines(db, WORK_MEM, importId, from, to);
}

const stage = (db: Database, importId: number, lines: readonly StagedLine[]) =>
  writeLines(db, 'bill_import_staged', 'wechatpay', importId, lines);

async function stored(db: Database) {
  const { rows } = await db.query<{ transaction_id: string; import_id: string; line: number; raw: string }>(
    'SELECT transaction_id, import_id, line, raw FROM bill_rows ORDER BY transaction_id',
  );
  return rows.map((r) => ({ ...r, import_id: Number(r.import_id) }));
}

const staged = async (db: Database, table: 'bill_import_staged' | 'bill_import_matches') =>
  (
    await db.query<{ import_id: string; n: number }>(
      `SELECT import_id, count(*)::int AS n FROM ${table} GROUP BY import_id ORDER BY import_id`,
    )
  ).rows.map((r) => ({ import_id: Number(r.import_id), n: r.n }));

describe.each(STORE_KINDS)('a staged bill written to bill_rows in chunks (%s)', (kind) => {
  const open = storesPerTest(kind);

  const chunks: [number, number][] = [
    [0, 2],
    [2, 4],
    [4, 6],
  ];

  it('writes a first bill by plain inserts, and a corrected one over it as upserts', async () => {
    const store = await open();
    const { db, statements } = recording(store);
    const first = await claim(db, 'one');
    await stage(
      db,
      first,
      [1, 2, 3, 4, 5].map((n) => line(n, `T${n}`)),
    );
    await write(db, first, chunks);
    expect(upserts(statements)).toBe(0);
    expect((await stored(db)).map((r) => [r.transaction_id, r.import_id])).toEqual(
      [1, 2, 3, 4, 5].map((n) => [`T${n}`, first]),
    );

    // the corrected bill restates T2 and T5 (in its second chunk) and adds T6
    const second = await claim(db, 'two');
    await stage(db, second, [line(1, 'T2', { raw: 'T2 corrected' }), line(2, 'T6'), line(3, 'T5')]);
    statements.length = 0;
    await write(db, second, chunks);
    expect(upserts(statements)).toBe(2);
    const rows = await stored(db);
    expect(rows.map((r) => [r.transaction_id, r.import_id, r.line])).toEqual([
      ['T1', first, 1],
      ['T2', second, 1],
      ['T3', first, 3],
      ['T4', first, 4],
      ['T5', second, 3],
      ['T6', second, 2],
    ]);
    expect(rows.find((r) => r.transaction_id === 'T2')?.raw).toBe('T2 corrected');
  });

  it('the later of two lines with one key stands, whichever chunk is written first', async () => {
    const lines = [line(1, 'T1'), line(2, 'T2'), line(3, 'T1', { raw: 'T1 again' }), line(4, 'T3')];
    const inOrder = await open();
    const reversed = await open();
    const ids = [await claim(inOrder, 'one'), await claim(reversed, 'one')];
    await stage(inOrder, ids[0] as number, lines);
    await stage(reversed, ids[1] as number, lines);
    await write(inOrder, ids[0] as number, chunks);
    await write(reversed, ids[1] as number, [...chunks].reverse());
    const want = await stored(inOrder);
    expect(want.find((r) => r.transaction_id === 'T1')).toMatchObject({ line: 3, raw: 'T1 again' });
    expect(await stored(reversed)).toEqual(want);
  });

  it('an import interrupted between chunks, written again from the start, ends as one never interrupted', async () => {
    const lines = [1, 2, 3, 4, 5].map((n) => line(n, `T${n}`));
    const clean = await open();
    const resumed = await open();
    const cleanId = await claim(clean, 'one');
    await stage(clean, cleanId, lines);
    await write(clean, cleanId, chunks);
    const id = await claim(resumed, 'one');
    await stage(resumed, id, lines);
    await write(resumed, id, chunks.slice(0, 2));
    // the next attempt claims the same unfinished import and writes every chunk again
    expect(await claim(resumed, 'one')).toBe(id);
    await write(resumed, id, chunks);
    expect(await stored(resumed)).toEqual(await stored(clean));
  });

  it('truncates the staging tables when no other file is staged, else deletes only its own lines', async () => {
    const db = await open();
    const [k1, k2] = [await claim(db, 'one'), await claim(db, 'two')];
    await stage(db, k1, [line(1, 'T1'), line(2, 'T2')]);
    await stage(db, k2, [line(1, 'T3')]);
    await db.query(
      `INSERT INTO bill_import_matches (import_id, transaction_id, match, order_id)
       VALUES ($1, 'T1', 'unmatched', NULL), ($2, 'T3', 'fuzzy', 'O-1')`,
      [k1, k2],
    );
    const { db: watched, statements } = recording(db);
    await clearStaged(watched, k1);
    expect(statements.some((s) => s.startsWith('TRUNCATE'))).toBe(false);
    expect(await staged(db, 'bill_import_staged')).toEqual([{ import_id: k2, n: 1 }]);
    expect(await staged(db, 'bill_import_matches')).toEqual([{ import_id: k2, n: 1 }]);

    statements.length = 0;
    await clearStaged(watched, k2);
    expect(statements.some((s) => s.startsWith('TRUNCATE'))).toBe(true);
    expect(await staged(db, 'bill_import_staged')).toEqual([]);
    expect(await staged(db, 'bill_import_matches')).toEqual([]);
  });

  it('moves the lines an import wrote to bill_rows into staging, leaving the others stored', async () => {
    const db = await open();
    const earlier = await claim(db, 'one');
    await writeLines(db, 'bill_rows', 'wechatpay', earlier, [line(1, 'T1')]);
    const id = await claim(db, 'two');
    await writeLines(db, 'bill_rows', 'wechatpay', id, [line(1, 'T2'), line(2, 'T3')]);
    const before = await db.query('SELECT * FROM bill_rows WHERE import_id = $1 ORDER BY line', [id]);
    await moveStoredToStaged(db, id);
    expect((await stored(db)).map((r) => [r.transaction_id, r.import_id])).toEqual([['T1', earlier]]);
    const after = await db.query('SELECT * FROM bill_import_staged WHERE import_id = $1 ORDER BY line', [id]);
    // the same rows, field for field
    expect(after.rows).toEqual(before.rows);
    expect(before.rows.map((r) => [r.match, r.matched_order_id])).toEqual([
      ['exact', 'O-T2'],
      ['exact', 'O-T3'],
    ]);
  });

  it('drops a refused import: what it staged, what it stored, its claim; nothing of another import', async () => {
    const db = await open();
    const kept = await claim(db, 'one');
    await writeLines(db, 'bill_rows', 'wechatpay', kept, [line(1, 'T1')]);
    await stage(db, kept, [line(2, 'T2')]);
    const refused = await claim(db, 'two');
    await writeLines(db, 'bill_rows', 'wechatpay', refused, [line(1, 'T3')]);
    await stage(db, refused, [line(2, 'T4')]);
    await dropRefusedImport(db, refused);
    expect((await stored(db)).map((r) => [r.transaction_id, r.import_id])).toEqual([['T1', kept]]);
    expect(await staged(db, 'bill_import_staged')).toEqual([{ import_id: kept, n: 1 }]);
    const { rows } = await db.query<{ id: string }>('SELECT id FROM bill_imports ORDER BY id');
    expect(rows.map((r) => Number(r.id))).toEqual([kept]);
  });
});
