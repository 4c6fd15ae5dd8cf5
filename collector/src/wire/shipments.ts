// GET /v1/shipments: shipments with their risk and its reasons.
import { type Static, Type } from '@sinclair/typebox';

export const RiskLevel = Type.Union([Type.Literal('low'), Type.Literal('medium'), Type.Literal('high')]);
export type RiskLevel = Static<typeof RiskLevel>;

export const ShipmentsQuery = Type.Object({
  /** The lowest level listed (`high` lists high only, `medium` medium and high). */
  risk: Type.Optional(RiskLevel),
  store_id: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
  carrier: Type.Optional(Type.String({ minLength: 1, maxLength: 32 })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
});
export type ShipmentsQuery = Static<typeof ShipmentsQuery>;

export const ShipmentRiskReason = Type.Object({
  reason: Type.String(),
  since: Type.String(),
  detail: Type.String(),
});
export type ShipmentRiskReason = Static<typeof ShipmentRiskReason>;

export const ShipmentRiskItem = Type.Object({
  order_id: Type.String(),
  store_id: Type.String(),
  carrier: Type.String(),
  tracking_no: Type.String(),
  state: Type.String(),
  last_update_at: Type.String(),
  destination_region: Type.Union([Type.String(), Type.Null()]),
  risk: RiskLevel,
  risk_score: Type.Number(),
  reasons: Type.Array(ShipmentRiskReason),
});
export type ShipmentRiskItem = Static<typeof ShipmentRiskItem>;

export const ShipmentsList = Type.Object({ shipments: Type.Array(ShipmentRiskItem) });
export type ShipmentsList = Static<typeof ShipmentsList>;
