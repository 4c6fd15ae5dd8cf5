// Writing a staged bill's lines to bill_rows in chunks, and dropping what was staged, on both stores:
// a day's first bill goes in by plain INSERTs; a key already stored (a corrected bill, an interrupted
// import's own chunks, a line the file repeats) makes its chunk be written again as an upsert, with the
// same rows in the end as an uninterrupted write, whatever order the chunks are written in.
import { describe, expect, it } from 'vitest';
import { claimImport } from '../../src/reconciliation/bill-import-queries.ts';
import { WORK_MEM } from '../../src/reconciliation/bill-set-match-queries.ts';
import {
  clearStaged,
  type StagedLine,
  stageLines,
  writeStagedLines,
} from '../../src/reconciliation/bill-staging-queries.ts';
import type { Database } from '../../src/store/database.ts';
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
  const note = (statement: unknown) => {
    if (typeof statement === 'string') statements.push(statement);
  };
  return {
    statements,
    db: {
      ...db,
      mode: db.mode,
      query: (statement, values) => {
        note(statement);
        return db.query(statement, values);
      },
      copyIn: db.copyIn,
      close: () => db.close(),
      transaction: (fn) =>
        db.transaction((tx) =>
          fn({
            query: (statement, values) => {
              note(statement);
              return tx.query(statement, values);
            },
          }),
        ),
    },
  };
}

const upserts = (statements: readonly string[]) =>
  statements.filter((s) => s.includes('INSERT INTO bill_rows') && s.includes('ON CONFLICT')).length;

async function claim(db: Database, sha256: string): Promise<number> {
  return (await claimImport(db, { provider: 'wechatpay', sha256, fileName: null, at: T0, by: 'test' })).id;
}

async function write(db: Database, key: string, importId: number, chunks: readonly [number, number][]) {
  for (const [from, to] of chunks) await writeStagedLines(db, WORK_MEM, key, 'wechatpay', importId, from, to);
}

async function stored(db: Database) {
  const { rows } = await db.query<{ transaction_id: string; import_id: string; line: number; raw: string }>(
    'SELECT transaction_id, import_id, line, raw FROM bill_rows ORDER BY transaction_id',
  );
  return rows.map((r) => ({ ...r, import_id: Number(r.import_id) }));
}

const staged = async (db: Database, table: 'bill_import_staged' | 'bill_import_matches') =>
  (
    await db.query<{ stage_key: string; n: number }>(
      `SELECT stage_key, count(*)::int AS n FROM ${table} GROUP BY stage_key ORDER BY stage_key`,
    )
  ).rows;

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
    await stageLines(
      db,
      'k1',
      [1, 2, 3, 4, 5].map((n) => line(n, `T${n}`)),
    );
    const first = await claim(db, 'one');
    await write(db, 'k1', first, chunks);
    expect(upserts(statements)).toBe(0);
    expect((await stored(db)).map((r) => [r.transaction_id, r.import_id])).toEqual(
      [1, 2, 3, 4, 5].map((n) => [`T${n}`, first]),
    );

    // the corrected bill restates T2 and T5 (in its second chunk) and adds T6
    await stageLines(db, 'k2', [line(1, 'T2', { raw: 'T2 corrected' }), line(2, 'T6'), line(3, 'T5')]);
    const second = await claim(db, 'two');
    statements.length = 0;
    await write(db, 'k2', second, chunks);
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
    for (const db of [inOrder, reversed]) await stageLines(db, 'k', lines);
    await write(inOrder, 'k', await claim(inOrder, 'one'), chunks);
    await write(reversed, 'k', await claim(reversed, 'one'), [...chunks].reverse());
    const want = await stored(inOrder);
    expect(want.find((r) => r.transaction_id === 'T1')).toMatchObject({ line: 3, raw: 'T1 again' });
    expect(await stored(reversed)).toEqual(want);
  });

  it('an import interrupted between chunks, written again from the start, ends as one never interrupted', async () => {
    const lines = [1, 2, 3, 4, 5].map((n) => line(n, `T${n}`));
    const clean = await open();
    const resumed = await open();
    for (const db of [clean, resumed]) await stageLines(db, 'k', lines);
    await write(clean, 'k', await claim(clean, 'one'), chunks);
    const id = await claim(resumed, 'one');
    await write(resumed, 'k', id, chunks.slice(0, 2));
    // the next attempt claims the same unfinished import and writes every chunk again
    expect(await claim(resumed, 'one')).toBe(id);
    await write(resumed, 'k', id, chunks);
    expect(await stored(resumed)).toEqual(await stored(clean));
  });

  it('truncates the staging tables when no other file is staged, else deletes only its own lines', async () => {
    const db = await open();
    await stageLines(db, 'k1', [line(1, 'T1'), line(2, 'T2')]);
    await stageLines(db, 'k2', [line(1, 'T3')]);
    await db.query(
      `INSERT INTO bill_import_matches (stage_key, transaction_id, match, order_id)
       VALUES ('k1', 'T1', 'unmatched', NULL), ('k2', 'T3', 'fuzzy', 'O-1')`,
    );
    const { db: watched, statements } = recording(db);
    await clearStaged(watched, 'k1');
    expect(statements.some((s) => s.startsWith('TRUNCATE'))).toBe(false);
    expect(await staged(db, 'bill_import_staged')).toEqual([{ stage_key: 'k2', n: 1 }]);
    expect(await staged(db, 'bill_import_matches')).toEqual([{ stage_key: 'k2', n: 1 }]);

    statements.length = 0;
    await clearStaged(watched, 'k2');
    expect(statements.some((s) => s.startsWith('TRUNCATE'))).toBe(true);
    expect(await staged(db, 'bill_import_staged')).toEqual([]);
    expect(await staged(db, 'bill_import_matches')).toEqual([]);
  });
});
