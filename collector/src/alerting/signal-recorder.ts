// Turns what the engine says into alerts: each Signal goes through the pure lifecycle
// (domain/alerts) against the latest alert of its (rule, entity) in the book, and the transition is
// handed to the writer. A committed batch is fed to the engine here too, netted per (rule, entity).
import { randomUUID } from 'node:crypto';
import { applySignal, promotePending } from '../domain/alerts/lifecycle.ts';
import type { StoredEvent } from '../domain/events.ts';
import type { RuleEngine } from '../domain/rules/engine.ts';
import { orderTagging } from '../domain/rules/order-tagging.ts';
import type { Signal } from '../domain/rules/signal.ts';
import type { RuleSet } from '../rules-config/rule-set.ts';
import type { AlertBook } from './alert-book.ts';
import type { AlertWriter } from './alert-writer.ts';
import { withRoutingLabels } from './rule-set-adapter.ts';

export class SignalRecorder {
  constructor(
    private readonly deps: {
      engine: RuleEngine;
      book: AlertBook;
      writer: AlertWriter;
      /** The rule set in force, for the routing labels of built-in rules. */
      ruleSet: () => RuleSet | undefined;
      now: () => number;
      observeEvaluation?: ((pass: 'events', seconds: number) => void) | undefined;
      /**
       * Cluster mode: signals about what another processor owns are not recorded (a provider's
       * callback_silent seen from a part of the orders, say); that processor records its own.
       */
      owns?: ((signal: Signal) => boolean) | undefined;
    },
  ) {}

  /** One committed batch through the engine. */
  applyBatch(events: readonly StoredEvent[]): void {
    const { engine, writer, now: clock, observeEvaluation } = this.deps;
    const now = clock();
    // A batch is applied in event-time order and only its net outcome per (rule, entity) counts:
    // an order that was paid long ago and moved on in the same batch never blips a stall alert.
    const started = performance.now();
    const ordered = [...events].sort((a, b) => a.occurredAt - b.occurredAt);
    const net = new Map<string, Signal>();
    for (const event of ordered) {
      for (const signal of engine.ingest(event, now)) {
        // Tags are what the rule did to the order, even if a later event of the batch nets its
        // alert away (paid and picked in one commit).
        const tagging = orderTagging(signal);
        if (tagging !== undefined) writer.tagOrder(tagging, now);
        const key = `${signal.rule}\u0000${signal.entityType}\u0000${signal.entityId}`;
        net.delete(key);
        net.set(key, signal);
      }
    }
    observeEvaluation?.('events', (performance.now() - started) / 1000);
    this.record(net.values());
    writer.requestFlush();
  }

  record(signals: Iterable<Signal>): void {
    const { engine, book, writer, ruleSet } = this.deps;
    const now = this.deps.now();
    let any = false;
    for (const raw of signals) {
      if (this.deps.owns && !this.deps.owns(raw)) continue;
      any = true;
      const signal = withRoutingLabels(raw, ruleSet());
      const current = book.latest(signal.rule, signal.entityType, signal.entityId);
      writer.record(applySignal(current, signal, engine.ruleTiming(signal.rule), now, randomUUID), now);
    }
    if (any) writer.requestFlush();
  }

  /** Pending alerts whose rule's `for` has elapsed start firing. */
  promotePending(now: number): void {
    const { engine, book, writer } = this.deps;
    for (const alert of book.pending())
      writer.record(promotePending(alert, engine.ruleTiming(alert.rule), now), now);
  }
}
