// One number per shipment for sorting and filtering (`GET /v1/shipments?risk=high`): the weights
// say how likely each reason is to end in an unhappy customer, and the reasons stay attached so
// after-sales can see why.
import {
  anomaliesOfFacts,
  DEFAULT_SHIPMENT_ANOMALY_PARAMS,
  detectAnomalies,
  type ShipmentAnomaly,
  type ShipmentAnomalyParams,
  type ShipmentAnomalyReason,
  type ShipmentRiskFacts,
} from './anomalies.ts';
import type { ShipmentTracking } from './tracking.ts';

export const RISK_LEVELS = ['low', 'medium', 'high'] as const;
export type RiskLevel = (typeof RISK_LEVELS)[number];

export interface ShipmentRisk {
  /** 0..100 */
  score: number;
  level: RiskLevel;
  reasons: ShipmentAnomaly[];
}

export const DAY = 86_400_000;

export const RISK_WEIGHTS: Readonly<Record<ShipmentAnomalyReason, number>> = {
  silent: 40,
  rejected: 60,
  returning: 30,
  returned: 40,
  returned_repeatedly: 60,
  exception: 45,
  stuck_at_location: 30,
  outside_destination: 60,
};

/** A silent shipment gets riskier with every further day of silence, up to this much more. */
export const SILENCE_GROWTH_PER_DAY = 10;
export const SILENCE_GROWTH_MAX = 30;

/** The lowest score of each level. */
export const RISK_LEVEL_SCORES: Readonly<Record<RiskLevel, number>> = { low: 0, medium: 30, high: 60 };

export function riskLevel(score: number): RiskLevel {
  if (score >= RISK_LEVEL_SCORES.high) return 'high';
  if (score >= RISK_LEVEL_SCORES.medium) return 'medium';
  return 'low';
}

export function riskScore(reasons: readonly ShipmentAnomaly[], now: number): number {
  let score = 0;
  for (const r of reasons) {
    score += RISK_WEIGHTS[r.reason];
    if (r.reason === 'silent') {
      const extraDays = Math.floor(Math.max(0, now - r.since) / DAY);
      score += Math.min(SILENCE_GROWTH_MAX, extraDays * SILENCE_GROWTH_PER_DAY);
    }
  }
  return Math.min(100, score);
}

export function assessShipment(
  tracking: ShipmentTracking,
  now: number,
  params: ShipmentAnomalyParams = DEFAULT_SHIPMENT_ANOMALY_PARAMS,
): ShipmentRisk {
  const reasons = detectAnomalies(tracking, now, params);
  const score = riskScore(reasons, now);
  return { score, level: riskLevel(score), reasons };
}

/** The same assessment from the facts kept per waybill (anomaliesOfFacts). */
export function assessFacts(
  facts: ShipmentRiskFacts,
  now: number,
  params: ShipmentAnomalyParams = DEFAULT_SHIPMENT_ANOMALY_PARAMS,
): ShipmentRisk {
  const reasons = anomaliesOfFacts(facts, now, params);
  const score = riskScore(reasons, now);
  return { score, level: riskLevel(score), reasons };
}
