// Staging parses the bill on a worker thread: the chunks, the bill's figures (rows, days, rejected
// rows, summary) and its errors are those of the same parse on this thread; the worker runs at most a
// few chunks ahead of the store and never outlives the import; and an import whose store failed
// part-way through staging resumes after what it committed.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { BillFormatError } from '../../src/ingest/bills/bill-row.ts';
import { BillEncodingError, BillLimitError, DEFAULT_BILL_LIMITS } from '../../src/ingest/bills/bill-text.ts';
import {
  emptyStagedBill,
  type StageChunk,
  type StagedBill,
  type StageJob,
  stageChunks,
} from '../../src/reconciliation/bill-stage-chunks.ts';
import { stageChunksOnWorker, stageWorkersRunning } from '../../src/reconciliation/bill-stage-thread.ts';
import { lineCopyPrefix, lineCopyRow } from '../../src/reconciliation/bill-staged-copy.ts';
import { importBillFile } from '../../src/reconciliation/import-bill.ts';
import { type Database, StoreUnavailableError } from '../../src/store/database.ts';
import { WECHAT_HEADER, WECHAT_SUMMARY_HEADER, wechatRow } from '../support/hostile-bills.ts';
import { storesPerTest } from '../support/stores-per-test.ts';
import { STORE_KINDS } from '../support/test-database.ts';

/** The statement that writes a chunk of lines on the embedded store (COPY on PostgreSQL). */
const WRITES_LINES = /INSERT INTO (bill_rows|bill_import_staged) \(provider, import_id,/;

const tmp = mkdtempSync(join(tmpdir(), 'op-bill-stage-worker-'));
let files = 0;
function writeFile(content: string | Buffer): string {
  const path = join(tmp, `bill-${++files}.csv`);
  writeFileSync(path, content);
  return path;
}

const time = (i: number) => {
  const s = i % 86_400;
  const hh = String(Math.floor(s / 3600)).padStart(2, '0');
  const mm = String(Math.floor(s / 60) % 60).padStart(2, '0');
  const ss = String(s % 60).padStart(2, '0');
  return `2024-06-0${1 + Math.floor(i / 86_400) + (i % 3 === 0 ? 1 : 0)} ${hh}:${mm}:${ss}`;
};

/**
 * A WeChat bill with every kind of line a parse has to get right: payments over two days, refunds,
 * a status not reconciled, rows that are rejected (a bad time, a bad amount, a missing column), a
 * line a spreadsheet re-saved with quotes, escapes COPY must write, and the summary.
 */
function mixedBill(rows: number): string {
  const lines = [WECHAT_HEADER];
  for (let i = 0; i < rows; i++) {
    const row = wechatRow({
      time: time(i * 7),
      device: `POS-${i % 3}`,
      txn: `T${i}`,
      order: `S${i % 5}-${i}`,
      yuan: ((100 + (i % 900)) / 100).toFixed(2),
      attach: i % 4 === 0 ? `{"store_id":"S${i % 5}"}` : '',
      product: i % 11 === 0 ? 'tea\\with a backslash' : 'tea',
    });
    if (i % 97 === 5) lines.push(row.replace('`SUCCESS', '`REFUND').replace('`0,`0,', '`R1,`RF1,'));
    else if (i % 89 === 6) lines.push(row.replace('`SUCCESS', '`REVOKED'));
    else if (i % 83 === 7) lines.push(row.replace(/^`[^,]*/, '`yesterday'));
    else if (i % 79 === 8) lines.push(row.replace('`0.60%,`', '`0.60%,`x'));
    else if (i % 73 === 9) lines.push(row.slice(0, row.lastIndexOf(',')));
    else if (i % 71 === 10) lines.push(row.replaceAll('`', '').replace(',tea,', ',"tea, with a comma",'));
    else lines.push(row);
  }
  lines.push(WECHAT_SUMMARY_HEADER, `\`${rows},\`1.00,\`0.00,\`0.00,\`0.00000,\`1.00,\`0.00`);
  return `${lines.join('\n')}\n`;
}

const job = (filePath: string, over: Partial<StageJob> = {}): StageJob => ({
  provider: 'wechatpay',
  filePath,
  limits: DEFAULT_BILL_LIMITS,
  timeZone: 'Asia/Shanghai',
  importId: 1,
  resumeAfter: 0,
  chunkRows: 1000,
  as: 'copy',
  ...over,
});

interface Staged {
  chunks: (string | StageChunk['lines'])[];
  bill: StagedBill;
  progress: [number, number][];
}

type Producer = typeof stageChunks;
const onWorker: Producer = (j, bill, onRows) => stageChunksOnWorker(j, bill, onRows);

async function staged(produce: Producer, j: StageJob): Promise<Staged> {
  const bill = emptyStagedBill();
  const progress: [number, number][] = [];
  const chunks: Staged['chunks'] = [];
  for await (const chunk of produce(j, bill, (rows, bytes) => progress.push([rows, bytes]))) {
    chunks.push(chunk.copy ? Buffer.from(chunk.copy).toString('utf8') : chunk.lines);
  }
  return { chunks, bill, progress };
}

async function failure(produce: Producer, j: StageJob): Promise<unknown> {
  try {
    await staged(produce, j);
  } catch (error) {
    return error;
  }
  throw new Error('the bill was accepted');
}

describe('a bill parsed for staging on a worker thread', () => {
  afterEach(() => {
    expect(stageWorkersRunning()).toBe(0);
  });

  it.each(['copy', 'lines'] as const)(
    'gives the chunks, figures and progress of the same parse on this thread (%s)',
    async (as) => {
      const file = writeFile(mixedBill(23_000));
      for (const resumeAfter of [0, 4321]) {
        const j = job(file, { as, resumeAfter });
        const here = await staged(stageChunks, j);
        const there = await staged(onWorker, j);
        expect(there).toEqual(here);
        // the bill really has what the comparison is about
        expect(here.bill.rows).toBeGreaterThan(21_000);
        expect(here.bill.refunds).toBeGreaterThan(200);
        expect(here.bill.days.size).toBe(3);
        expect(here.bill.rejectedRows).toHaveLength(100);
        expect(here.bill.rejectedRowsTotal).toBeGreaterThan(800);
        expect(here.bill.summary?.declaredRows).toBe(23_000);
        expect(here.bill.summary?.skipped.REVOKED).toBeGreaterThan(200);
        expect(here.progress.map(([rows]) => rows)).toEqual([10_000, 20_000]);
        expect(here.chunks.length).toBeGreaterThan(15);
      }
    },
    120_000,
  );

  it('writes as COPY text exactly the lines the embedded store inserts', async () => {
    const file = writeFile(mixedBill(3000));
    const copy = await staged(onWorker, job(file, { as: 'copy' }));
    const lines = await staged(onWorker, job(file, { as: 'lines' }));
    const prefix = lineCopyPrefix('wechatpay', 1);
    expect(copy.chunks).toEqual(
      lines.chunks.map((chunk) =>
        (chunk as NonNullable<StageChunk['lines']>).map((l) => lineCopyRow(prefix, l)).join(''),
      ),
    );
    expect(copy.chunks.join('')).toContain('tea\\\\with a backslash');
  });

  it('refuses what this thread refuses, with the same error', async () => {
    const long = `${WECHAT_HEADER}\n\`${'x'.repeat(3000)}\n`;
    const cases: [string, Partial<StageJob>, new (...args: never[]) => Error][] = [
      [writeFile('order_id,amount\nA1,1.00\n'), {}, BillFormatError],
      [writeFile(long), { limits: { ...DEFAULT_BILL_LIMITS, maxLineBytes: 1000 } }, BillLimitError],
      [writeFile(gzipSync(mixedBill(2000)).subarray(0, 5000)), {}, BillEncodingError],
      [join(tmp, 'no-such-bill.csv'), {}, Error],
    ];
    for (const [file, over, kind] of cases) {
      const j = job(file, over);
      const here = await failure(stageChunks, j);
      const there = await failure(onWorker, j);
      expect(here).toBeInstanceOf(kind);
      expect(there).toBeInstanceOf(kind);
      expect((there as Error).constructor).toBe((here as Error).constructor);
      const fields = (e: unknown) => {
        const { stack: _, ...rest } = Object.fromEntries(Object.entries(e as object));
        return { ...rest, message: (e as Error).message, name: (e as Error).name };
      };
      expect(fields(there)).toEqual(fields(here));
    }
  });

  it('parses at most the chunks it may run ahead of the store, then waits for them to be taken', async () => {
    const file = writeFile(mixedBill(6000));
    const bill = emptyStagedBill();
    const waits: number[] = [];
    let waited: (() => void) | undefined;
    const chunks = stageChunksOnWorker(job(file, { chunkRows: 200 }), bill, () => {}, {
      ahead: 2,
      onWaiting: (untaken) => {
        waits.push(untaken);
        waited?.();
      },
    });
    let taken = 0;
    for await (const _ of chunks) {
      // the store is slow with the first chunk: the worker must stop rather than parse the rest
      if (taken++ === 0 && waits.length === 0) await new Promise<void>((resolve) => (waited = resolve));
    }
    expect(waits.length).toBeGreaterThan(0);
    expect(Math.max(...waits)).toBeLessThanOrEqual(2);
    expect(taken).toBe(Math.ceil(bill.rows / 200));
  }, 60_000);

  it('stops the worker when the store fails and the import leaves the loop', async () => {
    const file = writeFile(mixedBill(5000));
    const bill = emptyStagedBill();
    let seen = 0;
    await expect(
      (async () => {
        for await (const _ of stageChunksOnWorker(job(file, { chunkRows: 100 }), bill, () => {})) {
          if (++seen === 2) throw new Error('the store went away');
        }
      })(),
    ).rejects.toThrow('the store went away');
    expect(stageWorkersRunning()).toBe(0);
  });
});

describe.each(STORE_KINDS)('staging a bill on a worker thread (%s)', (kind) => {
  const open = storesPerTest(kind);
  afterEach(() => {
    expect(stageWorkersRunning()).toBe(0);
  });

  // committed staging chunks of this many lines, so a bill of a few chunks stays small
  const CHUNK = 2_000;
  const options = (filePath: string, matchInStore: boolean) => ({
    provider: 'wechatpay' as const,
    filePath,
    actor: 'test',
    now: Date.parse('2024-06-05T09:00:00Z'),
    timeZone: 'Asia/Shanghai',
    matchInStore,
    stageChunkLines: CHUNK,
  });

  it('refuses a bill part-way as the in-process import does, and drops what it wrote', async () => {
    const db = await open();
    // over a chunk of rows read, then a line past the limit: the first chunk is written by then
    const file = writeFile(
      mixedBill(CHUNK + 250).replace(
        WECHAT_SUMMARY_HEADER,
        `\`${'x'.repeat(3000)}\n${WECHAT_SUMMARY_HEADER}`,
      ),
    );
    const limits = { ...DEFAULT_BILL_LIMITS, maxLineBytes: 1000 };
    const inProcess = await importBillFile(db, { ...options(file, false), limits }).catch((e: unknown) => e);
    let written = 0;
    const counting: Database = {
      mode: db.mode,
      query: (statement, values) => {
        if (typeof statement === 'string' && WRITES_LINES.test(statement)) written++;
        return db.query(statement, values);
      },
      transaction: (fn) => db.transaction(fn),
      close: () => db.close(),
      ...(db.copyIn && {
        copyIn: (statement: string, data: string | Uint8Array) => {
          written++;
          return db.copyIn?.(statement, data) as Promise<void>;
        },
      }),
    };
    const inStore = await importBillFile(counting, { ...options(file, true), limits }).catch(
      (e: unknown) => e,
    );
    expect(inStore).toBeInstanceOf(BillLimitError);
    expect(inProcess).toBeInstanceOf(BillLimitError);
    expect((inStore as BillLimitError).message).toBe((inProcess as BillLimitError).message);
    expect((inStore as BillLimitError).line).toBe((inProcess as BillLimitError).line);
    expect((inStore as BillLimitError).tooLarge).toBe(false);
    expect(written).toBe(1);
    const { rows } = await db.query<{ staged: number; stored: number; imports: number }>(
      `SELECT (SELECT count(*)::int FROM bill_import_staged) AS staged, (SELECT count(*)::int FROM bill_rows) AS stored,
              (SELECT count(*)::int FROM bill_imports) AS imports`,
    );
    expect(rows[0]).toEqual({ staged: 0, stored: 0, imports: 0 });
  }, 180_000);

  it('resumes after the chunks committed before the store failed, with the same outcome', async () => {
    const file = writeFile(mixedBill(CHUNK + 600));
    const clean = await open();
    const expected = await importBillFile(clean, options(file, true));
    const db = await open();
    // the store fails on the second chunk: the first, committed, stays in bill_rows
    let chunks = 0;
    const failAt2 = async <T>(write: () => Promise<T>): Promise<T> => {
      if (++chunks === 2) throw new StoreUnavailableError(new Error('connection reset'));
      return write();
    };
    const failing: Database = {
      mode: db.mode,
      query: (statement, values) =>
        typeof statement === 'string' && WRITES_LINES.test(statement)
          ? failAt2(() => db.query(statement, values))
          : db.query(statement, values),
      transaction: (fn) => db.transaction(fn),
      close: () => db.close(),
      ...(db.copyIn && {
        copyIn: (statement: string, data: string | Uint8Array) =>
          failAt2(() => db.copyIn?.(statement, data) as Promise<void>),
      }),
    };
    await expect(importBillFile(failing, options(file, true))).rejects.toBeInstanceOf(StoreUnavailableError);
    const { rows } = await db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM bill_rows
       WHERE import_id IN (SELECT id FROM bill_imports WHERE completed_at IS NULL)`,
    );
    expect(rows[0]?.n).toBe(CHUNK);
    const resumed = await importBillFile(failing, options(file, true));
    expect(chunks).toBe(3);
    const sameParts = (r: typeof expected) => ({ ...r, record: { ...r.record, id: 0, importedAt: 0 } });
    expect(sameParts(resumed)).toEqual(sameParts(expected));
    const lines = (d: Database) =>
      d.query(
        'SELECT line, kind, transaction_id, refund_no, amount_fen, day::text, raw FROM bill_rows ORDER BY line',
      );
    expect((await lines(db)).rows).toEqual((await lines(clean)).rows);
  }, 180_000);
});
