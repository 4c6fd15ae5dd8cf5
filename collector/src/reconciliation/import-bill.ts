// Importing one provider bill: hash → (already imported? done) → parse and match it against the orders
// of the days it covers → store its lines in chunks → results per day/store/device and the pending pool.
// The import counts as done only once its last step commits; an unfinished one is redone by the next
// upload of the same file, so a bill is in the end either fully reconciled or not reported at all.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { localDayFn } from '../domain/reconciliation/local-day.ts';
import {
  DEFAULT_FUZZY_WINDOW_MS,
  DEFAULT_TAIL_LENGTH,
  type ReconciliationTally,
  type StoreReconciliationResult,
} from '../domain/reconciliation/match-bill.ts';
import type { AutoResolution } from '../domain/reconciliation/pending-healing.ts';
import type { BillProvider } from '../ingest/bills/bill-row.ts';
import { type BillLimits, DEFAULT_BILL_LIMITS } from '../ingest/bills/bill-text.ts';
import { appendAudit } from '../store/audit-log.ts';
import { type Database, StoreUnavailableError } from '../store/database.ts';
import {
  type BillImportRecord,
  claimImport,
  findImportByHash,
  finishImport,
  holdFileImport,
  replaceResults,
} from './bill-import-queries.ts';
import { EMBEDDED_SAVE_CHUNK, restateEarlierMatches, SAVE_CHUNK, saveBillLines } from './bill-lines-save.ts';
import { matchBill } from './bill-matching.ts';
import { scanBill } from './bill-scan.ts';
import { WORK_MEM } from './bill-set-match-queries.ts';
import { matchStagedBill } from './bill-set-matching.ts';
import { stageBill, type WrittenBill } from './bill-stage.ts';
import { clearStaged, dropRefusedImport, writeStagedLines } from './bill-staging-queries.ts';
import { settleByBill } from './pending-healer.ts';
import { fillPendingPool } from './pending-pool-fill.ts';

export interface ImportBillOptions {
  provider: BillProvider;
  /** The bill on disk (the HTTP route spools the upload first, so it can hash before importing). */
  filePath: string;
  fileName?: string;
  actor: string;
  now: number;
  timeZone: string;
  tailLength?: number;
  windowMs?: number;
  deviceStores?: ReadonlyMap<string, string>;
  /** Size, line-length and compression limits for the file; the defaults otherwise. */
  limits?: BillLimits;
  /** Called every few thousand lines while parsing, and once at the end. */
  onProgress?: (progress: ImportProgress) => void;
  /**
   * Match in the store (lines written there in committed chunks as the file is read, then matched
   * set-wise) rather than in this process; the default where the store has COPY (PostgreSQL), not on
   * the embedded store.
   */
  matchInStore?: boolean;
  /** Lines per committed chunk on that path (STAGE_CHUNK); smaller only to cross chunk borders in tests. */
  stageChunkLines?: number;
}

export interface ImportProgress {
  phase: 'parsing' | 'matching' | 'saving';
  rows: number;
  bytesRead: number;
  totalBytes: number;
}

export interface ImportBillResult {
  record: BillImportRecord;
  /** True when this exact file was imported before: nothing changed. */
  alreadyImported: boolean;
  /** Per store and day, for the reconciliation_mismatch rule (empty on a repeat import). */
  storeResults: StoreReconciliationResult[];
  pendingAdded: number;
  /** Earlier pool items this bill explained and resolved automatically. */
  autoResolved: AutoResolution[];
}

export async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** Same-file imports running in this process, by store, so a second upload waits for the first. */
const running = new WeakMap<Database, Map<string, Promise<ImportBillResult>>>();

export async function importBillFile(db: Database, options: ImportBillOptions): Promise<ImportBillResult> {
  const { provider } = options;
  const sha256 = await sha256File(options.filePath);
  const previous = await findImportByHash(db, provider, sha256);
  if (previous) return repeatOf(previous);
  let inProcess = running.get(db);
  if (!inProcess) {
    inProcess = new Map();
    running.set(db, inProcess);
  }
  const key = `${provider}:${sha256}`;
  const first = inProcess.get(key);
  if (first) {
    const done = await first.then(
      (r) => r,
      () => undefined,
    );
    if (done) return repeatOf(done.record);
  }
  const attempt = holdingFile(db, provider, sha256, async () => {
    // another collector may have finished the file while this one waited for it
    const done = await findImportByHash(db, provider, sha256);
    if (done) return repeatOf(done);
    return (options.matchInStore ?? db.copyIn !== undefined)
      ? importStaged(db, options, sha256)
      : importInChunks(db, options, sha256);
  });
  inProcess.set(key, attempt);
  try {
    return await attempt;
  } finally {
    if (inProcess.get(key) === attempt) inProcess.delete(key);
  }
}

/**
 * Runs `importFile` holding the file's lock. Two collectors on one PostgreSQL given the same file at
 * once (an upload retried through another ingress node) would otherwise write the same import's lines
 * together, and a refusal by one would delete the other's. The second waits for the first, then finds
 * it finished; a collector that dies mid-import drops the lock with its connection, and the one
 * waiting resumes the import. The embedded store is one process, and its one connection must not be
 * held meanwhile: there the wait in this process is the whole of it.
 */
function holdingFile(
  db: Database,
  provider: BillProvider,
  sha256: string,
  importFile: () => Promise<ImportBillResult>,
): Promise<ImportBillResult> {
  if (db.mode === 'embedded') return importFile();
  return db.transaction(async (tx) => {
    await holdFileImport(tx, provider, sha256);
    return importFile();
  });
}

const repeatOf = (record: BillImportRecord): ImportBillResult => ({
  record,
  alreadyImported: true,
  storeResults: [],
  pendingAdded: 0,
  autoResolved: [],
});

/**
 * Claims the import of this file, or answers as a repeat when another upload finished it first (the
 * race the claim settles: two uploads of one file, each past the first look for an earlier import).
 */
async function claimOrRepeat(
  db: Database,
  options: ImportBillOptions,
  sha256: string,
): Promise<{ id: number } | { repeat: ImportBillResult }> {
  const { provider } = options;
  const claim = await claimImport(db, {
    provider,
    sha256,
    fileName: options.fileName ?? null,
    at: options.now,
    by: options.actor,
  });
  if (claim.completed) {
    const winner = await findImportByHash(db, provider, sha256);
    if (winner) return { repeat: repeatOf(winner) };
  }
  return { id: claim.id };
}

/**
 * Parses and matches with no connection held; then writes the lines in chunks, each its own statement,
 * so events (on the embedded store: everything) get the connection between chunks; then one short
 * transaction records the day results and marks the import done. A failure part-way leaves an
 * unfinished import that the next upload of the file completes.
 */
async function importInChunks(
  db: Database,
  options: ImportBillOptions,
  sha256: string,
): Promise<ImportBillResult> {
  const { provider, timeZone } = options;
  const dayOf = localDayFn(timeZone);
  const limits = options.limits ?? DEFAULT_BILL_LIMITS;
  const totalBytes = (await stat(options.filePath)).size;
  const progress = (phase: ImportProgress['phase']) => (rows: number, bytesRead: number) =>
    options.onProgress?.({ phase, rows, bytesRead, totalBytes });
  const scan = await scanBill(provider, options.filePath, { limits, dayOf, onRows: progress('parsing') });
  progress('matching')(scan.rows, scan.bytesRead);
  const match = await matchBill(db, provider, scan, {
    timeZone,
    dayOf,
    windowMs: options.windowMs ?? DEFAULT_FUZZY_WINDOW_MS,
    ...(options.tailLength !== undefined && { tailLength: options.tailLength }),
    ...(options.deviceStores !== undefined && { deviceStores: options.deviceStores }),
  });
  const { result, earlierSet } = match;
  const sortedDays = match.days;
  const { rows: parsed, refunds, summary, rejectedRows, rejectedRowsTotal } = scan;
  const tallies = result.tallies;

  const claim = await claimOrRepeat(db, options, sha256);
  if ('repeat' in claim) return claim.repeat;
  const importId = claim.id;

  progress('saving')(parsed, scan.bytesRead);
  await saveBillLines(
    db,
    importId,
    provider,
    options.filePath,
    match,
    { limits, dayOf, onRows: progress('saving') },
    db.mode === 'embedded' ? EMBEDDED_SAVE_CHUNK : SAVE_CHUNK,
  );
  await restateEarlierMatches(db, provider, match);
  const autoResolved = await settleByBill(db, provider, result, importId, options.now);
  const pendingAdded = await fillPendingPool(db, provider, result, dayOf, importId, options.now);
  return finishBill(db, options, sha256, importId, {
    counts: {
      rows: parsed,
      refunds,
      declaredRows: summary?.declaredRows ?? null,
      firstDay: sortedDays[0] ?? null,
      lastDay: sortedDays[sortedDays.length - 1] ?? null,
      // this file's lines; unmatched orders are the days' (every file of them together)
      matched: result.exact.filter((m) => !earlierSet.has(m.payment)).length,
      fuzzyMatched: result.fuzzy.filter((m) => !earlierSet.has(m.payment)).length,
      unmatchedPayments: result.unmatchedPayments.filter((u) => !earlierSet.has(u.payment)).length,
      unmatchedOrders: result.unmatchedOrders.length,
      rejectedRows,
      rejectedRowsTotal,
    },
    header: summary?.header ?? [],
    days: sortedDays,
    tallies,
    storeResults: result.storeResults,
    pendingAdded,
    autoResolved,
  });
}

interface BillOutcome {
  counts: Parameters<typeof finishImport>[2];
  header: readonly string[];
  days: readonly string[];
  tallies: readonly ReconciliationTally[];
  storeResults: StoreReconciliationResult[];
  pendingAdded: number;
  autoResolved: AutoResolution[];
}

/** One short transaction: the day results, the import's counts, done; and the audit entry. */
async function finishBill(
  db: Database,
  options: ImportBillOptions,
  sha256: string,
  importId: number,
  outcome: BillOutcome,
): Promise<ImportBillResult> {
  const { provider } = options;
  const finished = await db.transaction(async (tx) => {
    const record = await finishImport(tx, importId, outcome.counts, outcome.header, options.now);
    // Another process finished the same file first; its results stand.
    if (!record) return undefined;
    await replaceResults(tx, provider, importId, outcome.days, outcome.tallies);
    await appendAudit(tx, {
      at: options.now,
      actor: options.actor,
      action: 'bill.import',
      target: `bill-import/${importId}`,
      details: {
        provider,
        sha256,
        file_name: options.fileName ?? null,
        rows: outcome.counts.rows,
        matched: record.matched,
        fuzzy_matched: record.fuzzyMatched,
        unmatched_payments: record.unmatchedPayments,
        unmatched_orders: record.unmatchedOrders,
        rejected_rows: outcome.counts.rejectedRowsTotal,
      },
    });
    return record;
  });
  if (!finished) {
    const winner = await findImportByHash(db, provider, sha256);
    if (!winner)
      throw new Error(`bill import ${importId} was finished by another process but cannot be read`);
    return repeatOf(winner);
  }
  return {
    record: finished,
    alreadyImported: false,
    storeResults: outcome.storeResults,
    pendingAdded: outcome.pendingAdded,
    autoResolved: outcome.autoResolved,
  };
}

/**
 * Lines per chunk written as the file is read. Each chunk's commit waits for its WAL to reach disk, so
 * an event committed meanwhile never has more than one chunk's WAL (~2 MB) to flush before its own:
 * with 20,000-line chunks committed without waiting, the acks over a 1M-line import had a p99 of 35–63
 * ms against 32–38 ms (BENCHMARKS §23).
 */
const STAGE_CHUNK = 5_000;
/** Lines per statement writing staged lines to bill_rows. */
const WRITE_CHUNK = 50_000;

/**
 * Claims the import, then reads the file once, writing its lines in committed chunks straight into
 * bill_rows (or staging, when they meet stored lines), resuming after the last chunk an interrupted
 * attempt committed; matches them set-wise in one transaction, which also records how the lines in
 * bill_rows matched; writes staged lines, if any, to bill_rows in committed chunks; then finishes as
 * the in-process path does. Memory holds a chunk, not the bill.
 */
async function importStaged(
  db: Database,
  options: ImportBillOptions,
  sha256: string,
): Promise<ImportBillResult> {
  const { provider, timeZone } = options;
  const dayOf = localDayFn(timeZone);
  const limits = options.limits ?? DEFAULT_BILL_LIMITS;
  const totalBytes = (await stat(options.filePath)).size;
  const progress = (phase: ImportProgress['phase']) => (rows: number, bytesRead: number) =>
    options.onProgress?.({ phase, rows, bytesRead, totalBytes });
  const claim = await claimOrRepeat(db, options, sha256);
  if ('repeat' in claim) return claim.repeat;
  const importId = claim.id;
  let written: WrittenBill;
  try {
    written = await stageBill(
      db,
      importId,
      provider,
      options.filePath,
      { limits, timeZone, onRows: progress('parsing') },
      options.stageChunkLines ?? STAGE_CHUNK,
    );
  } catch (error) {
    // A refused file leaves nothing; a store that went away keeps what it committed for the next attempt.
    if (!(error instanceof StoreUnavailableError)) await dropRefusedImport(db, importId).catch(() => {});
    throw error;
  }
  const { bill, linesIn } = written;
  progress('matching')(bill.rows, bill.bytesRead);
  const match = await matchStagedBill(db, importId, linesIn, provider, bill, {
    timeZone,
    windowMs: options.windowMs ?? DEFAULT_FUZZY_WINDOW_MS,
    tailLength: options.tailLength ?? DEFAULT_TAIL_LENGTH,
    ...(options.deviceStores !== undefined && { deviceStores: options.deviceStores }),
  });
  progress('saving')(bill.rows, bill.bytesRead);
  if (linesIn === 'bill_import_staged') {
    for (let from = 0; from < bill.lastLine; from += WRITE_CHUNK) {
      await writeStagedLines(db, WORK_MEM, importId, from, from + WRITE_CHUNK);
    }
  }
  const { result } = match;
  const autoResolved = await settleByBill(db, provider, result, importId, options.now);
  const pendingAdded = await fillPendingPool(db, provider, result, dayOf, importId, options.now);
  const outcome = await finishBill(db, options, sha256, importId, {
    counts: {
      rows: bill.rows,
      refunds: bill.refunds,
      declaredRows: bill.summary?.declaredRows ?? null,
      firstDay: match.days[0] ?? null,
      lastDay: match.days[match.days.length - 1] ?? null,
      matched: match.matched,
      fuzzyMatched: match.fuzzyMatched,
      unmatchedPayments: match.unmatchedPayments,
      unmatchedOrders: result.unmatchedOrders.length,
      rejectedRows: bill.rejectedRows,
      rejectedRowsTotal: bill.rejectedRowsTotal,
    },
    header: bill.summary?.header ?? [],
    days: match.days,
    tallies: result.tallies,
    storeResults: result.storeResults,
    pendingAdded,
    autoResolved,
  });
  await clearStaged(db, importId);
  return outcome;
}
