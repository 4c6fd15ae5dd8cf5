// The alerting service: a coordinator over units with one job each. It owns the RuleEngine and
// feeds it every committed event (CommitQueue) and a clock tick (TickLoop, woken at the engine's next
// deadline and at least once a period); SignalRecorder turns
// what the engine signals into alerts in the AlertBook, which AlertWriter writes and announces.
// Beside them: the rule set in force (RuleSetHolder), silences (SilenceList), operator actions
// (OperatorActions), notification planning (DispatchPass) and start-up from the store
// (EngineRestore). The public methods here are what routes, the core and tests use.
//
// Invariants:
// - The engine and the alert book change only synchronously, in the order events and ticks arrive;
//   the store is written behind them by one flush loop, so writes never interleave or reorder.
// - A transition is announced only after the write that records it has committed.
// - A write that fails (store down) is kept and retried on the next tick; nothing is dropped.
// - Committed batches reach the engine in commit order (see CommitQueue).

import type { StateChange } from '../cluster/state-changes.ts';
import type { Alert } from '../domain/alerts/alert.ts';
import { operatorChangeFrom } from '../domain/alerts/lifecycle.ts';
import type { Silence } from '../domain/alerts/silences.ts';
import type { StoredEvent } from '../domain/events.ts';
import type { RuleEngine } from '../domain/rules/engine.ts';
import type { StoreReconciliationResult } from '../domain/rules/reconciliation-mismatch.ts';
import type { Signal } from '../domain/rules/signal.ts';
import type { LoadError } from '../rules-config/load-error.ts';
import { alertsForRecovery, findAlerts } from '../store/alerts.ts';
import type { Database, Queryable } from '../store/database.ts';
import type { StoredSilence } from '../store/silences.ts';
import { AlertBook } from './alert-book.ts';
import { type AlertChangeListener, type AlertingLog, AlertWriter } from './alert-writer.ts';
import { chainCreations } from './chain-activity-queries.ts';
import { CommitQueue } from './commit-queue.ts';
import { DispatchPass } from './dispatch-pass.ts';
import { EngineRestore, type StartStatus } from './engine-restore.ts';
import type { EngineScope, EntityFilter } from './engine-scope.ts';
import type { NotificationDispatcher } from './notification-dispatcher.ts';
import { type AckResult, OperatorActions } from './operator-actions.ts';
import { lastNotifyPerProvider } from './recovery-queries.ts';
import { createRuleEngine } from './rule-set-adapter.ts';
import { RuleSetHolder, type RulesStatus } from './rule-set-holder.ts';
import { type EditResult, type RuleEdit, RuleVersionKeeper } from './rule-version-keeper.ts';
import { SignalRecorder } from './signal-recorder.ts';
import { type NewSilence, SilenceList } from './silence-list.ts';
import { TickLoop } from './tick-loop.ts';

export type { AlertChange, AlertChangeListener, AlertingLog } from './alert-writer.ts';
export type { StartStatus } from './engine-restore.ts';
export type { AckResult } from './operator-actions.ts';
export type { RulesStatus } from './rule-set-holder.ts';
export type { EditResult, RuleEdit } from './rule-version-keeper.ts';

export interface AlertingOptions {
  db: Database;
  rulesDir: string;
  /** Epoch ms; tests inject a clock they move by hand. */
  now?: () => number;
  /**
   * Period of the tick besides the deadlines' own wake-ups (callback_silent, pending alerts' `for`,
   * notifications); 0 runs no timer at all (tests call tick()). Default 50 ms.
   */
  tickMs?: number;
  /** Watch rulesDir and reload on change. Default true. */
  watchRules?: boolean;
  log?: AlertingLog;
  /** How long each engine pass took (for orderpulse_rule_evaluation_seconds). */
  observeEvaluation?: (pass: 'events' | 'deadlines', seconds: number) => void;
  /** A timer tick failed (for orderpulse_internal_errors_total). */
  onTickError?: (error: unknown) => void;
  /**
   * `start` resolves before the open orders are restored (seconds at a million), so the server can
   * listen and take events meanwhile; see `startStatus` and `restored`. Default false.
   */
  restoreOrdersInBackground?: boolean;
  /**
   * Cluster mode: the engine answers only for what the scope owns (restored at start, taken on with
   * `adopt`), and notifications are planned, from the store's alerts, only where it `dispatches`.
   */
  scope?: EngineScope;
  /**
   * Cluster mode: operator changes made here are announced to the other nodes (`applyStateChange`
   * is what they do with them).
   */
  stateChanges?: StateChangeAnnouncer;
}

/** Announces a change to the other nodes, in the given transaction (see cluster/state-changes.ts). */
export interface StateChangeAnnouncer {
  announce(q: Queryable, change: Exclude<StateChange, { kind: 'resync' }>): Promise<void>;
}

/** Resolved alerts older than this no longer matter to notification planning (as at restart). */
const DISPATCH_RESOLVED_WINDOW_MS = 24 * 3_600_000;

const PRUNE_EVERY_MS = 60_000;
/** How often the store is asked whether another collector changed the rules. */
const FOLLOW_RULES_EVERY_MS = 5_000;
/** Cluster mode: how often the chain-wide facts of callback_silent are read from the store. */
const FOLLOW_CHAIN_EVERY_MS = 2_000;

export class AlertingService {
  private readonly now: () => number;
  private readonly engine: RuleEngine;
  private readonly book = new AlertBook();
  private readonly writer: AlertWriter;
  private readonly rules: RuleSetHolder;
  private readonly versions: RuleVersionKeeper;
  private readonly silences: SilenceList;
  private readonly operator: OperatorActions;
  private readonly commits: CommitQueue;
  private readonly signals: SignalRecorder;
  private readonly clockLoop: TickLoop;
  private readonly dispatch: DispatchPass;

  private readonly restore: EngineRestore;

  private started = false;
  private stopped = false;
  private stopWatching: (() => Promise<void>) | undefined;
  private lastPruneAt = 0;
  private lastRulesFollowAt = 0;
  private lastChainFollowAt = Number.NEGATIVE_INFINITY;
  /** Rule changes (files, API edits) run one after another, in the order asked. */
  private rulesTurn: Promise<unknown> = Promise.resolve();

  constructor(private readonly options: AlertingOptions) {
    const { db, log } = options;
    const now = options.now ?? Date.now;
    this.now = now;
    this.engine = createRuleEngine(() => this.rules.ruleSet?.calendar);
    const engine = this.engine;
    const announcer = options.stateChanges;
    this.silences = new SilenceList(
      db,
      now,
      (tx) => announcer?.announce(tx, { kind: 'silences' }) ?? Promise.resolve(),
    );
    this.writer = new AlertWriter(db, this.book, (a) => this.silences.mutes(a), log);
    const writer = this.writer;
    this.rules = new RuleSetHolder(options.rulesDir, { db, engine, writer, now, log });
    this.versions = new RuleVersionKeeper(options.rulesDir, { db, holder: this.rules, now, log });
    this.signals = new SignalRecorder({
      engine,
      book: this.book,
      writer,
      ruleSet: () => this.rules.ruleSet,
      now,
      observeEvaluation: options.observeEvaluation,
      owns: options.scope && ((signal) => options.scope!.ownsAlert(signal)),
    });
    this.operator = new OperatorActions(
      db,
      this.book,
      writer,
      now,
      () => this.settled(),
      (ids) => this.announce({ kind: 'alerts', ids: [...ids] }),
    );
    this.commits = new CommitQueue(
      db,
      engine,
      now,
      (events) => {
        this.signals.applyBatch(events);
        this.clockLoop.wake();
      },
      log,
    );
    this.clockLoop = new TickLoop(
      () => this.tick(),
      { now, earliestDueAt: () => engine.nextDueAt() },
      log,
      options.onTickError,
    );
    this.dispatch = new DispatchPass(log);
    this.restore = new EngineRestore({
      db,
      engine,
      book: this.book,
      now,
      log,
      createdSinceMs: () => this.rules.builtin.callback_silent.limitMs,
      heldEvents: () => this.commits.heldEvents,
      stopped: () => this.stopped,
      scope: options.scope,
    });
  }

  /** Cluster mode: takes on a partition's state from the store (see EngineRestore.adopt). */
  async adopt(filter: EntityFilter): Promise<{ orders: number; shipments: number; alerts: number }> {
    const adopted = await this.restore.adopt(filter);
    this.clockLoop.wake();
    return adopted;
  }

  /** The writer's commit listener: every committed batch, in commit order. */
  readonly committed = (events: readonly StoredEvent[]): void => this.commits.committed(events);

  /**
   * Loads the rules, rebuilds state from the store, then starts the clock and the rules watcher.
   * With `restoreOrdersInBackground`, resolves once rules, alerts and shipments are in; the open
   * orders follow (`restored()`), and events committed until then are applied when they are in.
   */
  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    this.processRuleSignals(await this.inTurn(() => this.versions.start()));
    await this.silences.load();
    await this.restore.begin(() => this.goLive());
    // A failed restore is logged where it fails and keeps /readyz at 503; nothing to add here.
    if (this.options.restoreOrdersInBackground) this.restore.restored().catch(() => {});
    else await this.restore.restored();
  }

  /** Resolves when start-up has finished (the open orders restored); rejects if it failed. */
  restored(): Promise<void> {
    return this.restore.restored();
  }

  startStatus(): StartStatus {
    return this.restore.status();
  }

  /** The open orders are in: the events held meanwhile apply, then the clock and the watcher start. */
  private async goLive(): Promise<void> {
    this.commits.release();
    await this.commits.batchesApplied();
    // Deadlines that passed while the process was down fire now, not one tick later.
    this.signals.record(this.engine.tick(this.now()));
    this.restore.running();
    await this.settled();
    this.clockLoop.start(this.options.tickMs ?? 50);
    if (this.options.watchRules ?? true) {
      this.stopWatching = this.versions.watch((change) => {
        this.inTurn(() => this.versions.fileChange(change)).then(
          (signals) => this.processRuleSignals(signals),
          (error) => this.options.log?.warn({ err: error }, 'rule change from the files was not applied'),
        );
      });
    }
  }

  /** Stops the clock and the watcher and writes what is still unwritten. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.writer.stop();
    this.clockLoop.stop();
    await this.stopWatching?.();
    // The alert writer logs a failed write when it happens; stopping must not throw over it.
    await this.settled().catch(() => {});
  }

  /** The service's clock (epoch ms). */
  clock(): number {
    return this.now();
  }

  onTransition(listener: AlertChangeListener): void {
    this.writer.onTransition(listener);
  }

  /** Alert groups are planned and handed to `dispatcher` from the tick, at most once a second. */
  notifyThrough(dispatcher: NotificationDispatcher): void {
    this.dispatch.use(dispatcher);
  }

  /** Advances the engine to now (due deadlines, pending alerts whose `for` elapsed) and writes. */
  async tick(): Promise<void> {
    if (this.commits.holding) return;
    // Batches committed before this tick are applied first, as when no store verdict is needed.
    await this.commits.batchesApplied();
    const now = this.now();
    if (now - this.lastRulesFollowAt >= FOLLOW_RULES_EVERY_MS) {
      this.lastRulesFollowAt = now;
      await this.followRules();
    }
    this.signals.record(this.rules.duePromotions(now));
    await this.followChain(now);
    const started = performance.now();
    const due = this.engine.tick(now);
    this.options.observeEvaluation?.('deadlines', (performance.now() - started) / 1000);
    this.clockLoop.wake();
    this.signals.record(due);
    this.signals.promotePending(now);
    if (now - this.lastPruneAt >= PRUNE_EVERY_MS) {
      this.lastPruneAt = now;
      this.book.prune(
        now,
        (a) => this.engine.ruleTiming(a.rule).coolDownMs,
        (a) => this.dispatch.awaitsResolve(a.id),
      );
    }
    await this.settled();
    const scope = this.options.scope;
    if (scope !== undefined && !scope.dispatches()) return;
    // In cluster mode the book holds only this processor's partitions; groups span them all.
    const input = async () => ({
      alerts:
        scope === undefined
          ? [...this.book.all()]
          : await alertsForRecovery(this.options.db, now - DISPATCH_RESOLVED_WINDOW_MS),
      silences: this.silences.active(),
      ruleSet: this.rules.ruleSet,
    });
    await this.dispatch.run(input, now);
  }

  /** Daily reconciliation results (from the payments reconciliation) → reconciliation_mismatch. */
  async reconciliation(results: readonly StoreReconciliationResult[]): Promise<void> {
    this.signals.record(this.engine.reconciliation(results, this.now()));
    await this.settled();
  }

  /** Resolves once everything recorded so far is written (or throws the write's error). */
  async settled(): Promise<void> {
    await this.commits.batchesApplied();
    await this.writer.written();
  }

  // --- operator actions and silences -----------------------------------------------------------

  acknowledge(id: string, actor: string, note: string | undefined): Promise<AckResult> {
    return this.operator.acknowledge(id, actor, note);
  }

  acknowledgeMany(ids: readonly string[], actor: string, note: string | undefined) {
    return this.operator.acknowledgeMany(ids, actor, note);
  }

  resolve(id: string, actor: string, note: string | undefined): Promise<AckResult> {
    return this.operator.resolve(id, actor, note);
  }

  createSilence(input: NewSilence, actor: string): Promise<StoredSilence> {
    return this.silences.create(input, actor);
  }

  /** Undefined when there is no such silence. */
  expireSilence(id: string, actor: string): Promise<StoredSilence | undefined> {
    return this.silences.expire(id, actor);
  }

  /** Active silences now, in the domain's form. */
  activeSilences(): Silence[] {
    return this.silences.active();
  }

  isSilenced(alert: Alert): boolean {
    return this.silences.mutes(alert);
  }

  /** Open alerts as the book has them (the notifier groups these). */
  openAlerts(): Alert[] {
    return this.book.open().filter((a) => a.status !== 'pending');
  }

  // --- rules -----------------------------------------------------------------------------------

  rulesStatus(): RulesStatus {
    return this.rules.status();
  }

  /** Chain-wide promotions (calendar.yaml) whose rule parameters are in force now. */
  promotionsInForce(): readonly string[] {
    return this.rules.promotionsInForce();
  }

  /** Running promotions limited to some stores (in force for those stores' orders and shipments). */
  storePromotionsInForce(): readonly string[] {
    return this.rules.storePromotionsInForce();
  }

  /** Reads rulesDir again; a valid, changed set replaces the running one, an invalid one is refused. */
  reloadRules(): Promise<RulesStatus> {
    return this.afterRestore(async () => {
      this.processRuleSignals(await this.versions.reload());
      await this.settled();
      await this.announce({ kind: 'rules' });
      return this.rules.status();
    });
  }

  /** An edit through the API: a valid one is a new version in force, written before this resolves. */
  editRules(edit: RuleEdit, author: string, note: string | undefined): Promise<EditResult> {
    return this.afterRestore(async () => {
      const result = await this.versions.edit(edit, author, note);
      if (result.ok) {
        this.processRuleSignals(result.signals);
        await this.settled();
        await this.announce({ kind: 'rules' });
      }
      return result;
    });
  }

  /** The errors the set in force would have with `file` replaced by `text`; nothing changes. */
  checkRules(file: string, text: string): Promise<readonly LoadError[]> {
    return this.inTurn(async () => this.versions.check(file, text));
  }

  // --- cluster mode: changes made through other nodes -------------------------------------------

  /**
   * Another node changed what this one holds in memory (see cluster/state-changes.ts): it is read
   * again from the store. Acknowledgements and resolves of alerts this node answers for are taken
   * into its book, so its next write of them carries the operator's change instead of undoing it.
   */
  async applyStateChange(change: StateChange): Promise<void> {
    if (change.kind === 'silences' || change.kind === 'resync') {
      await this.silences.load();
      this.options.log?.info({ change: change.kind }, 'cluster: silences read again from the store');
    }
    if (change.kind === 'rules' || change.kind === 'resync') {
      this.lastRulesFollowAt = this.now();
      await this.followRules();
    }
    if (change.kind === 'alerts' || change.kind === 'resync') {
      const ids = change.kind === 'alerts' ? change.ids : this.book.open().map((a) => a.id);
      const taken: string[] = [];
      for (const stored of await findAlerts(this.options.db, ids)) {
        const local = this.book.byId(stored.id);
        const merged = local && operatorChangeFrom(local, stored);
        if (merged === undefined) continue;
        this.book.put(merged);
        taken.push(merged.id);
      }
      if (taken.length > 0) {
        this.options.log?.info({ alerts: taken }, 'cluster: operator changes made elsewhere taken on');
      }
    }
  }

  /** Cluster mode: tells the other nodes; the change is stored already, so a failure is only logged. */
  private async announce(change: Exclude<StateChange, { kind: 'resync' }>): Promise<void> {
    const announcer = this.options.stateChanges;
    if (announcer === undefined) return;
    try {
      await announcer.announce(this.options.db, change);
    } catch (error) {
      this.options.log?.warn(
        { err: error, change: change.kind },
        'cluster: a change was stored but the other nodes were not told; they read it at their next start',
      );
    }
  }

  /**
   * Cluster mode, on the processor answering for the chain-wide rules (partition 0's owner): the
   * chain's order creations and provider callbacks from the store, every few seconds, so
   * callback_silent counts every partition's orders and fires once for the whole chain.
   */
  private async followChain(now: number): Promise<void> {
    const scope = this.options.scope;
    if (scope === undefined || !scope.dispatches() || now - this.lastChainFollowAt < FOLLOW_CHAIN_EVERY_MS)
      return;
    this.lastChainFollowAt = now;
    const { db } = this.options;
    try {
      const windowMs = this.rules.builtin.callback_silent.limitMs;
      const [creations, lastNotifyAt] = await Promise.all([
        chainCreations(db, now - windowMs, now),
        lastNotifyPerProvider(db),
      ]);
      this.engine.chainFacts({ creations, lastNotifyAt }, now);
    } catch (error) {
      // The store is down: the counts read last keep serving; the next tick's writes report it.
      this.options.log?.warn({ err: error }, 'cluster: the chain-wide order counts were not read');
    }
  }

  private async followRules(): Promise<void> {
    try {
      this.processRuleSignals(await this.inTurn(() => this.versions.follow()));
    } catch (error) {
      // The store is down: the next tick's writes report it; the rules in force keep running.
      this.options.log?.warn({ err: error }, 'could not ask the store for a newer rule set version');
    }
  }

  /** One rule change at a time, and not while the open orders are being restored. */
  private afterRestore<T>(fn: () => Promise<T>): Promise<T> {
    return this.inTurn(async () => {
      // The engine would re-evaluate half-restored orders and record as reported conditions that
      // nobody is told about (signals wait for the restore). A failed restore is logged where it
      // fails: the change goes ahead.
      await this.restore.restored().catch(() => {});
      return fn();
    });
  }

  private inTurn<T>(fn: () => Promise<T>): Promise<T> {
    const result = this.rulesTurn.then(fn, fn);
    this.rulesTurn = result.catch(() => {});
    return result;
  }

  /** Signals of a rule change wait while the engine is restored (nobody was told of the conditions). */
  private processRuleSignals(signals: readonly Signal[]): void {
    if (!this.commits.holding) this.signals.record(signals);
    this.writer.requestFlush();
    this.clockLoop.wake();
  }
}
