import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ORDER_STATUSES, SHIPMENT_STATES, type StoredEvent } from '../../src/domain/events.ts';
import { applyOrderEvent, type OrderState } from '../../src/domain/order-lifecycle.ts';
import { RuleEngine } from '../../src/domain/rules/engine.ts';
import { orderStalledDueAt } from '../../src/domain/rules/order-stalled.ts';
import { DEFAULT_RULE_PARAMS } from '../../src/domain/rules/params.ts';
import { paymentUnappliedDueAt } from '../../src/domain/rules/payment-unapplied.ts';
import { SIMPLE_REGION_LOOKUP, shipmentAnomalies } from '../../src/domain/rules/shipment-anomaly.ts';
import { applyShipmentEvent, type ShipmentState } from '../../src/domain/rules/shipment-state.ts';
import type { Signal } from '../../src/domain/rules/signal.ts';
import { trackingSilentDueAt } from '../../src/domain/rules/tracking-silent.ts';
import { carrierUpdate, HOUR, MINUTE, orderStatus, payment, T0 } from './fixtures.ts';

const params = {
  ...DEFAULT_RULE_PARAMS,
  callback_silent: { ...DEFAULT_RULE_PARAMS.callback_silent, enabled: false },
};

// The reference keeps every entity forever; the engine forgets finished ones after retainFinishedMs
// (a late event for a forgotten entity starts it afresh: see engine-carrier-provider-store.test.ts).
const KEEP_FINISHED = 10_000 * HOUR;

/** An event (by event time) and how late it arrives. */
const arrivalArb = fc.record({
  order: fc.constantFrom('O1', 'O2', 'O3'),
  kind: fc.constantFrom(...ORDER_STATUSES, 'payment' as const),
  atMinute: fc.integer({ min: 0, max: 60 }),
  delayMinutes: fc.integer({ min: 0, max: 40 }),
});

describe('RuleEngine against a reference evaluation', () => {
  it('after any arrival order, what is firing equals the conditions evaluated on the final states', () => {
    fc.assert(
      fc.property(
        fc.array(arrivalArb, { maxLength: 30 }),
        fc.integer({ min: 0, max: 200 }),
        (arrivals, endMinute) => {
          const events = arrivals
            .map((a) => {
              const at = T0 + a.atMinute * MINUTE;
              const event: StoredEvent =
                a.kind === 'payment' ? payment(a.order, at) : orderStatus(a.order, a.kind, at);
              return { event, arrival: at + a.delayMinutes * MINUTE };
            })
            .sort((x, y) => x.arrival - y.arrival);
          const engine = new RuleEngine(params, [], { retainFinishedMs: KEEP_FINISHED });
          const signals: Signal[] = [];
          const states = new Map<string, OrderState>();
          /** Reference: the arrived events folded per order (any order gives the same state), evaluated at `t`. */
          const expectedAt = (t: number) => {
            const expected: string[] = [];
            for (const state of states.values()) {
              const stall = orderStalledDueAt(state, params.order_stalled);
              if (stall !== undefined && stall <= t) expected.push(`order_stalled ${state.orderId}`);
              const unapplied = paymentUnappliedDueAt(state, params.payment_unapplied);
              if (unapplied !== undefined && unapplied <= t)
                expected.push(`payment_unapplied ${state.orderId}`);
            }
            return expected.sort();
          };
          const firingNow = () =>
            engine
              .firingSignals()
              .map((s) => `${s.rule} ${s.entityId}`)
              .sort();
          let now = T0;
          for (const { event, arrival } of events) {
            // The integration layer ticks between arrivals (here once a minute, on the minute).
            for (; now < arrival; now += MINUTE) {
              signals.push(...engine.tick(now));
              expect(firingNow()).toEqual(expectedAt(now));
            }
            now = arrival;
            signals.push(...engine.ingest(event, now));
            states.set(event.orderId, applyOrderEvent(states.get(event.orderId), event).state);
            // Other orders' deadlines at this instant fire on the tick that follows.
            signals.push(...engine.tick(now));
            expect(firingNow()).toEqual(expectedAt(now));
          }
          const end = Math.max(now, T0 + endMinute * MINUTE);
          signals.push(...engine.tick(end));
          const expected = expectedAt(end);
          expect(firingNow()).toEqual(expected);

          // The stream is consistent: a resolve only follows a firing, and the last word matches the end state.
          const last = new Map<string, Signal['condition']>();
          for (const s of signals) {
            const key = `${s.rule} ${s.entityId}`;
            if (s.condition === 'resolved') expect(last.get(key)).toBe('firing');
            last.set(key, s.condition);
          }
          for (const key of expected) expect(last.get(key)).toBe('firing');
        },
      ),
      { numRuns: 300 },
    );
  });

  it('carrier rules: what is firing equals tracking_silent and shipment_anomaly evaluated on the states', () => {
    const checkpointArb = fc.record({
      waybill: fc.constantFrom('W1', 'W2'),
      state: fc.constantFrom(...SHIPMENT_STATES),
      atHour: fc.integer({ min: 0, max: 100 }),
      delayHours: fc.integer({ min: 0, max: 60 }),
      location: fc.constantFrom(undefined, '广东省深圳市', '浙江省杭州市'),
    });
    fc.assert(
      fc.property(fc.array(checkpointArb, { maxLength: 20 }), (checkpoints) => {
        const arrivals = checkpoints
          .map((c) => ({
            event: carrierUpdate(`O-${c.waybill}`, c.waybill, c.state, T0 + c.atHour * HOUR, {
              destinationRegion: '广东省',
              ...(c.location !== undefined ? { location: c.location } : {}),
            }),
            arrival: T0 + (c.atHour + c.delayHours) * HOUR,
          }))
          .sort((x, y) => x.arrival - y.arrival);
        const engine = new RuleEngine(params, [], { retainFinishedMs: KEEP_FINISHED });
        const states = new Map<string, ShipmentState>();
        const expectedAt = (t: number) =>
          [...states.values()]
            .flatMap((s) => {
              const out: string[] = [];
              const silent = trackingSilentDueAt(s, params.tracking_silent);
              if (silent !== undefined && silent <= t) out.push(`tracking_silent ${s.key}`);
              if (shipmentAnomalies(s, params.shipment_anomaly, SIMPLE_REGION_LOOKUP, t).length > 0) {
                out.push(`shipment_anomaly ${s.key}`);
              }
              return out;
            })
            .sort();
        const firingNow = () =>
          engine
            .firingSignals()
            .map((s) => `${s.rule} ${s.entityId}`)
            .sort();
        let now = T0;
        for (const { event, arrival } of arrivals) {
          for (; now < arrival; now += HOUR) {
            engine.tick(now);
            expect(firingNow()).toEqual(expectedAt(now));
          }
          now = arrival;
          engine.ingest(event, now);
          if (event.type === 'shipment.update') {
            const key = `${event.carrier}\u001f${event.trackingNo}`;
            states.set(key, applyShipmentEvent(states.get(key), event));
          }
          engine.tick(now);
          expect(firingNow()).toEqual(expectedAt(now));
        }
        engine.tick(now + 200 * HOUR);
        expect(firingNow()).toEqual(expectedAt(now + 200 * HOUR));
      }),
      { numRuns: 300 },
    );
  });
});
