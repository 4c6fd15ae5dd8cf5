// Matching a staged bill set-wise in SQL, with the results reconcile() (match-bill.ts) gives for the same
// lines and orders: exact by number (the first line by place in the bill takes an order), fuzzy over
// the candidate pairs a join on amount, order-number tail and window finds (paired by the same greedy
// walk, fuzzy-pairs.ts), the rest unmatched; the same days' lines from earlier imports take part, as in
// bill-matching.ts. Runs in one transaction on temporary tables (bill-set-match-queries.ts); only what
// the pending pool, the healer and the day results need comes back to this process, never the bill's lines.
import { type FuzzyCandidate, pairFuzzy } from '../domain/reconciliation/fuzzy-pairs.ts';
import { localDayRange } from '../domain/reconciliation/local-day.ts';
import {
  type BilledPayment,
  type ExactMatch,
  type FuzzyMatch,
  fuzzyReason,
  type PaidOrder,
  type Reconciliation,
  type ReconciliationTally,
  storeResultsOf,
} from '../domain/reconciliation/match-bill.ts';
import type { BillProvider } from '../ingest/bills/bill-row.ts';
import type { Database, Queryable } from '../store/database.ts';
import * as sql from './bill-set-match-queries.ts';
import * as outcome from './bill-set-match-results.ts';
import type { StagedBill } from './bill-stage.ts';
import type { LinesTable } from './bill-staging-queries.ts';

export interface SetMatchOptions {
  timeZone: string;
  windowMs: number;
  tailLength: number;
  deviceStores?: ReadonlyMap<string, string>;
}

export interface SetMatch {
  /** The pool's items and the day results; `exact` holds only the pairs an open pool item names. */
  result: Reconciliation;
  days: string[];
  /** This file's lines (not the earlier ones matched again with them). */
  matched: number;
  fuzzyMatched: number;
  unmatchedPayments: number;
}

/**
 * Matches the import's lines where they wait (`linesIn`). Lines already in bill_rows get their
 * matches in the same transaction; staged ones keep theirs in bill_import_matches until written.
 */
export async function matchStagedBill(
  db: Database,
  importId: number,
  linesIn: LinesTable,
  provider: BillProvider,
  bill: StagedBill,
  options: SetMatchOptions,
): Promise<SetMatch> {
  const days = [...bill.days].sort();
  return db.transaction(async (q) => {
    // The embedded store's memory is this process's, so it keeps its own work_mem.
    if (db.mode !== 'embedded') await sql.setWorkMem(q);
    await sql.createWorkTables(q);
    if (linesIn === 'bill_rows') await sql.analyzeBillRowsIfYoung(q, bill.rows);
    await loadLinesAndOrders(q, importId, linesIn, provider, bill, days, options);
    await sql.matchExact(q, bill.repeatedOrderNos);
    await sql.analyze(q, 'bm_exact');
    await sql.learnTills(q);
    await sql.collectLeftovers(q);
    await sql.collectFreeOrders(q);
    await sql.analyze(q, 'bm_left');
    await sql.analyze(q, 'bm_free');
    await sql.saveFuzzyPairs(q, await pairCandidates(q, options));
    await sql.collectUnmatchedPayments(q);
    await sql.collectUnmatchedOrders(q, provider, days, options.timeZone);
    const result = await reconciliationOf(q, provider, days, options.tailLength);
    const counts = await outcome.countsOfThisFile(q);
    await outcome.recordMatchesOfThisFile(q, importId);
    if (linesIn === 'bill_rows') await outcome.applyMatchesToStoredLines(q, provider, importId);
    await outcome.restateEarlierLines(q, provider);
    return {
      result,
      days,
      matched: counts.matched,
      fuzzyMatched: counts.fuzzy,
      unmatchedPayments: counts.unmatched,
    };
  });
}

/** The lines (this file's, then the earlier ones), and the orders the matcher's list would hold, in its order. */
async function loadLinesAndOrders(
  q: Queryable,
  importId: number,
  linesIn: LinesTable,
  provider: BillProvider,
  bill: StagedBill,
  days: readonly string[],
  { timeZone, windowMs, deviceStores }: SetMatchOptions,
): Promise<void> {
  await sql.loadThisFilesPayments(q, linesIn, importId);
  await sql.loadEarlierPayments(q, importId, provider, days);
  await sql.analyze(q, 'bm_pay');
  if (days.length > 0) {
    const from = Math.min(localDayRange(days[0]!, timeZone)[0] - windowMs, bill.minAt - windowMs);
    const to = Math.max(localDayRange(days[days.length - 1]!, timeZone)[1] + windowMs, bill.maxAt + windowMs);
    await sql.loadPaidOrdersInRange(q, provider, from, to);
    await sql.analyze(q, 'bm_ord');
    await sql.loadOrdersNamed(q, 'this file');
    await sql.loadOrdersNamed(q, 'earlier lines');
  }
  await sql.loadDeviceStores(q, deviceStores ?? new Map());
  await sql.analyze(q, 'bm_ord');
}

/** The fuzzy candidates, paired in this process by the matcher's own walk. */
async function pairCandidates(q: Queryable, { tailLength, windowMs }: SetMatchOptions) {
  const byPayment = new Map<number, FuzzyCandidate>();
  for (const r of await sql.fuzzyCandidates(q, tailLength, windowMs)) {
    const pos = Number(r.pos);
    let c = byPayment.get(pos);
    if (!c) {
      c = { pos, paidAt: Number(r.paid_ms), orders: [] };
      byPayment.set(pos, c);
    }
    c.orders.push({ orderId: r.order_id, paidAt: Number(r.order_ms), seq: Number(r.seq) });
  }
  return pairFuzzy([...byPayment.values()], windowMs);
}

async function reconciliationOf(
  q: Queryable,
  provider: BillProvider,
  days: readonly string[],
  tailLength: number,
): Promise<Reconciliation> {
  const pair = (r: outcome.PaymentRow & outcome.OrderRow): ExactMatch => ({
    payment: paymentOf(provider, r),
    order: orderOf(r),
  });
  const tallies = (await outcome.tallies(q, days)).map(tallyOf).sort(byDayStoreDevice);
  return {
    exact: (await outcome.exactPairsNamedByPool(q)).map(pair),
    amountMismatches: (await outcome.amountMismatches(q)).map(pair),
    fuzzy: (await outcome.fuzzyPairs(q)).map((r): FuzzyMatch => {
      const payment = paymentOf(provider, r);
      const tail = payment.merchantOrderNo.slice(-tailLength);
      return { payment, order: orderOf(r), reason: fuzzyReason(payment.amountFen, tail, Number(r.delta_ms)) };
    }),
    unmatchedPayments: (await outcome.unmatchedPayments(q)).map((r) => ({
      payment: paymentOf(provider, r),
      storeId: r.unpaid_store,
      day: r.day,
      ...(r.duplicate_of !== null && { duplicateOf: r.duplicate_of }),
    })),
    unmatchedOrders: (await outcome.unmatchedOrders(q)).map((r) => ({ order: orderOf(r), day: r.day })),
    refunds: tallies.reduce((n, t) => n + t.refunds, 0),
    tallies,
    storeResults: storeResultsOf(tallies),
  };
}

function paymentOf(provider: BillProvider, r: outcome.PaymentRow): BilledPayment & { line?: number } {
  return {
    provider,
    transactionId: r.transaction_id,
    merchantOrderNo: r.merchant_order_no,
    paidAt: Number(r.paid_ms),
    amountFen: Number(r.amount_fen),
    kind: 'payment',
    ...(r.store_id !== null && { storeId: r.store_id }),
    deviceId: r.device_id,
    ...(r.line !== null && { line: r.line }),
  };
}

const orderOf = (r: outcome.OrderRow): PaidOrder => ({
  orderId: r.order_id,
  storeId: r.order_store_id,
  amountFen: Number(r.order_fen),
  paidAt: Number(r.order_ms),
});

const tallyOf = (r: outcome.TallyRow): ReconciliationTally => ({
  day: r.day,
  storeId: r.store_id,
  deviceId: r.device_id,
  payments: r.payments,
  orders: r.orders,
  matched: r.matched,
  fuzzyMatched: r.fuzzy_matched,
  unmatchedPayments: r.unmatched_payments,
  unmatchedOrders: r.unmatched_orders,
  paymentsFen: Number(r.payments_fen),
  unmatchedPaymentsFen: Number(r.unmatched_payments_fen),
  refunds: r.refunds,
  refundsFen: Number(r.refunds_fen),
});

const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
const byDayStoreDevice = (a: ReconciliationTally, b: ReconciliationTally) =>
  cmp(a.day, b.day) || cmp(a.storeId, b.storeId) || cmp(a.deviceId, b.deviceId);
