// The alerting service: owns the RuleEngine, feeds it every committed event and a clock tick,
// turns its Signals into durable alerts through the pure lifecycle (domain/alerts), writes them
// through to the store, and tells listeners (live gateway, notifier) about every transition.
//
// Invariants:
// - The engine and the alert book change only synchronously, in the order events and ticks arrive;
//   the store is written behind them by one flush loop, so writes never interleave or reorder.
// - A transition is announced only after the write that records it has committed.
// - A write that fails (store down) is kept and retried on the next tick; nothing is dropped.
// - Committed batches reach the engine in commit order. A batch with an event for an entity the
//   engine does not hold (possibly one it forgot after it finished) waits for the store's state of
//   those entities (one query, off the ack path); later batches, and ticks, queue behind it.

import { randomUUID } from 'node:crypto';
import type { Alert } from '../domain/alerts/alert.ts';
import { isStoreOpen, isStoreOpenOnDay } from '../domain/alerts/calendar.ts';
import {
  type AlertTransition,
  acknowledge,
  applySignal,
  promotePending,
  resolveByOperator,
} from '../domain/alerts/lifecycle.ts';
import { isSilenced, type Silence } from '../domain/alerts/silences.ts';
import type { StoredEvent } from '../domain/events.ts';
import { GBT2260_REGION_LOOKUP } from '../domain/regions/lookup.ts';
import { RuleEngine } from '../domain/rules/engine.ts';
import { DEFAULT_RULE_PARAMS } from '../domain/rules/params.ts';
import type { StoreReconciliationResult } from '../domain/rules/reconciliation-mismatch.ts';
import { DEFAULT_SHIPMENT_EVENT_PARAMS } from '../domain/rules/shipment-event.ts';
import { shipmentKey } from '../domain/rules/shipment-state.ts';
import type { Signal } from '../domain/rules/signal.ts';
import type { AlertTransition as LiveTransition } from '../live/events.ts';
import type { LoadError } from '../rules-config/load-error.ts';
import { loadRuleSet, type RuleSet } from '../rules-config/rule-set.ts';
import { type RuleSetChange, watchRuleSet } from '../rules-config/watch.ts';
import { alertsForRecovery, findAlert, toWireAlert, upsertAlerts, type WireAlert } from '../store/alerts.ts';
import { type AuditEntry, appendAudit } from '../store/audit-log.ts';
import type { Database } from '../store/database.ts';
import type { EventWriter } from '../store/event-writer.ts';
import {
  currentSilences,
  expireSilence,
  insertSilence,
  type MatcherObject,
  type StoredSilence,
} from '../store/silences.ts';
import { AlertBook } from './alert-book.ts';
import type { NotificationDispatcher } from './notification-dispatcher.ts';
import { PromotionParams } from './promotion-params.ts';
import { ordersById, shipmentsByKey } from './recovery-queries.ts';
import { restoreOrders, restoreShipments } from './restore-engine.ts';
import { engineCustomRules, withRoutingLabels } from './rule-set-adapter.ts';

export interface AlertingLog {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export interface AlertingOptions {
  db: Database;
  writer: EventWriter;
  rulesDir: string;
  /** Epoch ms; tests inject a clock they move by hand. */
  now?: () => number;
  /** Tick period; 0 runs no timer (tests call tick()). Default 50 ms. */
  tickMs?: number;
  /** Watch rulesDir and reload on change. Default true. */
  watchRules?: boolean;
  log?: AlertingLog;
  /** How long each engine pass took (for orderpulse_rule_evaluation_seconds). */
  observeEvaluation?: (pass: 'events' | 'deadlines', seconds: number) => void;
  /**
   * `start` resolves before the open orders are restored (seconds at a million), so the server can
   * listen and take events meanwhile; see `startStatus` and `restored`. Default false.
   */
  restoreOrdersInBackground?: boolean;
}

/** Where start-up is: the open orders may still be being read back from the store. */
export interface StartStatus {
  state: 'starting' | 'restoring' | 'running' | 'failed';
  orders: number;
  shipments: number;
  /** Committed events waiting for the restore to end. */
  waitingEvents: number;
}

/** One alert change, after it committed. `transition` and `alert` are the live stream's LiveAlertEvent. */
export interface AlertChange {
  transition: LiveTransition;
  alert: WireAlert;
  at: number;
  /** The lifecycle's own view (for the notifier's grouping). */
  record: Alert;
  silenced: boolean;
}

export type AlertChangeListener = (change: AlertChange) => void;

export type AckResult =
  | { ok: true; alert: Alert }
  | { ok: false; reason: 'not_found' | 'already_resolved' | 'not_firing' };

export interface RulesStatus {
  dir: string;
  /** `files`: a valid rule set from dir is running; `defaults`: none ever loaded, contract defaults run. */
  source: 'files' | 'defaults';
  ruleSet: RuleSet | undefined;
  /** The latest load attempt. Invalid: the previous rule set keeps running. */
  lastAttempt: { at: number; ok: boolean; errors: readonly LoadError[] } | undefined;
  /** The latest change actually applied. */
  lastChange: { at: number; contentHash: string | undefined } | undefined;
}

const SYSTEM = 'system';
const RESTORE_RESOLVED_WINDOW_MS = 24 * 3_600_000;
const PRUNE_EVERY_MS = 60_000;
/** Notification planning runs at most this often (group waits are whole seconds). */
const DISPATCH_EVERY_MS = 1_000;

/** The order or shipment an event is about, as the engine holds it. */
const entityKey = (e: StoredEvent): string =>
  e.type === 'shipment.update' ? `s:${shipmentKey(e.carrier, e.trackingNo)}` : `o:${e.orderId}`;

export class AlertingService {
  private readonly db: Database;
  private readonly now: () => number;
  private readonly log: AlertingLog | undefined;
  private readonly engine: RuleEngine;
  private readonly book = new AlertBook();
  private readonly promotions = new PromotionParams();
  private readonly listeners: AlertChangeListener[] = [];
  private silences: StoredSilence[] = [];
  private rules: RulesStatus;

  private started = false;
  private stopped = false;
  private startState: StartStatus['state'] = 'starting';
  private restoredCounts = { orders: 0, shipments: 0 };
  private restoration: Promise<void> | undefined;
  /** Committed events that arrived while the engine was being restored. */
  private buffered: StoredEvent[] | undefined = [];
  /** The last committed batch still waiting for the store's verdict on entities the engine lacks. */
  private verdicts: Promise<void> | undefined;
  /** Orders and shipments named by committed batches not applied yet (how many such batches name each). */
  private readonly awaitingApply = new Map<string, number>();
  private readonly dirty = new Map<string, Alert>();
  private audits: AuditEntry[] = [];
  private outgoing: AlertChange[] = [];
  private flushing: Promise<void> | undefined;
  private lastFlushError: unknown;
  private timer: NodeJS.Timeout | undefined;
  private stopWatching: (() => Promise<void>) | undefined;
  private lastPruneAt = 0;
  private reloading: Promise<RulesStatus> | undefined;
  private dispatcher: NotificationDispatcher | undefined;
  private dispatching = false;
  private lastDispatchAt = Number.NEGATIVE_INFINITY;

  constructor(private readonly options: AlertingOptions) {
    this.db = options.db;
    this.now = options.now ?? Date.now;
    this.log = options.log;
    this.rules = {
      dir: options.rulesDir,
      source: 'defaults',
      ruleSet: undefined,
      lastAttempt: undefined,
      lastChange: undefined,
    };
    const calendar = () => this.rules.ruleSet?.calendar;
    this.engine = new RuleEngine(DEFAULT_RULE_PARAMS, [], {
      regions: GBT2260_REGION_LOOKUP,
      // Carrier key events become alerts routed like any other (routes.yaml `rule="shipment_event"`).
      shipmentEvent: DEFAULT_SHIPMENT_EVENT_PARAMS,
      // Read through on every call, so a reloaded calendar applies at once.
      storeOpen: (storeId, at) => {
        const c = calendar();
        return c === undefined || isStoreOpen(c, storeId, at);
      },
      storeOpenOnDay: (storeId, day) => {
        const c = calendar();
        return c === undefined || isStoreOpenOnDay(c, storeId, day);
      },
    });
    options.writer.onCommitted((events) => this.committed(events));
  }

  /**
   * Loads the rules, rebuilds state from the store, then starts the clock and the rules watcher.
   * With `restoreOrdersInBackground`, resolves once rules, alerts and shipments are in; the open
   * orders follow (`restored()`), and events committed until then are applied when they are in.
   */
  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    const startedAt = performance.now();
    await this.loadRules('start');
    const now = this.now();
    this.silences = await currentSilences(this.db, now);
    const alerts = await alertsForRecovery(this.db, now - RESTORE_RESOLVED_WINDOW_MS);
    for (const alert of alerts) this.book.put(alert);
    const onProgress = (counts: { orders: number; shipments: number }) => {
      this.restoredCounts = counts;
    };
    // Shipments before any event is taken: their state does not absorb an event applied twice.
    const shipments = await restoreShipments(this.db, this.engine, alerts, { now, onProgress });
    this.restoredCounts = { orders: 0, shipments };
    this.startState = 'restoring';
    this.restoration = this.restoreRest(alerts, now, shipments, startedAt);
    if (this.options.restoreOrdersInBackground) this.restoration.catch(() => {});
    else await this.restoration;
  }

  /** Resolves when start-up has finished (the open orders restored); rejects if it failed. */
  restored(): Promise<void> {
    return this.restoration ?? Promise.reject(new Error('alerting: start() was not called'));
  }

  startStatus(): StartStatus {
    return { state: this.startState, ...this.restoredCounts, waitingEvents: this.buffered?.length ?? 0 };
  }

  private async restoreRest(
    alerts: readonly Alert[],
    now: number,
    shipments: number,
    startedAt: number,
  ): Promise<void> {
    try {
      const orders = await restoreOrders(this.db, this.engine, alerts, {
        now,
        createdSince: now - (this.rules.ruleSet?.builtin ?? DEFAULT_RULE_PARAMS).callback_silent.limitMs,
        shipments,
        onProgress: (counts) => {
          this.restoredCounts = counts;
        },
      });
      this.restoredCounts = { orders, shipments };
      this.log?.info(
        {
          orders,
          shipments,
          openAlerts: alerts.filter((a) => a.status !== 'resolved').length,
          waitingEvents: this.buffered?.length ?? 0,
          ms: Math.round(performance.now() - startedAt),
        },
        'alerting: state rebuilt from the store',
      );
    } catch (error) {
      this.startState = 'failed';
      if (!this.stopped) this.log?.error({ err: error }, 'alerting: restoring the open orders failed');
      throw error;
    }
    if (this.stopped) return;
    const waiting = this.buffered ?? [];
    this.buffered = undefined;
    this.committed(waiting);
    await this.batchesApplied();
    // Deadlines that passed while the process was down fire now, not one tick later.
    this.process(this.engine.tick(this.now()));
    this.startState = 'running';
    await this.settled();
    const tickMs = this.options.tickMs ?? 50;
    if (tickMs > 0) {
      this.timer = setInterval(() => void this.tick().catch(() => {}), tickMs);
      this.timer.unref();
    }
    if (this.options.watchRules ?? true) {
      const log = this.log ?? { info: () => {}, warn: () => {} };
      this.stopWatching = watchRuleSet(
        this.options.rulesDir,
        (change) => this.applyRules(change, 'reload'),
        log,
        {
          ...(this.rules.ruleSet && { initial: this.rules.ruleSet }),
          now: this.now,
        },
      );
    }
  }

  /** Stops the clock and the watcher and writes what is still unwritten. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await this.stopWatching?.();
    await this.settled().catch(() => {});
  }

  /** The service's clock (epoch ms). */
  clock(): number {
    return this.now();
  }

  onTransition(listener: AlertChangeListener): void {
    this.listeners.push(listener);
  }

  /** Alert groups are planned and handed to `dispatcher` from the tick, at most once a second. */
  notifyThrough(dispatcher: NotificationDispatcher): void {
    this.dispatcher = dispatcher;
  }

  /** Advances the engine to now (due deadlines, pending alerts whose `for` elapsed) and writes. */
  async tick(): Promise<void> {
    if (this.buffered !== undefined) return;
    // Batches committed before this tick are applied first, as when no store verdict is needed.
    await this.batchesApplied();
    const now = this.now();
    const ruleSet = this.rules.ruleSet;
    const promoted = ruleSet && this.promotions.due(ruleSet.builtin, ruleSet.calendar, now);
    if (promoted) {
      this.log?.info(
        { promotions: this.promotions.inForce(), storePromotions: this.promotions.storeLimitedInForce() },
        'alerting: promotion parameters changed',
      );
      this.process(this.engine.setParams(promoted, now, this.promotions.byStore()));
    }
    const started = performance.now();
    const due = this.engine.tick(now);
    this.options.observeEvaluation?.('deadlines', (performance.now() - started) / 1000);
    this.process(due);
    for (const alert of this.book.pending()) {
      this.record(promotePending(alert, this.engine.ruleTiming(alert.rule), now), now);
    }
    if (now - this.lastPruneAt >= PRUNE_EVERY_MS) {
      this.lastPruneAt = now;
      this.book.prune(
        now,
        (a) => this.engine.ruleTiming(a.rule).coolDownMs,
        (a) => this.dispatcher?.awaitsResolve(a.id) ?? false,
      );
    }
    await this.settled();
    await this.dispatch(now);
  }

  /** Notifications follow the alerts as written: planning runs only after they are in the store. */
  private async dispatch(now: number): Promise<void> {
    if (this.dispatcher === undefined || this.dispatching || now - this.lastDispatchAt < DISPATCH_EVERY_MS)
      return;
    this.dispatching = true;
    this.lastDispatchAt = now;
    try {
      await this.dispatcher.dispatch(
        { alerts: [...this.book.all()], silences: this.activeSilences(), ruleSet: this.rules.ruleSet },
        now,
      );
    } catch (error) {
      this.log?.error({ err: error }, 'alerting: notification planning failed');
    } finally {
      this.dispatching = false;
    }
  }

  /** Daily reconciliation results (from the payments reconciliation) → reconciliation_mismatch. */
  async reconciliation(results: readonly StoreReconciliationResult[]): Promise<void> {
    this.process(this.engine.reconciliation(results, this.now()));
    await this.settled();
  }

  /** Resolves once everything recorded so far is written (or throws the write's error). */
  async settled(): Promise<void> {
    await this.batchesApplied();
    while (this.flushing !== undefined) await this.flushing;
    if (this.dirty.size > 0 || this.audits.length > 0) {
      this.requestFlush();
      while (this.flushing !== undefined) await this.flushing;
    }
    if (this.dirty.size > 0 || this.audits.length > 0) throw this.lastFlushError;
  }

  // --- operator actions ------------------------------------------------------------------------

  async acknowledge(id: string, actor: string, note: string | undefined): Promise<AckResult> {
    const now = this.now();
    let alert = this.book.byId(id);
    if (alert === undefined) {
      // Not in the book: unknown, or resolved long enough ago to have been pruned.
      const stored = await findAlert(this.db, id);
      if (stored === undefined) return { ok: false, reason: 'not_found' };
      if (stored.status === 'resolved') return { ok: false, reason: 'already_resolved' };
      alert = stored;
    }
    const result = acknowledge(alert, actor, note, now);
    if (!result.ok) return result;
    await this.recordOperatorAction('alert.ack', 'changed', result.alert, actor, note, now);
    return result;
  }

  /**
   * An operator closes an alert by hand (e.g. a rejected parcel that was dealt with). The engine is
   * not told: while the condition holds it stays quiet about it; a new episode opens a new alert.
   */
  async resolve(id: string, actor: string, note: string | undefined): Promise<AckResult> {
    const now = this.now();
    const alert = this.book.byId(id) ?? (await findAlert(this.db, id));
    if (alert === undefined) return { ok: false, reason: 'not_found' };
    const result = resolveByOperator(alert, now);
    if (!result.ok) return result;
    await this.recordOperatorAction('alert.resolve', 'resolved', result.alert, actor, note, now);
    return result;
  }

  /** An operator's change to an alert: kept, audited, announced, and written before the reply. */
  private async recordOperatorAction(
    action: 'alert.ack' | 'alert.resolve',
    transition: 'changed' | 'resolved',
    alert: Alert,
    actor: string,
    note: string | undefined,
    now: number,
  ): Promise<void> {
    this.book.put(alert);
    this.dirty.set(alert.id, alert);
    this.audits.push({
      at: now,
      actor,
      action,
      target: `alert/${alert.id}`,
      details: {
        rule: alert.rule,
        entity_type: alert.entityType,
        entity_id: alert.entityId,
        ...(note && { note }),
      },
    });
    this.announce(transition, alert, now);
    await this.settled();
  }

  async createSilence(
    input: { matchers: MatcherObject; startsAt: number; endsAt: number; comment: string },
    actor: string,
  ): Promise<StoredSilence> {
    const now = this.now();
    const silence = await this.db.transaction(async (tx) => {
      const stored = await insertSilence(tx, {
        id: randomUUID(),
        matcherObject: input.matchers,
        startsAt: input.startsAt,
        endsAt: input.endsAt,
        comment: input.comment,
        createdBy: actor,
        createdAt: now,
      });
      await appendAudit(tx, {
        at: now,
        actor,
        action: 'silence.create',
        target: `silence/${stored.id}`,
        details: {
          matchers: input.matchers,
          ends_at: new Date(input.endsAt).toISOString(),
          comment: input.comment,
        },
      });
      return stored;
    });
    this.silences = [...this.silences.filter((s) => s.id !== silence.id), silence];
    return silence;
  }

  /** Undefined when there is no such silence. */
  async expireSilence(id: string, actor: string): Promise<StoredSilence | undefined> {
    const now = this.now();
    const expired = await this.db.transaction(async (tx) => {
      const done = await expireSilence(tx, id, actor, now);
      if (done !== undefined) {
        await appendAudit(tx, {
          at: now,
          actor,
          action: 'silence.expire',
          target: `silence/${id}`,
          details: {},
        });
      }
      return done;
    });
    if (expired !== undefined) this.silences = this.silences.filter((s) => s.id !== id);
    return expired;
  }

  /** Active silences now, in the domain's form. */
  activeSilences(): Silence[] {
    const now = this.now();
    return this.silences
      .filter((s) => s.startsAt <= now && now < s.endsAt)
      .map((s) => ({
        id: s.id,
        matchers: s.matchers,
        startsAt: s.startsAt,
        endsAt: s.endsAt,
        createdBy: s.createdBy,
        comment: s.comment,
      }));
  }

  isSilenced(alert: Alert): boolean {
    return isSilenced(alert, this.activeSilences(), this.now());
  }

  /** Open alerts as the book has them (the notifier groups these). */
  openAlerts(): Alert[] {
    return this.book.open().filter((a) => a.status !== 'pending');
  }

  // --- rules -----------------------------------------------------------------------------------

  rulesStatus(): RulesStatus {
    return this.rules;
  }

  /** Chain-wide promotions (calendar.yaml) whose rule parameters are in force now. */
  promotionsInForce(): readonly string[] {
    return this.promotions.inForce();
  }

  /** Running promotions limited to some stores (in force for those stores' orders and shipments). */
  storePromotionsInForce(): readonly string[] {
    return this.promotions.storeLimitedInForce();
  }

  /** Reads rulesDir again; a valid, changed set replaces the running one, an invalid one is refused. */
  reloadRules(): Promise<RulesStatus> {
    // One reload at a time; a change during a reload triggers another from the watcher.
    const run = async () => {
      // Not while the open orders are being restored: the engine would re-evaluate half of them and
      // record as reported conditions that nobody is told about (signals wait for the restore).
      await this.restoration?.catch(() => {});
      await this.loadRules('reload');
      await this.settled();
      return this.rules;
    };
    this.reloading = (this.reloading ?? Promise.resolve(this.rules)).then(run, run);
    return this.reloading;
  }

  private async loadRules(when: 'start' | 'reload'): Promise<void> {
    const result = await loadRuleSet(this.options.rulesDir, { now: this.now });
    const change: RuleSetChange = result.ok
      ? { kind: 'loaded', ruleSet: result.ruleSet, previous: this.rules.ruleSet }
      : { kind: 'rejected', errors: result.errors, current: this.rules.ruleSet };
    // At start the set is only a change if it differs from the last one recorded in the audit log.
    const audit =
      when === 'reload' || !result.ok || (await this.lastAuditedHash()) !== result.ruleSet.contentHash;
    this.applyRules(change, when, audit);
    if (!result.ok) {
      this.log?.warn(
        {
          dir: this.options.rulesDir,
          errors: result.errors,
          running: this.rules.ruleSet?.contentHash ?? 'defaults',
        },
        'alert rules are invalid; the previous rule set keeps running',
      );
    }
  }

  /** A valid, changed set replaces the running one at once; an invalid one is recorded and refused. */
  private applyRules(change: RuleSetChange, when: 'start' | 'reload', audit = true): void {
    const now = this.now();
    const target = `rules/${this.options.rulesDir}`;
    if (change.kind === 'rejected') {
      this.rules = { ...this.rules, lastAttempt: { at: now, ok: false, errors: change.errors } };
      this.audits.push({
        at: now,
        actor: SYSTEM,
        action: 'rules.reject',
        target,
        details: { errors: change.errors, running_hash: this.rules.ruleSet?.contentHash ?? null },
      });
      this.requestFlush();
      return;
    }
    const ruleSet = change.ruleSet;
    const previous = this.rules.ruleSet?.contentHash;
    this.rules = { ...this.rules, lastAttempt: { at: now, ok: true, errors: [] } };
    if (previous === ruleSet.contentHash) return;
    this.rules = {
      ...this.rules,
      source: 'files',
      ruleSet,
      lastChange: { at: now, contentHash: ruleSet.contentHash },
    };
    // Alerts of custom rules that are gone resolve now, as when their condition ends.
    const signals = [
      ...this.engine.setCustomRules(engineCustomRules(ruleSet), now),
      ...this.engine.setParams(
        this.promotions.paramsAt(ruleSet.builtin, ruleSet.calendar, now),
        now,
        this.promotions.byStore(),
      ),
    ];
    this.log?.info({ dir: this.options.rulesDir, hash: ruleSet.contentHash, when }, 'alert rules loaded');
    if (audit) {
      this.audits.push({
        at: now,
        actor: SYSTEM,
        action: 'rules.load',
        target,
        details: {
          content_hash: ruleSet.contentHash,
          previous_hash: previous ?? null,
          files: ruleSet.files,
          custom_rules: ruleSet.custom.map((r) => r.name),
        },
      });
    }
    if (this.buffered === undefined) this.process(signals);
    this.requestFlush();
  }

  private async lastAuditedHash(): Promise<string | undefined> {
    const { rows } = await this.db.query<{ hash: string | null }>(
      `SELECT details->>'content_hash' AS hash FROM audit_log WHERE action = 'rules.load' ORDER BY id DESC LIMIT 1`,
    );
    return rows[0]?.hash ?? undefined;
  }

  // --- signals → alerts ------------------------------------------------------------------------

  private committed(events: readonly StoredEvent[]): void {
    if (this.buffered !== undefined) {
      this.buffered.push(...events);
      return;
    }
    if (events.length === 0) return;
    const now = this.now();
    // An entity named by a batch still waiting to be applied is settled by that batch (its own
    // lookup, or its events): asking again would make every batch behind a lookup look one up too.
    const unknown = this.engine
      .needingStoreVerdict(events, now)
      .filter((e) => !this.awaitingApply.has(entityKey(e)));
    if (unknown.length === 0 && this.verdicts === undefined) {
      this.apply(events);
      return;
    }
    const keys = events.map(entityKey);
    for (const key of keys) this.awaitingApply.set(key, (this.awaitingApply.get(key) ?? 0) + 1);
    // The query starts now; the batch is applied once it answers and the batches before it are in.
    const verdict = unknown.length === 0 ? undefined : this.storeVerdict(unknown);
    const run = (this.verdicts ?? Promise.resolve()).then(async () => {
      const found = await verdict?.catch((error: unknown) => {
        // Without the store's word the events apply as they are (the behaviour before the lookup).
        this.log?.warn(
          { err: error },
          'alerting: looking up unknown orders failed; applying the batch as is',
        );
        return undefined;
      });
      try {
        if (found) this.engine.adoptFinished(found.orders, found.shipments, this.now());
        this.apply(events);
      } catch (error) {
        // As a listener failure on the synchronous path: reported, and the next batches still apply.
        this.log?.error({ err: error }, 'alerting: applying a committed batch failed');
      } finally {
        for (const key of keys) {
          const left = this.awaitingApply.get(key)! - 1;
          if (left === 0) this.awaitingApply.delete(key);
          else this.awaitingApply.set(key, left);
        }
      }
    });
    this.verdicts = run;
    void run.finally(() => {
      if (this.verdicts === run) this.verdicts = undefined;
    });
  }

  /**
   * Resolves once every batch committed before the call has been applied to the engine (not those
   * committed while waiting, so a steady stream of lookups cannot hold a tick back for long).
   */
  private async batchesApplied(): Promise<void> {
    await this.verdicts;
  }

  /** The store's current state of the orders and shipments these events name. */
  private async storeVerdict(events: readonly StoredEvent[]) {
    const orderIds = new Set<string>();
    const shipmentKeys = new Set<string>();
    for (const e of events) {
      if (e.type === 'shipment.update') shipmentKeys.add(shipmentKey(e.carrier, e.trackingNo));
      else orderIds.add(e.orderId);
    }
    const [orders, shipments] = await Promise.all([
      ordersById(this.db, [...orderIds]),
      shipmentsByKey(this.db, [...shipmentKeys]),
    ]);
    return { orders, shipments };
  }

  private apply(events: readonly StoredEvent[]): void {
    const now = this.now();
    // A batch is applied in event-time order and only its net outcome per (rule, entity) counts:
    // an order that was paid long ago and moved on in the same batch never blips a stall alert.
    const started = performance.now();
    const ordered = [...events].sort((a, b) => a.occurredAt - b.occurredAt);
    const net = new Map<string, Signal>();
    for (const event of ordered) {
      for (const signal of this.engine.ingest(event, now)) {
        const key = `${signal.rule}\u0000${signal.entityType}\u0000${signal.entityId}`;
        net.delete(key);
        net.set(key, signal);
      }
    }
    this.options.observeEvaluation?.('events', (performance.now() - started) / 1000);
    this.process([...net.values()]);
  }

  private process(signals: readonly Signal[]): void {
    if (signals.length === 0) return;
    const now = this.now();
    for (const raw of signals) {
      const signal = withRoutingLabels(raw, this.rules.ruleSet);
      const current = this.book.latest(signal.rule, signal.entityType, signal.entityId);
      this.record(applySignal(current, signal, this.engine.ruleTiming(signal.rule), now, randomUUID), now);
    }
    this.requestFlush();
  }

  private record(transition: AlertTransition, now: number): void {
    const alert = transition.alert;
    if (transition.kind === 'none' || alert === undefined) return;
    this.book.put(alert);
    this.dirty.set(alert.id, alert);
    switch (transition.kind) {
      case 'open':
        if (alert.status !== 'pending') this.announce('opened', alert, now);
        break;
      case 'fire':
      case 'reopen':
        this.announce('opened', alert, now);
        break;
      case 'update':
        if (alert.status !== 'pending') this.announce('changed', alert, now);
        break;
      case 'resolve':
        this.announce('resolved', alert, now);
        break;
      case 'discard':
        break;
    }
  }

  private announce(transition: LiveTransition, alert: Alert, at: number): void {
    const silenced = this.isSilenced(alert);
    this.outgoing.push({ transition, alert: toWireAlert(alert, silenced), at, record: alert, silenced });
  }

  private requestFlush(): void {
    if (this.flushing !== undefined) return;
    if (this.dirty.size === 0 && this.audits.length === 0) return;
    this.flushing = this.flush().finally(() => {
      this.flushing = undefined;
      // Work recorded while the last write was finishing; after a failure the next tick retries.
      if (this.lastFlushError === undefined) this.requestFlush();
    });
  }

  private async flush(): Promise<void> {
    while (this.dirty.size > 0 || this.audits.length > 0) {
      const alerts = [...this.dirty.values()];
      const audits = this.audits;
      const outgoing = this.outgoing;
      this.dirty.clear();
      this.audits = [];
      this.outgoing = [];
      try {
        await this.db.transaction(async (tx) => {
          await upsertAlerts(tx, alerts);
          for (const entry of audits) await appendAudit(tx, entry);
        });
      } catch (error) {
        // Put back what is not newer in the meantime; the next tick (or settled()) retries.
        for (const alert of alerts) if (!this.dirty.has(alert.id)) this.dirty.set(alert.id, alert);
        this.audits = [...audits, ...this.audits];
        this.outgoing = [...outgoing, ...this.outgoing];
        if (this.lastFlushError === undefined && !this.stopped) {
          this.log?.error({ err: error }, 'alerting: writing alerts failed; retrying on every tick');
        }
        this.lastFlushError = error;
        return;
      }
      this.lastFlushError = undefined;
      for (const change of outgoing) {
        for (const listener of this.listeners) {
          try {
            listener(change);
          } catch (error) {
            this.log?.error({ err: error }, 'alerting: a transition listener failed');
          }
        }
      }
    }
  }
}
