// Matching in the store (lines staged, matched set-wise in SQL, written in committed chunks) gives what
// matching in this process gives: the same counts, bill lines, day results and pending pool, on bills
// made to hit the matcher's edges (the fuzzy window's bounds, ties, double charges, refunds, tills
// learned from their matches, orders named but paid long before, a second file for the same day).
// And an import interrupted part-way is completed by the next upload of the file.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { claimImport } from '../../src/reconciliation/bill-import-queries.ts';
import { writeLines } from '../../src/reconciliation/bill-staging-queries.ts';
import { type ImportBillResult, importBillFile, sha256File } from '../../src/reconciliation/import-bill.ts';
import type { Database } from '../../src/store/database.ts';
import { WECHAT_HEADER } from '../support/hostile-bills.ts';
import { interceptQueries } from '../support/intercept-queries.ts';
import { storesPerTest } from '../support/stores-per-test.ts';
import { STORE_KINDS } from '../support/test-database.ts';

const tmp = mkdtempSync(join(tmpdir(), 'op-bill-staged-'));
const MIN = 60_000;
const T0 = Date.parse('2024-06-01T10:00:00+08:00');
const local = (ms: number) => new Date(ms + 8 * 3_600_000).toISOString().slice(0, 19).replace('T', ' ');

interface Order {
  id: string;
  store: string;
  fen: number | null;
  at: number;
}
interface Line {
  at: number;
  device: string;
  txn: string;
  order: string;
  fen: number;
  refund?: { no: string };
  store?: string;
}

function wechatLine(l: Line): string {
  const yuan = (l.fen / 100).toFixed(2);
  return [
    local(l.at),
    'wx1',
    '1900000001',
    '0',
    l.device,
    l.txn,
    l.order,
    'openid',
    'MICROPAY',
    l.refund ? 'REFUND' : 'SUCCESS',
    'OTHERS',
    'CNY',
    l.refund ? '0.00' : yuan,
    '0.00',
    l.refund ? l.refund.no : '0',
    l.refund ? `RF${l.order}` : '0',
    l.refund ? yuan : '0.00',
    '0.00',
    '',
    '',
    'tea',
    l.store ? `{"store_id":"${l.store}"}` : '',
    '0.00000',
    '0.60%',
    l.refund ? '0.00' : yuan,
    l.refund ? yuan : '0.00',
    '',
  ]
    .map((v) => `\`${v}`)
    .join(',');
}

let files = 0;
function writeBill(lines: readonly Line[]): string {
  const path = join(tmp, `bill-${++files}.csv`);
  writeFileSync(path, `${[WECHAT_HEADER, ...lines.map(wechatLine)].join('\n')}\n`);
  return path;
}

/** A small PRNG, so that a failing bill can be made again from its seed. */
function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s ^ (s >>> 15), 0x2c1b3c6d) + 0x9e3779b9) >>> 0;
    s ^= s >>> 12;
    return (s >>> 0) / 4294967296;
  };
}

/**
 * Orders and two bills for 2024-06-01 crowded onto few amounts and order-number tails, so that fuzzy
 * candidates compete; times on whole minutes, so the window's bounds are hit exactly.
 */
function fixture(seed: number): { orders: Order[]; first: Line[]; second: Line[] } {
  const r = prng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)] as T;
  const orders: Order[] = [];
  const lines: Line[] = [];
  let txn = 0;
  const devices = ['POS-1', 'POS-2', 'POS-3', ''];
  for (let i = 0; i < 40; i++) {
    const store = pick(['S1', 'S2', 'S3']);
    const tail = String(1 + Math.floor(r() * 4)).padStart(4, '0');
    const at = T0 + Math.floor(r() * 120) * MIN;
    const fen = pick([100, 200, 300]);
    // two of the forty were paid long before, named by the bill by number
    const order: Order = {
      id: `${store}-${i}-${tail}`,
      store,
      fen: i === 7 ? null : fen,
      at: i % 20 === 3 ? at - 10 * 86_400_000 : at,
    };
    orders.push(order);
    const device = pick(devices);
    const attach = r() < 0.3 ? store : undefined;
    const how = r();
    if (how < 0.4) {
      lines.push({
        at: at + Math.floor(r() * 3) * MIN,
        device,
        txn: `T${++txn}`,
        order: order.id,
        fen,
        store: attach,
      });
      if (r() < 0.15) lines.push({ at: at + 5 * MIN, device, txn: `T${++txn}`, order: order.id, fen });
      if (r() < 0.2) {
        const refundAt = at + 30 * MIN;
        lines.push({
          at: refundAt,
          device,
          txn: `T${++txn}`,
          order: order.id,
          fen,
          refund: { no: r() < 0.5 ? `R${txn}` : '0' },
        });
      }
    } else if (how < 0.8) {
      const offset = pick([0, 5, -5, 15, -15, 16, -16, 20]) * MIN + pick([0, 0, 1000, -1000]);
      lines.push({ at: at + offset, device, txn: `T${++txn}`, order: `POS${i}-${tail}`, fen, store: attach });
    }
  }
  for (let g = 0; g < 5; g++) {
    const at = T0 + Math.floor(r() * 120) * MIN;
    const device = pick(devices);
    lines.push({ at, device, txn: `T${++txn}`, order: `GHOST-${g}`, fen: pick([100, 200]) });
    if (r() < 0.5)
      lines.push({
        at: at + MIN,
        device,
        txn: `T${++txn}`,
        order: `GHOST-${g}`,
        fen: 100,
        refund: { no: `R${txn}` },
      });
  }
  // shuffled, so a till's refunds come before and after its matches; the second file restates a few
  for (let i = lines.length - 1; i > 0; i--) {
    const j = Math.floor(r() * (i + 1));
    [lines[i], lines[j]] = [lines[j] as Line, lines[i] as Line];
  }
  const half = Math.floor(lines.length / 2);
  return { orders, first: lines.slice(0, half), second: [...lines.slice(half), ...lines.slice(0, 3)] };
}

async function seed(db: Database, orders: readonly Order[]): Promise<void> {
  await db.query(
    `INSERT INTO orders (order_id, store_id, status, status_at, status_rank, amount_fen, paid_at, first_seen_at,
       last_event_at, updated_at)
     SELECT o.id, o.store, 'paid', o.at, 1, o.amount, o.at, o.at, o.at, o.at
     FROM unnest($1::text[], $2::text[], $3::bigint[], $4::timestamptz[]) AS o(id, store, amount, at)`,
    [
      orders.map((o) => o.id),
      orders.map((o) => o.store),
      orders.map((o) => o.fen),
      orders.map((o) => new Date(o.at).toISOString()),
    ],
  );
}

/** Everything an import leaves behind, without the ids and times that differ between two stores. */
async function outcome(db: Database) {
  const rows = async (sql: string) => (await db.query(sql)).rows;
  return {
    imports: await rows(
      `SELECT provider, rows, refunds, declared_rows, to_char(first_day, 'YYYY-MM-DD') AS first_day,
              to_char(last_day, 'YYYY-MM-DD') AS last_day, matched, fuzzy_matched, unmatched_payments,
              unmatched_orders, rejected_rows_total, completed_at IS NOT NULL AS completed
       FROM bill_imports ORDER BY id`,
    ),
    lines: await rows(
      `SELECT provider, transaction_id, kind, refund_no, merchant_order_no, paid_at, to_char(day, 'YYYY-MM-DD') AS day,
              amount_fen, store_id, device_id, line, match, matched_order_id, raw
       FROM bill_rows ORDER BY provider, transaction_id, kind, refund_no`,
    ),
    results: await rows(
      `SELECT provider, to_char(day, 'YYYY-MM-DD') AS day, store_id, device_id, payments, orders, matched,
              fuzzy_matched, unmatched_payments, unmatched_orders, payments_fen, unmatched_payments_fen, refunds,
              refunds_fen
       FROM reconciliation_results ORDER BY provider, day, store_id, device_id`,
    ),
    pending: await rows(
      `SELECT item_key, kind, provider, to_char(day, 'YYYY-MM-DD') AS day, store_id, device_id, amount_fen, reason,
              reason_message, bill, order_evidence, status, resolution, resolved_automatically, note
       FROM reconciliation_pending ORDER BY item_key`,
    ),
    staged: await rows('SELECT count(*)::int AS n FROM bill_import_staged'),
  };
}

/** The store, where the first statement containing `text` fails: the process died there. */
function dyingOnce(db: Database, text: string): Database {
  let died = false;
  return interceptQueries(
    db,
    (sql) => {
      if (died || !sql.includes(text)) return;
      died = true;
      throw new Error('the process died');
    },
    { inTransactions: true },
  );
}

const options = (filePath: string, matchInStore: boolean, stageChunkLines?: number) => ({
  provider: 'wechatpay' as const,
  filePath,
  actor: 'test',
  now: Date.parse('2024-06-02T09:00:00Z'),
  timeZone: 'Asia/Shanghai',
  matchInStore,
  ...(stageChunkLines !== undefined && { stageChunkLines }),
});

const comparable = (r: ImportBillResult) => ({
  alreadyImported: r.alreadyImported,
  storeResults: r.storeResults,
  pendingAdded: r.pendingAdded,
  autoResolved: r.autoResolved.map((a) => ({ kind: a.kind, note: a.note, evidence: a.evidence.kind })),
  record: { ...r.record, id: 0, importedAt: 0 },
});

// Matching in the store is PostgreSQL's path (the embedded store has no COPY and matches in the
// process): it is compared there whenever a PostgreSQL is given, else on the embedded store.
const KINDS = STORE_KINDS.includes('postgres') ? (['postgres'] as const) : STORE_KINDS;

describe.each(KINDS)('bill matched in the store against in this process (%s)', (kind) => {
  const open = storesPerTest(kind);

  // Small chunks: the second file's first lines are written to bill_rows before its last ones, which
  // restate the first file's, move them to staging.
  it.each([
    [1, 20_000],
    [2, 7],
    [3, 20_000],
    [4, 7],
    [5, 20_000],
  ] as const)(
    'the same results on fixture bill %i and a second file of the same day (chunks of %i lines)',
    async (s, chunkLines) => {
      const { orders, first, second } = fixture(s);
      const files = [writeBill(first), writeBill(second)];
      const inProcess = await open();
      const inStore = await open();
      await seed(inProcess, orders);
      await seed(inStore, orders);
      for (const file of files) {
        const expected = await importBillFile(inProcess, options(file, false));
        const actual = await importBillFile(inStore, options(file, true, chunkLines));
        expect(comparable(actual)).toEqual(comparable(expected));
        expect(await outcome(inStore)).toEqual(await outcome(inProcess));
      }
      // the fixture reaches what it is for
      const { rows } = await inStore.query<{ match: string; n: number }>(
        'SELECT match, count(*)::int AS n FROM bill_rows GROUP BY match',
      );
      expect(new Set(rows.map((r) => r.match))).toEqual(new Set(['exact', 'fuzzy', 'unmatched', 'refund']));
    },
    120_000,
  );

  // A file may hold a transaction on more than one line (the later line stands in bill_rows): the store
  // records a match only where it differs from the exact match to the order the line names.
  it.each([
    [6, 20_000],
    [7, 20_000],
    [6, 5],
    [7, 5],
  ] as const)(
    'the same results on fixture bill %i when the file repeats transactions on later lines (chunks of %s lines)',
    async (s, chunkLines) => {
      const { orders, first, second } = fixture(s);
      // lines that match their order exactly (the first to name it), so that their repeats name another
      const ids = new Set(orders.map((o) => o.id));
      const payments = first.filter((l) => !l.refund);
      const [a, b, c, d] = payments.filter(
        (l, i) => ids.has(l.order) && payments.findIndex((m) => m.order === l.order) === i,
      ) as [Line, Line, Line, Line];
      const repeated = [
        ...first,
        { ...a },
        { ...b, order: `REKEYED-${s}` },
        { ...c, order: d.order, at: d.at },
        { ...d, order: `REKEYED-${s}` },
      ];
      const files = [writeBill(repeated), writeBill([...second, { ...a, order: `REKEYED-${s}` }])];
      const inProcess = await open();
      const inStore = await open();
      await seed(inProcess, orders);
      await seed(inStore, orders);
      const namingAnother: number[] = [];
      for (const file of files) {
        const expected = await importBillFile(inProcess, options(file, false));
        const actual = await importBillFile(inStore, options(file, true, chunkLines));
        expect(comparable(actual)).toEqual(comparable(expected));
        expect(await outcome(inStore)).toEqual(await outcome(inProcess));
        const { rows } = await inStore.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM bill_rows
           WHERE match = 'exact' AND matched_order_id <> merchant_order_no`,
        );
        namingAnother.push(rows[0]?.n ?? 0);
      }
      // after the first file, repeated transactions' stored lines name other orders than they matched
      // (the second file reconciles the day again from the stored lines, which name those others)
      expect(namingAnother[0]).toBeGreaterThanOrEqual(2);
    },
    120_000,
  );

  // An attempt that committed the first lines' chunk (in bill_rows, or in staging once its lines met
  // stored ones), then died (in the matching, or writing the staged lines to bill_rows).
  it.each([
    ['bill_rows', 'INSERT INTO bm_exact'],
    ['bill_import_staged', 'INSERT INTO bill_rows'],
  ] as const)(
    'resumes after the chunk an interrupted attempt committed to %s, and finishes what it left',
    async (table, diesAt) => {
      const { orders, first } = fixture(11);
      const file = writeBill(first);
      const clean = await open();
      const resumed = await open();
      await seed(clean, orders);
      await seed(resumed, orders);
      const expected = await importBillFile(clean, options(file, false));
      const { rows: lines } = await clean.query<Record<string, string | number | null>>(
        `SELECT line, kind, transaction_id, refund_no, merchant_order_no,
              (extract(epoch FROM paid_at) * 1000)::bigint AS paid_ms, to_char(day, 'YYYY-MM-DD') AS day,
              amount_fen, store_id, device_id, raw
       FROM bill_rows WHERE line <= 4 ORDER BY line`,
      );
      expect(lines).toHaveLength(3);
      const { id } = await claimImport(resumed, {
        provider: 'wechatpay',
        sha256: await sha256File(file),
        fileName: null,
        at: 0,
        by: 'test',
      });
      await writeLines(
        resumed,
        table,
        'wechatpay',
        id,
        lines.map((l) => ({
          line: Number(l.line),
          kind: l.kind as 'payment' | 'refund',
          transactionId: String(l.transaction_id),
          refundNo: String(l.refund_no),
          merchantOrderNo: String(l.merchant_order_no),
          paidAt: Number(l.paid_ms),
          day: String(l.day),
          amountFen: Number(l.amount_fen),
          storeId: l.store_id === null ? null : String(l.store_id),
          deviceId: String(l.device_id),
          // marked, to show the line is taken from the committed chunk rather than written again
          raw: `${l.raw}`.replace('`wx1', '`wx-resumed'),
        })),
      );
      const failing = dyingOnce(resumed, diesAt);
      await expect(importBillFile(failing, options(file, true))).rejects.toThrow('the process died');
      // every line written where the first chunk was, and none of them yet part of a reconciliation
      const { rows: waiting } = await resumed.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM ${table} WHERE import_id = $1`,
        [id],
      );
      expect(waiting[0]?.n).toBe(first.length);
      expect((await resumed.query('SELECT 1 FROM reconciliation_results')).rows).toEqual([]);

      const actual = await importBillFile(resumed, options(file, true));
      expect(comparable(actual)).toEqual(comparable(expected));
      const got = await outcome(resumed);
      const want = await outcome(clean);
      const marked = got.lines.filter((l) => String(l.raw).includes('wx-resumed'));
      expect(marked.map((l) => l.line).sort()).toEqual(lines.map((l) => l.line).sort());
      expect({
        ...got,
        lines: got.lines.map((l) => ({ ...l, raw: String(l.raw).replace('wx-resumed', 'wx1') })),
      }).toEqual(want);
      expect(got.staged).toEqual([{ n: 0 }]);
      expect((await importBillFile(resumed, options(file, true))).alreadyImported).toBe(true);
    },
    120_000,
  );

  // The lines of an import that died after writing them (before its matching) stay in bill_rows until
  // its file comes again; until then no other file's reconciliation of the same day counts them.
  it.each([true, false])(
    'a file of the same day reconciles as if an unfinished import were not there (in the store: %s)',
    async (matchInStore) => {
      const { orders, first, second } = fixture(12);
      const [unfinished, next] = [writeBill(first), writeBill(second)];
      const clean = await open();
      const db = await open();
      await seed(clean, orders);
      await seed(db, orders);
      const dying = dyingOnce(db, 'INSERT INTO bm_exact');
      await expect(importBillFile(dying, options(unfinished, true))).rejects.toThrow('the process died');
      const { rows: left } = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM bill_rows');
      expect(left[0]?.n).toBe(first.length);

      const expected = await importBillFile(clean, options(next, matchInStore));
      const actual = await importBillFile(db, options(next, matchInStore));
      expect(comparable(actual)).toEqual(comparable(expected));
      const finished = async (d: Database) => {
        const { imports, lines, ...rest } = await outcome(d);
        const done = await d.query<{ transaction_id: string }>(
          `SELECT transaction_id FROM bill_rows b JOIN bill_imports i ON i.id = b.import_id
           WHERE i.completed_at IS NOT NULL`,
        );
        const ids = new Set(done.rows.map((r) => r.transaction_id));
        return {
          ...rest,
          imports: imports.filter((i) => i.completed),
          lines: lines.filter((l) => ids.has(String(l.transaction_id))),
        };
      };
      expect(await finished(db)).toEqual(await finished(clean));
    },
    120_000,
  );
});
