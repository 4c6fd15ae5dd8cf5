// What the engine learns from events and results besides the orders and shipments themselves, kept
// for the rules that read it (RuleFacts): refunds, when each payment provider was last heard from,
// how many orders were created lately, and each store's recent reconciliation results.
import type { PaymentProvider } from '../events.ts';
import { CreationWindow } from './callback-silent.ts';
import type { RuleFacts } from './evaluator.ts';
import type { RuleScope } from './params.ts';
import type { StoreReconciliationResult } from './reconciliation-mismatch.ts';
import { inScope } from './scope.ts';
import type { RegionLookup } from './shipment-anomaly.ts';
import type { ShipmentEventParams } from './shipment-event.ts';

export interface FactsOptions {
  regions: RegionLookup;
  shipmentEvent: ShipmentEventParams;
  storeOpen: (storeId: string, at: number) => boolean;
  storeOpenOnDay: (storeId: string, day: string) => boolean;
  /** How long order creations are remembered (callback_silent's limit). */
  creationRetentionMs: number;
}

/** Orders created in one store within one second (`at`, its start), chain-wide. */
export interface ChainCreations {
  storeId: string;
  at: number;
  orders: number;
}

export class EngineFacts implements RuleFacts {
  readonly regions: RegionLookup;
  readonly shipmentEvent: ShipmentEventParams;
  private readonly storeOpen: (storeId: string, at: number) => boolean;
  private readonly storeOpenOnDay: (storeId: string, day: string) => boolean;
  /** orderId → earliest successful refund, for tracked orders only (refunds are few). */
  private readonly refunds = new Map<string, number>();
  private readonly lastNotifyAt = new Map<PaymentProvider, number>();
  private watchingSince: number | undefined;
  private readonly creations: CreationWindow;
  /** storeId → day → result, only the days inside the window. */
  private readonly reconciliations = new Map<string, Map<string, StoreReconciliationResult>>();

  constructor(options: FactsOptions) {
    this.regions = options.regions;
    this.shipmentEvent = options.shipmentEvent;
    this.storeOpen = options.storeOpen;
    this.storeOpenOnDay = options.storeOpenOnDay;
    this.creations = new CreationWindow(options.creationRetentionMs);
  }

  /** The first call sets the time a provider never heard from is silent since. */
  watchFrom(now: number): void {
    this.watchingSince ??= now;
  }

  refundedAt(orderId: string): number | undefined {
    return this.refunds.get(orderId);
  }

  noteRefund(orderId: string, at: number): void {
    const known = this.refunds.get(orderId);
    if (known === undefined || at < known) this.refunds.set(orderId, at);
  }

  forgetOrder(orderId: string): void {
    this.refunds.delete(orderId);
  }

  lastHeardAt(provider: PaymentProvider, now: number): number {
    return this.lastNotifyAt.get(provider) ?? this.watchingSince ?? now;
  }

  heardFrom(provider: PaymentProvider, at: number): void {
    const known = this.lastNotifyAt.get(provider);
    if (known === undefined || at > known) this.lastNotifyAt.set(provider, at);
  }

  /** After a restart: the store's latest notification time, replacing what is known. */
  restoreHeardFrom(provider: PaymentProvider, at: number): void {
    this.lastNotifyAt.set(provider, at);
  }

  heardProviders(): Iterable<PaymentProvider> {
    return this.lastNotifyAt.keys();
  }

  /** Counts an order created at `at` if callback_silent watches its store and the store was open. */
  noteCreation(storeId: string, at: number, now: number, scope: RuleScope): void {
    if (inScope(scope, storeId) && this.storeOpen(storeId, at)) this.creations.add(at, now);
  }

  /**
   * Cluster mode: the whole chain's creations replace what this processor counted from its own
   * partitions' events (a subset of them); events applied from now on are added as usual.
   */
  replaceCreations(creations: Iterable<ChainCreations>, now: number, scope: RuleScope): void {
    this.creations.clear();
    for (const c of creations) {
      if (inScope(scope, c.storeId) && this.storeOpen(c.storeId, c.at))
        this.creations.add(c.at, now, c.orders);
    }
  }

  ordersCreated(now: number, windowMs: number): number {
    return this.creations.count(now, windowMs);
  }

  setCreationRetention(ms: number): void {
    this.creations.setRetention(ms);
  }

  addReconciliation(result: StoreReconciliationResult): void {
    let days = this.reconciliations.get(result.storeId);
    if (days === undefined) {
      days = new Map();
      this.reconciliations.set(result.storeId, days);
    }
    days.set(result.day, result);
  }

  reconciledStores(): Iterable<string> {
    return this.reconciliations.keys();
  }

  reconciliationDays(storeId: string, keep: number): StoreReconciliationResult[] | undefined {
    const byDay = this.reconciliations.get(storeId);
    if (byDay === undefined) return undefined;
    const days = [...byDay.keys()].sort().reverse();
    for (const old of days.slice(keep)) byDay.delete(old);
    return days
      .slice(0, keep)
      .filter((day) => this.storeOpenOnDay(storeId, day))
      .map((day) => byDay.get(day)!);
  }
}
