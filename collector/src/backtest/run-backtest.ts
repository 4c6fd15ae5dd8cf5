// POST /v1/rules/backtest, behind the route: check the draft like `rules check`, then replay the
// window's stored events through its rules with the order facts the engine would have had.
// When the draft's conditions allow it, only the orders that can fire are replayed (a sound SQL
// test picks them, orderPreselection): the firings are the full replay's, the events evaluated are
// counted in SQL. Otherwise every event is replayed in keyset pages.
// Bounded: the window is at most 7 days, events come in pages, the sample and the store list are
// capped, and a replay that runs past its time budget stops and says where.

import { toEngineRule } from '../alerting/rule-set-adapter.ts';
import { Backtest, type BacktestResult, MAX_BACKTEST_RULES } from '../domain/rules/backtest.ts';
import { checkDraftRules } from '../rules-config/draft-rules.ts';
import { fileError, type LoadError } from '../rules-config/load-error.ts';
import { problem } from '../rules-config/problem.ts';
import type { RoutingConfig } from '../rules-config/routes.ts';
import type { Database } from '../store/database.ts';
import { eventOrder } from '../store/event-order.ts';
import { replayEvents } from '../store/event-replay.ts';
import { countEvents, replaySelectedOrders, SELECTION_FIRST_PARAM } from '../store/preselected-replay.ts';
import { orderPreselection } from './order-preselection.ts';

export const MAX_WINDOW_MS = 7 * 24 * 3_600_000;
/** Orders get their facts from events up to this long before the window (the engine keeps a finished order a day). */
export const WARM_UP_MS = 24 * 3_600_000;
export const SAMPLE_LIMIT = 100;
export const TOP_STORES = 20;

export interface BacktestRequest {
  /** The draft custom rules file. */
  text: string;
  /** Its name under custom/ (for error positions). */
  file: string;
  from: number;
  to: number;
}

export interface BacktestLimits {
  sampleLimit?: number;
  topStores?: number;
  /** Stop replaying after this long (wall clock); default 60 s. */
  budgetMs?: number;
  pageRows?: number;
  /** False: replay every order even when the draft allows choosing them (the reference figure). */
  preselect?: boolean;
  /**
   * How many connections the chosen orders are split over (a power of two); default 2 on
   * PostgreSQL, 1 on the embedded store.
   */
  parts?: number;
}

export type BacktestOutcome =
  | { ok: true; result: BacktestResult; from: number; to: number; scannedTo: number; complete: boolean }
  | { ok: false; errors: LoadError[] };

export async function runBacktest(
  db: Database,
  routing: RoutingConfig | undefined,
  request: BacktestRequest,
  limits: BacktestLimits = {},
  clock: () => number = performance.now.bind(performance),
): Promise<BacktestOutcome> {
  const checked = checkDraftRules(request.file, request.text, routing);
  if (!checked.ok) return checked;
  if (checked.rules.length > MAX_BACKTEST_RULES) {
    return {
      ok: false,
      errors: [
        {
          ...fileError(
            `custom/${request.file}`,
            problem('ruleError.backtestTooManyRules', { max: MAX_BACKTEST_RULES }),
          ),
          field: 'rules',
        },
      ],
    };
  }
  // Disabled rules are tried too: a draft is usually switched off until it has been tried. The
  // compiled condition is called only through the engine's interface (toEngineRule), whatever
  // evaluator compiled it.
  const rules = checked.rules.map((rule) => toEngineRule({ ...rule, matches: rule.holds }));
  const backtestOptions = {
    from: request.from,
    sampleLimit: limits.sampleLimit ?? SAMPLE_LIMIT,
    topStores: limits.topStores ?? TOP_STORES,
    retainFinishedMs: WARM_UP_MS,
  };
  const started = clock();
  const budget = limits.budgetMs ?? 60_000;
  const warmFrom = request.from - WARM_UP_MS;
  const selection =
    limits.preselect === false
      ? undefined
      : orderPreselection(
          checked.rules.map((rule) => ({ when: rule.when, stores: rule.scope.stores })),
          SELECTION_FIRST_PARAM,
        );
  if (selection === undefined) {
    const backtest = new Backtest(rules, backtestOptions);
    let scannedTo = warmFrom;
    let complete = true;
    for await (const page of replayEvents(db, {
      from: warmFrom,
      to: request.to,
      ...(limits.pageRows !== undefined && { pageRows: limits.pageRows }),
    })) {
      for (const event of page) backtest.apply(event);
      scannedTo = page[page.length - 1]!.occurredAt;
      if (clock() - started > budget) {
        complete = false;
        break;
      }
    }
    return done(backtest.result(), request, scannedTo, complete);
  }
  // Only the orders that can fire are replayed, so the events evaluated are counted apart, on
  // another connection while the replay runs.
  const windowCount = countEvents(db, request.from, request.to);
  windowCount.catch(() => {});
  // The orders are split by their key over connections, each part read and folded on its own:
  // PostgreSQL runs each part's statement in its own backend, at once. The embedded store has one
  // connection, where parts would only repeat the scans one after the other.
  const partCount = limits.parts ?? (db.mode === 'embedded' ? 1 : 2);
  const parts = Array.from({ length: partCount }, () => new Backtest(rules, backtestOptions));
  // Each part's last event folded; a part read to its end has replayed the whole window.
  const reached = parts.map(() => warmFrom);
  let stopped = false;
  const replays = await Promise.allSettled(
    parts.map((part, index) =>
      replaySelectedOrders(
        db,
        {
          from: warmFrom,
          to: request.to,
          ...(limits.pageRows !== undefined && { pageRows: limits.pageRows }),
          part: { index, of: partCount },
        },
        selection,
        (page) => {
          if (stopped) return false;
          for (const event of page) part.apply(event);
          reached[index] = page[page.length - 1]!.occurredAt;
          if (clock() - started > budget) stopped = true;
          return !stopped;
        },
      ).then(
        () => {
          if (!stopped) reached[index] = request.to;
        },
        (error: unknown) => {
          stopped = true;
          throw error;
        },
      ),
    ),
  );
  for (const replay of replays) if (replay.status === 'rejected') throw replay.reason;
  const complete = !stopped;
  // A stopped replay covers every part up to the one that got least far (a part that got further
  // has counted its firings past it too).
  const scannedTo = Math.min(...reached);
  const eventsScanned = complete
    ? await windowCount
    : await countEvents(db, request.from, Math.max(request.from, scannedTo + 1));
  const keys = parts.flatMap((part) => part.sampleOrder().map((key) => ({ ...key, rank: key.rule })));
  const sampleOrder =
    parts.filter((part) => part.sampleOrder().length > 0).length > 1
      ? await eventOrder(db, keys)
      : keys.map((_, i) => i);
  return done({ ...Backtest.merge(parts, sampleOrder), eventsScanned }, request, scannedTo, complete);
}

function done(
  result: BacktestResult,
  request: BacktestRequest,
  scannedTo: number,
  complete: boolean,
): BacktestOutcome {
  return {
    ok: true,
    result,
    from: request.from,
    to: request.to,
    scannedTo: complete ? request.to : scannedTo,
    complete,
  };
}
