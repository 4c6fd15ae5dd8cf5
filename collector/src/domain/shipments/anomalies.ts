// Why a shipment needs attention. Each reason carries `since`, the event time from which it holds,
// so a reason whose time has already passed when the data arrives fires at once (detection by
// event time), and a later checkpoint that changes the picture clears it.

import type { ShipmentState } from '../events.ts';
import { regionContains, regionOf } from '../regions/match.ts';
import type { BuiltinRuleParams } from '../rules/params.ts';
import { DEFAULT_RULE_PARAMS } from '../rules/params.ts';
import {
  currentState,
  isFinal,
  lastUpdateAt,
  latestCheckpoint,
  progressCheckpoints,
  type ShipmentCheckpoint,
  type ShipmentTracking,
} from './tracking.ts';

export const SHIPMENT_ANOMALY_REASONS = [
  'silent',
  'rejected',
  'returning',
  'returned',
  'returned_repeatedly',
  'exception',
  'stuck_at_location',
  'outside_destination',
] as const;
export type ShipmentAnomalyReason = (typeof SHIPMENT_ANOMALY_REASONS)[number];

export interface ShipmentAnomaly {
  reason: ShipmentAnomalyReason;
  /** Event time (epoch ms) from which the reason holds. */
  since: number;
  detail: string;
}

export interface ShipmentAnomalyParams {
  /** No update for this long while not final: `silent` (as `tracking_silent`, 48 h by default). */
  silentLimitMs: number;
  /** No location change for this long while moving: `stuck_at_location`. */
  stuckAtLocationMs: number;
  /** Returned this many times or more: `returned_repeatedly`. */
  returnsThreshold: number;
}

export function shipmentAnomalyParams(rules: BuiltinRuleParams): ShipmentAnomalyParams {
  return {
    silentLimitMs: rules.tracking_silent.limitMs,
    stuckAtLocationMs: rules.shipment_anomaly.stuckAtLocationMs,
    returnsThreshold: rules.shipment_anomaly.returnsThreshold,
  };
}

export const DEFAULT_SHIPMENT_ANOMALY_PARAMS: ShipmentAnomalyParams =
  shipmentAnomalyParams(DEFAULT_RULE_PARAMS);

/** Which built-in rule a reason feeds; `returned`/`returning` once only raise the risk score. */
export function ruleOfReason(
  reason: ShipmentAnomalyReason,
): 'tracking_silent' | 'shipment_anomaly' | undefined {
  switch (reason) {
    case 'silent':
      return 'tracking_silent';
    case 'rejected':
    case 'returned_repeatedly':
    case 'exception':
    case 'stuck_at_location':
    case 'outside_destination':
      return 'shipment_anomaly';
    default:
      return undefined;
  }
}

/** Kuaidi100 main state 6 (退回): on its way back, not yet returned. */
const RETURNING_CODES = new Set(['6']);
/** States in which the parcel should be moving between locations. */
const MOVING_STATES: readonly ShipmentState[] = ['collected', 'in_transit', 'out_for_delivery', 'stuck'];
/** The last leg: the parcel should now be in the destination city (Kuaidi100 1001 = 到达派件城市). */
const LAST_LEG_STATES: readonly ShipmentState[] = ['out_for_delivery', 'delivered'];
const LAST_LEG_CODES = new Set(['1001']);

function isLastLeg(c: ShipmentCheckpoint): boolean {
  return (
    LAST_LEG_STATES.includes(c.state) || (c.providerCode !== undefined && LAST_LEG_CODES.has(c.providerCode))
  );
}

/** The checkpoints at the end of the list that all satisfy `belongs` (oldest first). */
function trailingRun(
  checkpoints: readonly ShipmentCheckpoint[],
  belongs: (c: ShipmentCheckpoint) => boolean,
) {
  let start = checkpoints.length;
  while (start > 0 && belongs(checkpoints[start - 1]!)) start--;
  return checkpoints.slice(start);
}

function locationKey(c: ShipmentCheckpoint): string | undefined {
  const location = c.location?.trim();
  if (location) return location;
  return c.providerText === undefined ? undefined : regionOf(c.providerText)?.cityCode;
}

function placeOf(c: ShipmentCheckpoint) {
  return regionOf(c.location ?? '') ?? (c.providerText === undefined ? undefined : regionOf(c.providerText));
}

/** Start times of each return: entering `returned` from any other state. */
export function returnStarts(tracking: ShipmentTracking): number[] {
  const starts: number[] = [];
  let previous: ShipmentState | undefined;
  for (const c of progressCheckpoints(tracking)) {
    if (c.state === 'returned' && previous !== 'returned') starts.push(c.occurredAt);
    previous = c.state;
  }
  return starts;
}

/** When the parcel arrived at its current location (undefined when no location is known). */
function atLocationSince(tracking: ShipmentTracking): { key: string; since: number } | undefined {
  const located = progressCheckpoints(tracking).filter((c) => locationKey(c) !== undefined);
  const last = located.at(-1);
  if (!last) return undefined;
  const key = locationKey(last)!;
  const run = trailingRun(located, (c) => locationKey(c) === key);
  return { key, since: run[0]!.occurredAt };
}

/**
 * What the reasons rest on, apart from the clock and the thresholds: kept per waybill when its
 * updates are stored, so a listing answers from these instead of replaying every waybill's events.
 * `anomaliesOfFacts(shipmentRiskFacts(t), now, p)` is `detectAnomalies(t, now, p)` by definition.
 */
export interface ShipmentRiskFacts {
  /** The state of the deciding checkpoint (currentState). */
  state?: ShipmentState;
  destinationRegion?: string;
  /** The newest checkpoint of any kind (lastUpdateAt). */
  lastUpdateAt?: number;
  /** While not final: the time silence counts from (newest checkpoint or binding). */
  silenceFrom?: number;
  /** While not final and in a moving state: where the parcel is and since when. */
  location?: { key: string; since: number };
  /** Start times of each return (returnStarts). */
  returnStarts: number[];
  /** `rejected`, `returning`, `returned` or `exception`: what the deciding checkpoint says. */
  stateReason?: ShipmentAnomaly;
  outsideDestination?: ShipmentAnomaly;
}

/** The time-driven facts: when silence counts from, where the parcel waits (both only while not final). */
function clockFacts(tracking: ShipmentTracking): Pick<ShipmentRiskFacts, 'silenceFrom' | 'location'> {
  const facts: Pick<ShipmentRiskFacts, 'silenceFrom' | 'location'> = {};
  if (isFinal(tracking)) return facts;
  const last = Math.max(tracking.checkpoints.at(-1)?.occurredAt ?? -Infinity, tracking.boundAt ?? -Infinity);
  if (Number.isFinite(last)) facts.silenceFrom = last;
  const state = currentState(tracking);
  const here = atLocationSince(tracking);
  if (state !== undefined && MOVING_STATES.includes(state) && here) facts.location = here;
  return facts;
}

/** The times at which the time-driven reasons will start if nothing new arrives (deadlines). */
export function anomalyDeadlines(
  tracking: ShipmentTracking,
  params: ShipmentAnomalyParams = DEFAULT_SHIPMENT_ANOMALY_PARAMS,
): { silentAt?: number; stuckAt?: number } {
  return deadlinesOf(clockFacts(tracking), params);
}

function deadlinesOf(
  facts: Pick<ShipmentRiskFacts, 'silenceFrom' | 'location'>,
  params: ShipmentAnomalyParams,
): { silentAt?: number; stuckAt?: number } {
  const deadlines: { silentAt?: number; stuckAt?: number } = {};
  if (facts.silenceFrom !== undefined) deadlines.silentAt = facts.silenceFrom + params.silentLimitMs;
  if (facts.location) deadlines.stuckAt = facts.location.since + params.stuckAtLocationMs;
  return deadlines;
}

/** The reason the deciding checkpoint's own state gives, if any. */
function stateReasonOf(tracking: ShipmentTracking): ShipmentAnomaly | undefined {
  const checkpoints = progressCheckpoints(tracking);
  const latest = latestCheckpoint(tracking);
  const state = latest?.state;
  if (latest && state === 'rejected') {
    const run = trailingRun(checkpoints, (c) => c.state === 'rejected');
    return { reason: 'rejected', since: run[0]!.occurredAt, detail: latest.providerText ?? '拒签' };
  }
  if (latest && state === 'returned') {
    const run = trailingRun(checkpoints, (c) => c.state === 'returned');
    const returning = latest.providerCode !== undefined && RETURNING_CODES.has(latest.providerCode);
    return {
      reason: returning ? 'returning' : 'returned',
      since: run[0]!.occurredAt,
      detail: latest.providerText ?? (returning ? '退回中' : '已退回'),
    };
  }
  if (latest && (state === 'exception' || state === 'stuck')) {
    const run = trailingRun(checkpoints, (c) => c.state === 'exception' || c.state === 'stuck');
    return { reason: 'exception', since: run[0]!.occurredAt, detail: latest.providerText ?? state };
  }
  return undefined;
}

function outsideDestinationOf(tracking: ShipmentTracking): ShipmentAnomaly | undefined {
  const latest = latestCheckpoint(tracking);
  if (!latest || tracking.destinationRegion === undefined || !isLastLeg(latest)) return undefined;
  const lastLeg = trailingRun(progressCheckpoints(tracking), isLastLeg);
  for (let i = lastLeg.length - 1; i >= 0; i--) {
    const place = placeOf(lastLeg[i]!);
    if (!place) continue;
    if (regionContains(tracking.destinationRegion, place) === false) {
      return {
        reason: 'outside_destination',
        since: lastLeg[i]!.occurredAt,
        detail: `at ${place.cityName ?? place.provinceName}, destination ${tracking.destinationRegion}`,
      };
    }
    return undefined;
  }
  return undefined;
}

export function shipmentRiskFacts(tracking: ShipmentTracking): ShipmentRiskFacts {
  const facts: ShipmentRiskFacts = { ...clockFacts(tracking), returnStarts: returnStarts(tracking) };
  const state = currentState(tracking);
  if (state !== undefined) facts.state = state;
  if (tracking.destinationRegion !== undefined) facts.destinationRegion = tracking.destinationRegion;
  const last = lastUpdateAt(tracking);
  if (last !== undefined) facts.lastUpdateAt = last;
  const stateReason = stateReasonOf(tracking);
  if (stateReason) facts.stateReason = stateReason;
  const outside = outsideDestinationOf(tracking);
  if (outside) facts.outsideDestination = outside;
  return facts;
}

/** Returns that count toward `returned_repeatedly`: none once delivered. */
export function countedReturns(facts: Pick<ShipmentRiskFacts, 'state' | 'returnStarts'>): number {
  return facts.state === 'delivered' ? 0 : facts.returnStarts.length;
}

export function anomaliesOfFacts(
  facts: ShipmentRiskFacts,
  now: number,
  params: ShipmentAnomalyParams = DEFAULT_SHIPMENT_ANOMALY_PARAMS,
): ShipmentAnomaly[] {
  const anomalies: ShipmentAnomaly[] = [];
  const { silentAt, stuckAt } = deadlinesOf(facts, params);
  if (silentAt !== undefined && now >= silentAt) {
    const hours = Math.floor((now - (silentAt - params.silentLimitMs)) / 3_600_000);
    anomalies.push({ reason: 'silent', since: silentAt, detail: `no carrier update for ${hours} h` });
  }
  const stateReason = facts.stateReason;
  if (stateReason && stateReason.reason !== 'exception') anomalies.push({ ...stateReason });
  if (countedReturns(facts) >= params.returnsThreshold) {
    const returns = facts.returnStarts;
    anomalies.push({
      reason: 'returned_repeatedly',
      since: returns[params.returnsThreshold - 1]!,
      detail: `returned ${returns.length} times`,
    });
  }
  if (stateReason?.reason === 'exception') anomalies.push({ ...stateReason });
  if (stuckAt !== undefined && now >= stuckAt) {
    const here = facts.location!;
    const hours = Math.floor((now - here.since) / 3_600_000);
    anomalies.push({ reason: 'stuck_at_location', since: stuckAt, detail: `at ${here.key} for ${hours} h` });
  }
  if (facts.outsideDestination) anomalies.push({ ...facts.outsideDestination });
  return anomalies;
}

export function detectAnomalies(
  tracking: ShipmentTracking,
  now: number,
  params: ShipmentAnomalyParams = DEFAULT_SHIPMENT_ANOMALY_PARAMS,
): ShipmentAnomaly[] {
  return anomaliesOfFacts(shipmentRiskFacts(tracking), now, params);
}
